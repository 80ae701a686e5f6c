// Package serverevent names the product events the backend records itself
// (signups, invitations, payments) and the interface that records them. The
// accounts and billing services call a Recorder inside the transaction of
// the change that caused the event; onboarding implements it.
package serverevent

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
)

// Names a checklist step can count.
const (
	OrganizationSignedUp = "organization_signed_up"
	EmailVerified        = "email_verified"
	MemberInvited        = "member_invited"
	MemberJoined         = "member_joined"
	// MemberRemoved is an owner or admin taking someone out of the
	// organization; MemberLeft is a person erasing their own account.
	MemberRemoved         = "member_removed"
	MemberLeft            = "member_left"
	CheckoutStarted       = "checkout_started"
	SubscriptionActivated = "subscription_activated"
	SubscriptionCanceled  = "subscription_canceled"
	// SubscriptionUpdated is a change of a subscription's seats, plan or
	// status that is neither its activation nor its cancellation. Its
	// properties carry subscription_id, status, seats and plan_id, like
	// those of SubscriptionActivated and SubscriptionCanceled.
	SubscriptionUpdated = "subscription_updated"
	// InvoicePaid is money received (an invoice paid with a non-zero
	// amount): the funnel's "paid" stage. A trial's subscription is
	// activated before anything is paid.
	InvoicePaid           = "invoice_paid"
	OrganizationActivated = "organization_activated"
	// TrialStarted is a subscription starting its trial: the funnel's
	// trial_started stage, between checkout_started and paid.
	TrialStarted = "trial_started"
)

// Event is one server-side product event.
type Event struct {
	OrganizationID uuid.UUID
	Name           string
	OccurredAt     time.Time
	// UserID is who caused it, when a person did.
	UserID     uuid.UUID
	Properties map[string]any
}

// Recorder records events in the caller's transaction tx, so an event exists
// if and only if the change that caused it committed.
type Recorder interface {
	Record(ctx context.Context, tx *database.Tx, e Event) error
}
