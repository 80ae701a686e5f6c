package billing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"
	"gorm.io/gorm/clause"

	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
)

// CheckoutInput is a request to buy seats on a plan.
type CheckoutInput struct {
	PlanID     string
	Seats      int
	SuccessURL string // empty: PUBLIC_URL/checkout/success (the account page); else on PUBLIC_URL's or APP_URL's origin
	CancelURL  string // empty: PUBLIC_URL/checkout/cancel; same rule
	// RequestKey is the caller's Idempotency-Key, if any: the Stripe
	// idempotency key is derived from it so a retried request cannot open
	// a second session even if our own reply was lost.
	RequestKey string
	// Locale is the language the buyer reads ("en", "fr"): Checkout opens
	// in it, and a Stripe customer created for it prefers it.
	Locale string
}

// CheckoutSession is where to send the buyer.
type CheckoutSession struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// checkoutRow is a session we opened: the funnel's checkout_started, the
// proof that a session is ours when it completes (checkout_sync.go), and
// what it was opened for, so that the same request gets it back while it
// is open (checkout_open.go).
type checkoutRow struct {
	ID                   string `gorm:"primaryKey"`
	OrganizationID       uuid.UUID
	PlanID               string
	Seats                int
	URL                  *string
	Locale               *string
	SuccessURL           *string
	CancelURL            *string
	CreatedBy            *uuid.UUID
	ExpiresAt            *time.Time
	CompletedAt          *time.Time
	ExpiredAt            *time.Time
	StripeSubscriptionID *string
	CreatedAt            time.Time
}

func (checkoutRow) TableName() string { return "checkout_sessions" }

// CreateCheckout opens a Stripe Checkout session in subscription mode for
// the organization, creating its Stripe customer the first time; while a
// session it opened for the same request is open, it answers that one.
//
// One organization's checkouts run one at a time, under a session-level
// advisory lock (database.WithSessionLock) held across the Stripe calls:
// a second checkout waits, then finds the first one's session. A lock row
// with a lease would work too, but it must be polled by the waiter and
// expired after a crash; the advisory lock queues waiters in PostgreSQL
// and dies with its connection. Either way no transaction spans a Stripe
// call: the lock's connection runs no transaction, each read and write
// below is its own short one, and the organization's row lock (taken by
// webhooks, invitations and event ingestion) is never held meanwhile.
func (s *Service) CreateCheckout(ctx context.Context, orgID, userID uuid.UUID, in CheckoutInput) (CheckoutSession, error) {
	plan, err := s.checkCheckoutInput(in)
	if err != nil {
		return CheckoutSession{}, err
	}
	if err := s.requireStripe(); err != nil {
		return CheckoutSession{}, err
	}
	if in.SuccessURL == "" {
		// Stripe replaces {CHECKOUT_SESSION_ID}; it must stay unescaped.
		in.SuccessURL = s.publicURL.String() + "/checkout/success?session_id={CHECKOUT_SESSION_ID}"
	}
	if in.CancelURL == "" {
		in.CancelURL = s.publicURL.String() + "/checkout/cancel"
	}
	var out CheckoutSession
	err = s.db.WithSessionLock(ctx, "checkout:"+orgID.String(), func() error {
		var err error
		out, err = s.checkoutLocked(ctx, orgID, userID, plan, in)
		return err
	})
	return out, err
}

func (s *Service) checkCheckoutInput(in CheckoutInput) (Plan, error) {
	plan, ok := s.catalog.Plan(in.PlanID)
	v := apperr.Validator{}
	v.Check(in.PlanID != "", "plan_id", "is required")
	v.Check(in.PlanID == "" || ok, "plan_id", "is not a plan of the catalog (see GET /v1/plans)")
	if ok {
		v.Check(in.Seats >= plan.MinSeats && in.Seats <= plan.MaxSeats, "seats",
			fmt.Sprintf("must be from %d to %d on plan %s", plan.MinSeats, plan.MaxSeats, plan.ID))
	} else {
		v.Check(in.Seats >= 1, "seats", "must be at least 1")
	}
	s.checkRedirect(&v, "success_url", in.SuccessURL)
	s.checkRedirect(&v, "cancel_url", in.CancelURL)
	return plan, v.Err()
}

