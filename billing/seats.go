package billing

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
)

// SeatPolicy bounds invitations by the subscription's seats once the
// organization has one; before that seats are free. It implements
// account.SeatPolicy.
type SeatPolicy struct{ s *Service }

// SeatPolicy is the service's account.SeatPolicy.
func (s *Service) SeatPolicy() SeatPolicy { return SeatPolicy{s} }

var _ account.SeatPolicy = SeatPolicy{}

// CheckSeat runs in the caller's transaction, with the organization row
// already locked, so two invitations cannot both take the last seat.
func (p SeatPolicy) CheckSeat(ctx context.Context, tx *database.Tx, orgID uuid.UUID) error {
	row, err := currentSubscription(ctx, tx, orgID)
	if err != nil || row == nil {
		return err
	}
	used, err := account.SeatsUsed(ctx, tx, orgID)
	if err != nil {
		return err
	}
	if used > row.Seats {
		// Stripe lowered the quantity below what the team holds (the
		// Dashboard, a portal): nobody is removed, nobody more comes in.
		return apperr.Conflict("seats_exhausted",
			fmt.Sprintf("the team holds %d seats (members and pending invitations) but the subscription pays for %d; add seats or remove people first", used, row.Seats))
	}
	if used == row.Seats {
		return apperr.Conflict("seats_exhausted",
			fmt.Sprintf("all %d seats are taken (members and pending invitations); add seats to the subscription first", row.Seats))
	}
	return nil
}

// UpdateSeats changes the subscription's seat count in Stripe, prorated,
// and answers with the requested seats once Stripe accepted the change.
//
// No transaction or lock is held while Stripe answers (holding the
// organization's lock stalled the company's event ingestion and checklist
// writes behind a slow Stripe): the change is checked in one short
// transaction, sent to Stripe, and stored in another. The seat bound is
// therefore checked when the request is made. While Stripe answers,
// invitations are checked against the seats stored before the change: an
// increase hands out no seat before Stripe accepted it, but an invitation
// sent during a decrease can take a seat the decrease then removes, leaving
// the organization using more seats than it pays for. We accept that
// window of one Stripe round trip rather than lock across it: it shows
// (seats_used above seats, here and in GET /v1/billing/subscription), it
// is logged, and no invitation is accepted until the team fits again.
func (s *Service) UpdateSeats(ctx context.Context, orgID uuid.UUID, seats int) (Subscription, error) {
	if err := s.requireStripe(); err != nil {
		return Subscription{}, err
	}
	var row *subscriptionRow
	var used int
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		// Under the lock, the count of seats in use is not racing an
		// invitation's own check.
		if err := tx.LockOrganization(ctx, orgID); err != nil {
			return err
		}
		var err error
		if row, err = currentSubscription(ctx, tx, orgID); err != nil {
			return err
		}
		if used, err = account.SeatsUsed(ctx, tx, orgID); err != nil {
			return err
		}
		return s.checkSeatChange(row, seats, used)
	})
	if err != nil {
		return Subscription{}, err
	}
	if seats == row.Seats {
		return toSubscription(row, used), nil // nothing to ask Stripe
	}

	// The key names this change from this state: a retry of the same
	// request reuses it, a later change to the same count does not.
	key := fmt.Sprintf("onramp-seats-%s-%d-%d", row.StripeSubscriptionID, seats, row.UpdatedAt.UnixMicro())
	_, err = s.stripe.SubscriptionItems.Update(*row.StripeItemID, &stripe.SubscriptionItemParams{
		Params:            stripe.Params{Context: ctx, IdempotencyKey: stripe.String(key)},
		Quantity:          stripe.Int64(int64(seats)),
		ProrationBehavior: stripe.String("create_prorations"),
	})
	if err != nil {
		s.log.WarnContext(ctx, "stripe seat change failed", "organization_id", orgID, "err", redactedErr{err})
		return Subscription{}, stripeErr("update seats", err)
	}

	err = s.db.InTx(ctx, func(tx *database.Tx) error {
		if err := tx.LockOrganization(ctx, orgID); err != nil {
			return err
		}
		// Stored only if no webhook applied a state of the subscription
		// meanwhile: such a state is Stripe's own word and may be newer
		// than this change, whose own event follows anyway.
		res := tx.WithContext(ctx).Model(&subscriptionRow{}).Where("id = ? AND last_event_id = ?", row.ID, row.LastEventID).
			Updates(map[string]any{"seats": seats, "updated_at": s.now()})
		if res.Error != nil {
			return fmt.Errorf("store seats: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			s.log.InfoContext(ctx, "a webhook applied the subscription meanwhile: its state stays until the seat change's own event",
				"organization_id", orgID, "seats", seats)
		} else {
			// Recorded with the seats it stores; the change's own webhook then
			// finds them stored and records nothing more.
			changed := *row
			changed.Seats = seats
			if err := s.recordEvent(ctx, tx, serverevent.Event{OrganizationID: orgID, Name: serverevent.SubscriptionUpdated,
				OccurredAt: s.now(), Properties: subscriptionProps(&changed)}); err != nil {
				return err
			}
		}
		var err error
		used, err = account.SeatsUsed(ctx, tx, orgID)
		return err
	})
	if err != nil {
		return Subscription{}, err
	}
	if used > seats {
		s.log.WarnContext(ctx, "an invitation took a seat while Stripe removed it: the organization uses more seats than it pays for",
			"organization_id", orgID, "seats", seats, "seats_used", used)
	}
	row.Seats = seats
	return toSubscription(row, used), nil
}

// checkSeatChange refuses a seat count the subscription cannot take.
func (s *Service) checkSeatChange(row *subscriptionRow, seats, used int) error {
	if row == nil {
		return apperr.NotFound("subscription")
	}
	if terminal(row.Status) || row.Status == StatusIncomplete {
		return apperr.Conflict("subscription_not_modifiable", fmt.Sprintf("a %s subscription's seats cannot change; start a new checkout", row.Status))
	}
	if row.StripeItemID == nil {
		return apperr.Conflict("subscription_not_modifiable", "the subscription has no seat item")
	}
	v := apperr.Validator{}
	v.Check(seats >= 1, "seats", "must be at least 1")
	if row.PlanID != nil {
		if p, ok := s.catalog.Plan(*row.PlanID); ok {
			v.Check(seats >= p.MinSeats && seats <= p.MaxSeats, "seats", fmt.Sprintf("must be from %d to %d on plan %s", p.MinSeats, p.MaxSeats, p.ID))
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if seats < used {
		return apperr.Conflict("seats_below_members",
			fmt.Sprintf("%d seats are in use (members and pending invitations); remove members or revoke invitations first", used))
	}
	return nil
}
