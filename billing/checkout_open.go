package billing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/onramp/onramp/internal/apperr"
)

// An organization has at most one open Checkout session: the same request
// gets it back while it is open, and any other one expires it in Stripe
// before a new one opens. A session that completes makes a subscription,
// and an expired one can no longer complete, so two checkouts never make
// two subscriptions. All of this runs under the organization's checkout
// lock (CreateCheckout).

const (
	// reuseMargin is the least time a session must have left to be handed
	// out again: a buyer needs a few minutes to fill it in.
	reuseMargin = 10 * time.Minute
	// clockSkew covers the difference between our clock and Stripe's: a
	// session whose expiry we saw pass may still be open for this long,
	// so it is expired explicitly like any other.
	clockSkew = 5 * time.Minute
	// completionWindow is how long a completed session whose subscription
	// we have not heard of yet blocks a new checkout: Stripe sends the
	// subscription's events within seconds, and retries them for days.
	completionWindow = 24 * time.Hour
)

// settleOpenSessions returns the organization's open session opened for
// the same request (plan, seats, language, return URLs), or expires every
// session of it that may still be open and returns nil. A completed
// session whose subscription is still on its way is a 409
// subscription_exists, as is a session that turns out to have completed
// while we tried to expire it.
func (s *Service) settleOpenSessions(ctx context.Context, orgID uuid.UUID, planID string, in CheckoutInput) (*CheckoutSession, error) {
	now := s.now()
	var pending int64
	if err := s.db.Query(ctx).Raw(`
		SELECT count(*) FROM checkout_sessions c
		WHERE c.organization_id = ? AND c.completed_at IS NOT NULL AND c.completed_at > ?
		  AND NOT EXISTS (SELECT 1 FROM subscriptions s
		                  WHERE s.organization_id = c.organization_id AND s.stripe_subscription_id = c.stripe_subscription_id)`,
		orgID, now.Add(-completionWindow)).Scan(&pending).Error; err != nil {
		return nil, fmt.Errorf("look for completed checkouts: %w", err)
	}
	if pending > 0 {
		return nil, checkoutCompleted()
	}
	var open []checkoutRow
	if err := s.db.Query(ctx).Where("organization_id = ? AND completed_at IS NULL AND expired_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
		orgID, now.Add(-clockSkew)).Order("created_at DESC, id").Find(&open).Error; err != nil {
		return nil, fmt.Errorf("load open checkout sessions: %w", err)
	}
	// Only the newest session can be handed out: any older one is expired
	// here before another is ever opened.
	var keep *checkoutRow
	if len(open) > 0 && open[0].sameRequest(planID, in) && open[0].ExpiresAt.After(now.Add(reuseMargin)) {
		keep = &open[0]
	}
	for i := range open {
		if &open[i] == keep {
			continue
		}
		if err := s.expireSession(ctx, open[i]); err != nil {
			return nil, err
		}
	}
	if keep == nil {
		return nil, nil
	}
	// Stripe has the last word: a session expired in the Dashboard, or
	// whose expiry we could not record, is never handed out.
	if ok, err := s.stillOpen(ctx, *keep); err != nil || !ok {
		return nil, err
	}
	return &CheckoutSession{ID: keep.ID, URL: *keep.URL, ExpiresAt: keep.ExpiresAt.UTC()}, nil
}

func checkoutCompleted() error {
	return apperr.Conflict("subscription_exists",
		"a checkout of the organization was just completed and its subscription is being set up; manage it in the billing portal")
}

// sameRequest reports whether the session was opened for this request:
// handing it out otherwise would sell other seats, in another language, or
// send the buyer back somewhere else than asked.
func (r checkoutRow) sameRequest(planID string, in CheckoutInput) bool {
	return r.URL != nil && r.ExpiresAt != nil && r.PlanID == planID && r.Seats == in.Seats &&
		deref(r.Locale) == in.Locale && deref(r.SuccessURL) == in.SuccessURL && deref(r.CancelURL) == in.CancelURL
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// expireSession expires a session of ours in Stripe and records it. When
// Stripe refuses because the session is no longer open, its status says
// why (stillOpen): expired is what we wanted, complete means the buyer
// paid meanwhile (409, the subscription is on its way).
func (s *Service) expireSession(ctx context.Context, row checkoutRow) error {
	_, err := s.stripe.CheckoutSessions.Expire(row.ID, &stripe.CheckoutSessionExpireParams{
		Params: stripe.Params{Context: ctx, IdempotencyKey: stripe.String("onramp-checkout-expire-" + row.ID)},
	})
	var se *stripe.Error
	switch {
	case err == nil:
		return s.recordExpired(ctx, row.ID)
	case errors.As(err, &se) && se.HTTPStatusCode == http.StatusBadRequest:
		open, serr := s.stillOpen(ctx, row)
		if serr != nil || !open {
			return serr
		}
	}
	s.log.WarnContext(ctx, "stripe checkout session expiry failed", "organization_id", row.OrganizationID, "err", redactedErr{err})
	return stripeErr("expire checkout session", err)
}

// stillOpen asks Stripe whether the session is open, and records what
// else it became: expired (false), or complete (409 subscription_exists).
func (s *Service) stillOpen(ctx context.Context, row checkoutRow) (bool, error) {
	cs, err := s.stripe.CheckoutSessions.Get(row.ID, &stripe.CheckoutSessionParams{Params: stripe.Params{Context: ctx}})
	if err != nil {
		return false, stripeErr("read checkout session", err)
	}
	switch cs.Status {
	case stripe.CheckoutSessionStatusOpen:
		return true, nil
	case stripe.CheckoutSessionStatusExpired:
		return false, s.recordExpired(ctx, row.ID)
	case stripe.CheckoutSessionStatusComplete:
		var sub *string
		if cs.Subscription != nil && cs.Subscription.ID != "" {
			sub = &cs.Subscription.ID
		}
		if err := s.db.Query(ctx).Exec(`UPDATE checkout_sessions SET completed_at = coalesce(completed_at, ?),
			stripe_subscription_id = coalesce(stripe_subscription_id, ?) WHERE id = ?`, s.now(), sub, row.ID).Error; err != nil {
			return false, fmt.Errorf("complete checkout session: %w", err)
		}
		return false, checkoutCompleted()
	}
	return false, fmt.Errorf("checkout session %s: unknown status %q", row.ID, cs.Status)
}

func (s *Service) recordExpired(ctx context.Context, id string) error {
	if err := s.db.Query(ctx).Exec(`UPDATE checkout_sessions SET expired_at = ? WHERE id = ? AND expired_at IS NULL`, s.now(), id).Error; err != nil {
		return fmt.Errorf("record expired checkout session: %w", err)
	}
	return nil
}
