package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// Subscription statuses, as Stripe names them.
const (
	StatusIncomplete        = "incomplete"
	StatusTrialing          = "trialing"
	StatusActive            = "active"
	StatusPastDue           = "past_due"
	StatusCanceled          = "canceled"
	StatusUnpaid            = "unpaid"
	StatusIncompleteExpired = "incomplete_expired"
	StatusPaused            = "paused"

	// StatusNone is an organization's billing status before any subscription.
	StatusNone = "none"
)

// terminal statuses never change again in Stripe: a row in one of them
// never leaves it, whatever order events arrive in.
func terminal(status string) bool {
	return status == StatusCanceled || status == StatusIncompleteExpired
}

// live statuses are a subscription the customer should manage in the
// portal rather than buy again.
func live(status string) bool {
	switch status {
	case StatusTrialing, StatusActive, StatusPastDue, StatusUnpaid, StatusPaused:
		return true
	}
	return false
}

// subscriptionRow is a Stripe subscription as last applied.
type subscriptionRow struct {
	ID                      uuid.UUID `gorm:"primaryKey"`
	OrganizationID          uuid.UUID
	StripeSubscriptionID    string
	StripeCustomerID        string
	StripeItemID            *string
	StripePriceID           *string
	PlanID                  *string
	Status                  string
	Seats                   int
	CurrentPeriodEnd        *time.Time
	CancelAtPeriodEnd       bool
	TrialEnd                *time.Time
	PastDueSince            *time.Time
	ActivatedAt             *time.Time
	CanceledAt              *time.Time
	LatestInvoiceID         *string
	LatestInvoiceStatus     *string
	StripeCreated           time.Time
	LastEventCreated        time.Time
	LastEventID             string
	LastInvoiceEventCreated *time.Time
	CreatedAt               time.Time
	UpdatedAt               time.Time
}

func (subscriptionRow) TableName() string { return "subscriptions" }

// Subscription is what GET /v1/billing/subscription shows.
type Subscription struct {
	ID                uuid.UUID  `json:"id"`
	PlanID            *string    `json:"plan_id"`
	Status            string     `json:"status"`
	Seats             int        `json:"seats"`
	SeatsUsed         int        `json:"seats_used"`
	CurrentPeriodEnd  *time.Time `json:"current_period_end"`
	CancelAtPeriodEnd bool       `json:"cancel_at_period_end"`
	TrialEnd          *time.Time `json:"trial_end"`
}

// currentSubscription is the organization's subscription that matters: a
// live one first, else the most recently created. nil when none.
func currentSubscription(ctx context.Context, h database.Handle, orgID uuid.UUID) (*subscriptionRow, error) {
	var rows []subscriptionRow
	err := h.Query(ctx).
		Where("organization_id = ?", orgID).
		Order("(status IN ('canceled', 'incomplete_expired')) ASC, stripe_created DESC, id DESC").
		Limit(1).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load subscription: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// Subscription is the organization's current subscription (apperr
// NotFound when it has none).
func (s *Service) Subscription(ctx context.Context, orgID uuid.UUID) (Subscription, error) {
	row, err := currentSubscription(ctx, s.db, orgID)
	if err != nil {
		return Subscription{}, err
	}
	if row == nil {
		return Subscription{}, apperr.NotFound("subscription")
	}
	used, err := account.SeatsUsed(ctx, s.db, orgID)
	if err != nil {
		return Subscription{}, err
	}
	return toSubscription(row, used), nil
}

func toSubscription(row *subscriptionRow, used int) Subscription {
	return Subscription{
		ID: row.ID, PlanID: row.PlanID, Status: row.Status, Seats: row.Seats, SeatsUsed: used,
		CurrentPeriodEnd: utc(row.CurrentPeriodEnd), CancelAtPeriodEnd: row.CancelAtPeriodEnd, TrialEnd: utc(row.TrialEnd),
	}
}

// PlanID is the plan of the organization's current subscription, "" when
// it has none (or its price is not in the catalog). db may be a transaction.
func (s *Service) PlanID(ctx context.Context, h database.Handle, orgID uuid.UUID) (string, error) {
	row, err := currentSubscription(ctx, h, orgID)
	if err != nil || row == nil || row.PlanID == nil {
		return "", err
	}
	return *row.PlanID, nil
}

// Entitlements is what the organization may use now.
type Entitlements struct {
	Active    bool     `json:"active"`
	Status    string   `json:"status"`
	Features  []string `json:"features"`
	Seats     int      `json:"seats"`
	SeatsUsed int      `json:"seats_used"`
	// SeatsOver is how many seats the team holds beyond those paid for
	// (members and pending invitations above seats): Stripe can lower the
	// quantity (the Dashboard, a portal) below what the team holds. Nobody
	// is removed; invitations are refused until the team fits again.
	SeatsOver int `json:"seats_over"`
}

// Entitlements derives access from the current subscription: trialing and
// active give access, past_due keeps it for the grace period counted from
// when the subscription turned past_due, anything else ends it.
func (s *Service) Entitlements(ctx context.Context, orgID uuid.UUID) (Entitlements, error) {
	row, err := currentSubscription(ctx, s.db, orgID)
	if err != nil {
		return Entitlements{}, err
	}
	used, err := account.SeatsUsed(ctx, s.db, orgID)
	if err != nil {
		return Entitlements{}, err
	}
	e := Entitlements{Status: StatusNone, Features: []string{}, SeatsUsed: used}
	if row == nil {
		return e, nil
	}
	e.Status, e.Seats, e.SeatsOver = row.Status, row.Seats, max(used-row.Seats, 0)
	e.Active = s.hasAccess(row)
	if e.Active && row.PlanID != nil {
		if p, ok := s.catalog.Plan(*row.PlanID); ok {
			e.Features = p.Features
		}
	}
	return e, nil
}

func (s *Service) hasAccess(row *subscriptionRow) bool {
	switch row.Status {
	case StatusTrialing, StatusActive:
		return true
	case StatusPastDue:
		return row.PastDueSince != nil && s.now().Before(row.PastDueSince.Add(s.grace))
	}
	return false
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
