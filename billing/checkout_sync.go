package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"
	"gorm.io/gorm"

	"github.com/onramp/onramp/internal/database"
)

// applyCheckout closes our record of a completed Checkout session.
// Subscription state arrives with customer.subscription.* events; the
// session is only where a customer no organization holds yet gets linked,
// and only when the session is one this service opened.
func (s *Service) applyCheckout(ctx context.Context, tx *database.Tx, created time.Time, cs *stripe.CheckoutSession) (eventResult, error) {
	r := eventResult{outcome: OutcomeUnmatched}
	if cs.Subscription != nil {
		r.subscriptionID = cs.Subscription.ID
	}
	customerID := ""
	if cs.Customer != nil {
		customerID = cs.Customer.ID
	}
	orgID, err := orgOfCustomer(ctx, tx, customerID)
	if err != nil {
		return r, err
	}
	if orgID == uuid.Nil {
		if orgID, err = s.linkFromOpenedSession(ctx, tx, cs, customerID); err != nil || orgID == uuid.Nil {
			return r, err
		}
	}
	r.outcome, r.orgID = OutcomeApplied, orgID
	// Only the holder's own session is closed: a session another
	// organization opened stays open, whoever's customer paid it.
	// The subscription it made is kept: until that subscription's own
	// events arrive, the organization cannot open another checkout.
	var sub *string
	if r.subscriptionID != "" {
		sub = &r.subscriptionID
	}
	if err := tx.Exec(`UPDATE checkout_sessions SET completed_at = coalesce(completed_at, ?),
		stripe_subscription_id = coalesce(stripe_subscription_id, ?) WHERE id = ? AND organization_id = ?`,
		created, sub, cs.ID, orgID).Error; err != nil {
		return r, fmt.Errorf("complete checkout session: %w", err)
	}
	return r, nil
}

// linkFromOpenedSession is the organization that opened the session, which
// now holds its customer (if it held none), locked for the rest of tx;
// uuid.Nil when we did not open the session. A session opened elsewhere in
// the Stripe account (a payment link, the dashboard) can carry any
// client_reference_id or metadata: they never link anything.
func (s *Service) linkFromOpenedSession(ctx context.Context, tx *database.Tx, cs *stripe.CheckoutSession, customerID string) (uuid.UUID, error) {
	var opened checkoutRow
	err := tx.WithContext(ctx).Where("id = ?", cs.ID).Take(&opened).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return uuid.Nil, nil
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("load checkout session: %w", err)
	}
	if cs.ClientReferenceID != "" && cs.ClientReferenceID != opened.OrganizationID.String() {
		// We set it to the organization that opened the session; Stripe
		// never changes it. Believe neither.
		s.log.WarnContext(ctx, "checkout session's client_reference_id is not the organization that opened it: not linked",
			"checkout_session_id", cs.ID, "organization_id", opened.OrganizationID)
		return uuid.Nil, nil
	}
	if err := tx.LockOrganization(ctx, opened.OrganizationID); err != nil {
		return uuid.Nil, err
	}
	if customerID == "" {
		return opened.OrganizationID, nil
	}
	linked, err := linkCustomer(ctx, tx, opened.OrganizationID, customerID, s.now())
	if err != nil {
		return uuid.Nil, err
	}
	if !linked {
		// Our sessions carry the organization's stored customer, so this
		// one paid with another: its subscription will be unmatched.
		s.log.ErrorContext(ctx, "checkout session paid by a customer other than its organization's: not linked; check the customer in Stripe",
			"checkout_session_id", cs.ID, "organization_id", opened.OrganizationID, "customer_id", customerID)
	}
	return opened.OrganizationID, nil
}
