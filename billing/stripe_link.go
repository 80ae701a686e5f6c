package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// StripeLink is what this service stored of an organization's side in
// Stripe: its customer, its current subscription and the last Checkout
// session it opened. Development tools make up Stripe's events from it
// (`onramp dev stripe-event`), since stripe-mock sends none.
type StripeLink struct {
	CustomerID   string              // "": the organization never opened a checkout
	Subscription *LinkedSubscription // nil: no subscription event applied yet
	Checkout     *LinkedCheckout     // nil: no checkout opened
}

// LinkedSubscription is the organization's current subscription as stored.
type LinkedSubscription struct {
	StripeID string
	ItemID   string
	Plan     Plan // zero when its price is not in the catalog
	Seats    int
	Status   string
	Created  time.Time
	TrialEnd *time.Time
}

// LinkedCheckout is what the organization's last Checkout session was
// opened for: what the subscription it makes will carry.
type LinkedCheckout struct {
	SessionID string
	Plan      Plan
	Seats     int
}

// StripeLink reads the organization's stored Stripe customer, current
// subscription and last checkout.
func (s *Service) StripeLink(ctx context.Context, orgID uuid.UUID) (StripeLink, error) {
	var link StripeLink
	var err error
	if link.CustomerID, err = s.customerOf(ctx, s.db, orgID); err != nil {
		return link, err
	}
	sub, err := currentSubscription(ctx, s.db, orgID)
	if err != nil {
		return link, err
	}
	if sub != nil {
		ls := &LinkedSubscription{StripeID: sub.StripeSubscriptionID, Seats: sub.Seats, Status: sub.Status,
			Created: sub.StripeCreated, TrialEnd: utc(sub.TrialEnd)}
		if sub.StripeItemID != nil {
			ls.ItemID = *sub.StripeItemID
		}
		if sub.PlanID != nil {
			ls.Plan, _ = s.catalog.Plan(*sub.PlanID)
		}
		link.Subscription = ls
	}
	var row checkoutRow
	err = s.db.Query(ctx).Where("organization_id = ?", orgID).Order("created_at DESC, id DESC").Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
	case err != nil:
		return link, fmt.Errorf("load checkout session: %w", err)
	default:
		plan, _ := s.catalog.Plan(row.PlanID)
		link.Checkout = &LinkedCheckout{SessionID: row.ID, Plan: plan, Seats: row.Seats}
	}
	return link, nil
}
