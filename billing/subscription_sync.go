package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
)

// ErrUnknownStatus is a subscription status this code does not know.
var ErrUnknownStatus = errors.New("unknown subscription status")

func knownStatus(s string) bool {
	switch s {
	case StatusIncomplete, StatusTrialing, StatusActive, StatusPastDue, StatusCanceled, StatusUnpaid, StatusIncompleteExpired, StatusPaused:
		return true
	}
	return false
}

// maxSeats bounds a quantity we store; Stripe's own limit is far below.
const maxSeats = 1_000_000

// stale decides whether an event must not overwrite the stored row:
//   - it is older (`created`) than the last event applied to it;
//   - ties (Stripe's `created` has one-second resolution): the later
//     delivery wins, except customer.subscription.created, which always
//     describes the subscription's first state and so never overrides
//     anything already stored;
//   - a canceled or expired subscription never comes back: Stripe never
//     moves a subscription out of those states.
func stale(row *subscriptionRow, eventType string, created time.Time, status string) bool {
	switch {
	case created.Before(row.LastEventCreated):
		return true
	case created.Equal(row.LastEventCreated) && eventType == EventSubscriptionCreated:
		return true
	case terminal(row.Status) && status != row.Status:
		return true
	}
	return false
}

// applySubscription stores the subscription's state carried by an event,
// for the organization holding its customer, unless the event is stale.
func (s *Service) applySubscription(ctx context.Context, tx *database.Tx, eventType, eventID string, created time.Time, sub *stripe.Subscription) (eventResult, error) {
	r := eventResult{outcome: OutcomeUnmatched, subscriptionID: sub.ID}
	if sub.ID == "" {
		return r, apperr.Malformed("invalid Stripe webhook: the subscription has no id")
	}
	customerID := ""
	if sub.Customer != nil {
		customerID = sub.Customer.ID
	}
	orgID, err := orgOfCustomer(ctx, tx, customerID)
	if err != nil || orgID == uuid.Nil {
		return r, err
	}
	// Read under the organization lock: a concurrent event for the same
	// subscription has committed, or waits for this one.
	var existing *subscriptionRow
	var rows []subscriptionRow
	if err := tx.WithContext(ctx).Where("stripe_subscription_id = ?", sub.ID).Limit(1).Find(&rows).Error; err != nil {
		return r, fmt.Errorf("load subscription: %w", err)
	}
	if len(rows) > 0 {
		existing = &rows[0]
		if existing.OrganizationID != orgID {
			// Stripe never moves a subscription to another customer: this row
			// was linked to another organization before the customer was the
			// rule. Never move a tenant's data on our own: tell an operator.
			s.log.ErrorContext(ctx, "subscription is stored for another organization than its customer's: not applied",
				"subscription_id", sub.ID, "organization_id", existing.OrganizationID, "customer_organization_id", orgID)
			return r, nil
		}
	}
	r.orgID = orgID
	if !knownStatus(string(sub.Status)) {
		// A status added by Stripe after this code was written: refuse (5xx)
		// so that Stripe keeps retrying until a release knows what it means,
		// rather than guessing at access.
		return r, fmt.Errorf("%w %q", ErrUnknownStatus, sub.Status)
	}
	if existing != nil && stale(existing, eventType, created, string(sub.Status)) {
		r.outcome = OutcomeStale
		if eventType == EventTrialWillEnd {
			// Late, but the trial may still be ending: the stored state decides.
			return r, s.notifyTrialEnding(ctx, tx, existing, sub)
		}
		return r, nil
	}
	r.outcome = OutcomeApplied

	row := subscriptionRow{}
	if existing != nil {
		row = *existing
	} else {
		row.ID = uuid.Must(uuid.NewV7())
		row.OrganizationID = orgID
		row.StripeSubscriptionID = sub.ID
		row.CreatedAt = s.now()
	}
	prev, prevSeats, prevPlan := row.Status, row.Seats, row.PlanID
	if err := s.copySubscription(ctx, &row, sub, created); err != nil {
		return r, err
	}
	activated := (row.Status == StatusActive || row.Status == StatusTrialing) && row.ActivatedAt == nil
	if activated {
		row.ActivatedAt = &created
	}
	canceled := row.Status == StatusCanceled && prev != StatusCanceled
	if canceled {
		at := created
		if sub.CanceledAt > 0 {
			at = time.Unix(sub.CanceledAt, 0).UTC()
		}
		row.CanceledAt = &at
	}
	switch {
	case row.Status != StatusPastDue:
		row.PastDueSince = nil
	case prev != StatusPastDue || row.PastDueSince == nil:
		// The grace period runs from when Stripe said past_due, not from
		// when we happened to hear it.
		row.PastDueSince = &created
	}
	row.LastEventCreated = created
	row.LastEventID = eventID
	row.UpdatedAt = s.now()
	store := tx.WithContext(ctx).Save
	if existing == nil {
		store = tx.WithContext(ctx).Create
	}
	if err := store(&row).Error; err != nil {
		return r, fmt.Errorf("store subscription: %w", err)
	}
	if err := s.syncBillingStatus(ctx, tx, orgID); err != nil {
		return r, err
	}
	if live(row.Status) && prev != row.Status {
		if err := s.warnExtraLive(ctx, tx, &row); err != nil {
			return r, err
		}
	}
	props := subscriptionProps(&row)
	if activated {
		if err := s.recordEvent(ctx, tx, serverevent.Event{OrganizationID: orgID, Name: serverevent.SubscriptionActivated, OccurredAt: created, Properties: props}); err != nil {
			return r, err
		}
	}
	if canceled {
		if err := s.recordEvent(ctx, tx, serverevent.Event{OrganizationID: orgID, Name: serverevent.SubscriptionCanceled, OccurredAt: *row.CanceledAt, Properties: props}); err != nil {
			return r, err
		}
	}
	if row.Status == StatusTrialing && prev != StatusTrialing {
		// The funnel's trial_started: its milestone keeps the earliest.
		at := created
		if sub.TrialStart > 0 {
			at = time.Unix(sub.TrialStart, 0).UTC()
		}
		if err := s.recordEvent(ctx, tx, serverevent.Event{OrganizationID: orgID, Name: serverevent.TrialStarted, OccurredAt: at, Properties: props}); err != nil {
			return r, err
		}
	}
	// Any other change of what the organization pays for. A first state
	// that is not an activation (incomplete) is no change of anything yet.
	changed := prev != row.Status || prevSeats != row.Seats || !samePlan(prevPlan, row.PlanID)
	if existing != nil && changed && !activated && !canceled {
		if err := s.recordEvent(ctx, tx, serverevent.Event{OrganizationID: orgID, Name: serverevent.SubscriptionUpdated, OccurredAt: created, Properties: props}); err != nil {
			return r, err
		}
	}
	if eventType == EventTrialWillEnd {
		return r, s.notifyTrialEnding(ctx, tx, &row, sub)
	}
	return r, nil
}