// checkoutLocked runs under the organization's checkout lock.
func (s *Service) checkoutLocked(ctx context.Context, orgID, userID uuid.UUID, plan Plan, in CheckoutInput) (CheckoutSession, error) {
	current, err := currentSubscription(ctx, s.db, orgID)
	if err != nil {
		return CheckoutSession{}, err
	}
	if current != nil && live(current.Status) {
		return CheckoutSession{}, apperr.Conflict("subscription_exists",
			fmt.Sprintf("the organization already has a %s subscription; change seats or manage it in the billing portal", current.Status))
	}

	// The team already holds seats (members and pending invitations): a
	// subscription must cover them, here and in Checkout's quantity picker.
	used, err := account.SeatsUsed(ctx, s.db, orgID)
	if err != nil {
		return CheckoutSession{}, err
	}
	if in.Seats < used {
		return CheckoutSession{}, apperr.Conflict("seats_below_members",
			fmt.Sprintf("the organization already has %d members and pending invitations; buy at least %d seats", used, used))
	}

	open, err := s.settleOpenSessions(ctx, orgID, plan.ID, in)
	if err != nil {
		return CheckoutSession{}, err
	}
	if open != nil {
		return *open, nil
	}

	customerID, err := s.ensureCustomer(ctx, orgID, in.Locale)
	if err != nil {
		return CheckoutSession{}, err
	}
	cs, err := s.stripe.CheckoutSessions.New(s.sessionParams(ctx, orgID, customerID, plan, in, used))
	if err != nil {
		s.log.WarnContext(ctx, "stripe checkout session failed", "organization_id", orgID, "err", redactedErr{err})
		return CheckoutSession{}, stripeErr("create checkout session", err)
	}
	out := CheckoutSession{ID: cs.ID, URL: cs.URL, ExpiresAt: time.Unix(cs.ExpiresAt, 0).UTC()}
	if err := s.storeSession(ctx, orgID, userID, plan, in, out); err != nil {
		return CheckoutSession{}, err
	}
	return out, nil
}

// sessionParams is the Checkout session for in: what a European company
// needs on its invoice (billing address, VAT number, the company's name),
// in the buyer's language, the plan's trial, and no card upfront for a
// plan that does not require one.
func (s *Service) sessionParams(ctx context.Context, orgID uuid.UUID, customerID string, plan Plan, in CheckoutInput, used int) *stripe.CheckoutSessionParams {
	org := orgID.String()
	meta := map[string]string{"organization_id": org, "plan_id": plan.ID}
	params := &stripe.CheckoutSessionParams{
		Params:            stripe.Params{Context: ctx, IdempotencyKey: stripe.String(s.checkoutKey(orgID, in.RequestKey))},
		Mode:              stripe.String(string(stripe.CheckoutSessionModeSubscription)),
		Customer:          stripe.String(customerID),
		ClientReferenceID: stripe.String(org),
		LineItems: []*stripe.CheckoutSessionLineItemParams{{
			Price:    stripe.String(plan.StripePriceID),
			Quantity: stripe.Int64(int64(in.Seats)),
			AdjustableQuantity: &stripe.CheckoutSessionLineItemAdjustableQuantityParams{
				Enabled: stripe.Bool(true),
				Minimum: stripe.Int64(int64(max(plan.MinSeats, used))),
				Maximum: stripe.Int64(int64(plan.MaxSeats)),
			},
		}},
		SubscriptionData:         &stripe.CheckoutSessionSubscriptionDataParams{Metadata: meta},
		AllowPromotionCodes:      stripe.Bool(true),
		SuccessURL:               stripe.String(in.SuccessURL),
		CancelURL:                stripe.String(in.CancelURL),
		Locale:                   stripeLocale(in.Locale),
		BillingAddressCollection: stripe.String(string(stripe.CheckoutSessionBillingAddressCollectionRequired)),
		TaxIDCollection:          &stripe.CheckoutSessionTaxIDCollectionParams{Enabled: stripe.Bool(true)},
		// The customer exists before the session: without these Checkout
		// would not save the address and company name typed in it, and the
		// invoices would carry neither.
		CustomerUpdate: &stripe.CheckoutSessionCustomerUpdateParams{Address: stripe.String("auto"), Name: stripe.String("auto")},
		ExpiresAt:      stripe.Int64(sessionExpiry(s.now()).Unix()),
	}
	params.Metadata = meta
	if plan.TrialDays > 0 {
		params.SubscriptionData.TrialPeriodDays = stripe.Int64(int64(plan.TrialDays))
	}
	if !plan.CardRequired {
		params.PaymentMethodCollection = stripe.String(string(stripe.CheckoutSessionPaymentMethodCollectionIfRequired))
		params.SubscriptionData.TrialSettings = &stripe.CheckoutSessionSubscriptionDataTrialSettingsParams{
			EndBehavior: &stripe.CheckoutSessionSubscriptionDataTrialSettingsEndBehaviorParams{MissingPaymentMethod: stripe.String("pause")},
		}
	}
	if s.automaticTax {
		params.AutomaticTax = &stripe.CheckoutSessionAutomaticTaxParams{Enabled: stripe.Bool(true)}
	}
	return params
}

