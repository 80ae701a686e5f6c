package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

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
	e.Status, e.Seats = row.Status, row.Seats
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
	if used >= row.Seats {
		return apperr.Conflict("seats_exhausted",
			fmt.Sprintf("all %d seats are taken (members and pending invitations); add seats to the subscription first", row.Seats))
	}
	return nil
}

// UpdateSeats changes the subscription's seat count in Stripe, prorated,
// and answers with the requested seats once Stripe accepted the change.
func (s *Service) UpdateSeats(ctx context.Context, orgID uuid.UUID, seats int) (Subscription, error) {
	if err := s.requireStripe(); err != nil {
		return Subscription{}, err
	}
	var out Subscription
	// The organization stays locked across the Stripe call so that no
	// invitation can take a seat between the check and the change.
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		if _, err := lockOrg(ctx, tx, orgID); err != nil {
			return err
		}
		row, err := currentSubscription(ctx, tx, orgID)
		if err != nil {
			return err
		}
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
		used, err := account.SeatsUsed(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if seats < used {
			return apperr.Conflict("seats_below_members",
				fmt.Sprintf("%d seats are in use (members and pending invitations); remove members or revoke invitations first", used))
		}
		if seats != row.Seats {
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
				return stripeErr("update seats", err)
			}
			row.Seats = seats
			row.UpdatedAt = s.now()
			if err := tx.Model(&subscriptionRow{}).Where("id = ?", row.ID).
				Updates(map[string]any{"seats": seats, "updated_at": row.UpdatedAt}).Error; err != nil {
				return fmt.Errorf("store seats: %w", err)
			}
		}
		out = toSubscription(row, used)
		return nil
	})
	return out, err
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