// subscriptionProps are the properties of the subscription_activated,
// subscription_updated and subscription_canceled events: onboarding keeps
// each organization's seats and plan from them.
func subscriptionProps(row *subscriptionRow) map[string]any {
	props := map[string]any{"subscription_id": row.ID.String(), "status": row.Status, "seats": row.Seats}
	if row.PlanID != nil {
		props["plan_id"] = *row.PlanID
	}
	return props
}

func samePlan(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// copySubscription copies what Stripe says of the subscription onto row:
// customer, status, the seat item, its price and plan, and the dates.
func (s *Service) copySubscription(ctx context.Context, row *subscriptionRow, sub *stripe.Subscription, created time.Time) error {
	if sub.Customer != nil {
		row.StripeCustomerID = sub.Customer.ID
	}
	row.Status = string(sub.Status)
	row.StripeItemID, row.StripePriceID, row.PlanID, row.Seats = nil, nil, nil, 0
	if item := s.seatItem(sub); item != nil {
		if item.Quantity < 0 || item.Quantity > maxSeats {
			return apperr.Malformed(fmt.Sprintf("invalid Stripe webhook: quantity %d is out of range", item.Quantity))
		}
		row.StripeItemID = &item.ID
		row.Seats = int(item.Quantity)
		if item.Price != nil {
			row.StripePriceID = &item.Price.ID
			if p, ok := s.catalog.ByPrice(item.Price.ID); ok {
				row.PlanID = &p.ID
			} else {
				s.log.WarnContext(ctx, "subscription price is not in the plan catalog: no features granted", "price_id", item.Price.ID, "subscription_id", sub.ID)
			}
		}
	}
	row.CurrentPeriodEnd = unixPtr(sub.CurrentPeriodEnd)
	row.CancelAtPeriodEnd = sub.CancelAtPeriodEnd
	row.TrialEnd = unixPtr(sub.TrialEnd)
	row.StripeCreated = time.Unix(sub.Created, 0).UTC()
	if sub.Created == 0 {
		row.StripeCreated = created
	}
	return nil
}

// warnExtraLive tells an operator when the organization now has more than
// one live subscription: two checkouts paid at once make two, Stripe
// cannot prevent it, and we must not cancel one on our own.
func (s *Service) warnExtraLive(ctx context.Context, tx *database.Tx, row *subscriptionRow) error {
	var others int64
	if err := tx.WithContext(ctx).Model(&subscriptionRow{}).Where("organization_id = ? AND id <> ? AND status IN ?",
		row.OrganizationID, row.ID, []string{StatusTrialing, StatusActive, StatusPastDue, StatusUnpaid, StatusPaused}).Count(&others).Error; err != nil {
		return fmt.Errorf("count live subscriptions: %w", err)
	}
	if others > 0 {
		s.log.ErrorContext(ctx, "organization has more than one live subscription: refund or cancel the extra one in Stripe",
			"organization_id", row.OrganizationID, "subscription_id", row.StripeSubscriptionID)
	}
	return nil
}

// seatItem is the subscription item that carries the seats: the one whose
// price is in the catalog, else the first.
func (s *Service) seatItem(sub *stripe.Subscription) *stripe.SubscriptionItem {
	if sub.Items == nil || len(sub.Items.Data) == 0 {
		return nil
	}
	for _, it := range sub.Items.Data {
		if it != nil && it.Price != nil {
			if _, ok := s.catalog.ByPrice(it.Price.ID); ok {
				return it
			}
		}
	}
	return sub.Items.Data[0]
}

// syncBillingStatus keeps organizations.billing_status equal to the status
// of the organization's current subscription.
func (s *Service) syncBillingStatus(ctx context.Context, tx *database.Tx, orgID uuid.UUID) error {
	cur, err := currentSubscription(ctx, tx, orgID)
	if err != nil {
		return err
	}
	status := StatusNone
	if cur != nil {
		status = cur.Status
	}
	if err := tx.WithContext(ctx).Exec(`UPDATE organizations SET billing_status = ?, updated_at = now() WHERE id = ? AND billing_status <> ?`,
		status, orgID, status).Error; err != nil {
		return fmt.Errorf("update billing status: %w", err)
	}
	return nil
}

func unixPtr(sec int64) *time.Time {
	if sec <= 0 {
		return nil
	}
	t := time.Unix(sec, 0).UTC()
	return &t
}