// sessionExpiry is when a session opened at now expires: 22 to 23 hours
// later (Stripe allows up to 24, by its own clock). Said explicitly, so
// that whether a stored session is still open is known without asking
// Stripe; on the hour, so that a retry of the same request within the
// hour sends the same parameters under its idempotency key, as Stripe
// requires.
func sessionExpiry(now time.Time) time.Time { return now.UTC().Truncate(time.Hour).Add(23 * time.Hour) }

// storeSession records a session Stripe opened, and checkout_started.
func (s *Service) storeSession(ctx context.Context, orgID, userID uuid.UUID, plan Plan, in CheckoutInput, out CheckoutSession) error {
	return s.db.InTx(ctx, func(tx *database.Tx) error {
		expires := out.ExpiresAt
		row := checkoutRow{
			ID: out.ID, OrganizationID: orgID, PlanID: plan.ID, Seats: in.Seats, URL: &out.URL, SuccessURL: &in.SuccessURL,
			CancelURL: &in.CancelURL, ExpiresAt: &expires, CreatedAt: s.now(),
		}
		if in.Locale != "" {
			row.Locale = &in.Locale
		}
		if userID != uuid.Nil {
			row.CreatedBy = &userID
		}
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return fmt.Errorf("store checkout session: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil // the same Stripe session again (idempotent replay): already recorded
		}
		return s.recordEvent(ctx, tx, serverevent.Event{
			OrganizationID: orgID, Name: serverevent.CheckoutStarted, OccurredAt: row.CreatedAt, UserID: userID,
			Properties: map[string]any{"plan_id": plan.ID, "seats": in.Seats, "checkout_session_id": out.ID},
		})
	})
}

// stripeLocale is one of our languages ("en", "fr", both Stripe locales
// too) as a Stripe parameter; "" leaves it to Stripe (the browser's).
func stripeLocale(locale string) *string {
	if locale == "" {
		return nil
	}
	return stripe.String(locale)
}

// checkoutKey is the Stripe idempotency key for opening a session: derived
// from the caller's Idempotency-Key when there is one, random otherwise
// (stripe-go reuses it across its own network retries).
func (s *Service) checkoutKey(orgID uuid.UUID, requestKey string) string {
	if requestKey == "" {
		return "onramp-checkout-" + uuid.Must(uuid.NewV7()).String()
	}
	sum := sha256.Sum256([]byte(orgID.String() + "\x00" + requestKey))
	return "onramp-checkout-" + hex.EncodeToString(sum[:16])
}
