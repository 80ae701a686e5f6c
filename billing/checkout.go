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
	SuccessURL string // empty: PUBLIC_URL/billing/success; else on PUBLIC_URL's or APP_URL's origin
	CancelURL  string // empty: PUBLIC_URL/billing/cancel; same rule
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

// checkoutRow remembers a session we opened (the funnel's checkout_started).
type checkoutRow struct {
	ID             string `gorm:"primaryKey"`
	OrganizationID uuid.UUID
	PlanID         string
	Seats          int
	CreatedBy      *uuid.UUID
	ExpiresAt      *time.Time
	CompletedAt    *time.Time
	CreatedAt      time.Time
}

func (checkoutRow) TableName() string { return "checkout_sessions" }

// CreateCheckout opens a Stripe Checkout session in subscription mode for
// the organization, creating its Stripe customer the first time.
func (s *Service) CreateCheckout(ctx context.Context, orgID, userID uuid.UUID, in CheckoutInput) (CheckoutSession, error) {
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
	if err := v.Err(); err != nil {
		return CheckoutSession{}, err
	}
	if err := s.requireStripe(); err != nil {
		return CheckoutSession{}, err
	}

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

	customerID, err := s.ensureCustomer(ctx, orgID, in.Locale)
	if err != nil {
		return CheckoutSession{}, err
	}

	if in.SuccessURL == "" {
		// Stripe replaces {CHECKOUT_SESSION_ID}; it must stay unescaped.
		in.SuccessURL = s.publicURL.String() + "/billing/success?session_id={CHECKOUT_SESSION_ID}"
	}
	if in.CancelURL == "" {
		in.CancelURL = s.publicURL.String() + "/billing/cancel"
	}
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
		SubscriptionData:    &stripe.CheckoutSessionSubscriptionDataParams{Metadata: meta},
		AllowPromotionCodes: stripe.Bool(true),
		SuccessURL:          stripe.String(in.SuccessURL),
		CancelURL:           stripe.String(in.CancelURL),
		Locale:              stripeLocale(in.Locale),
	}
	params.Metadata = meta
	if plan.TrialDays > 0 {
		params.SubscriptionData.TrialPeriodDays = stripe.Int64(int64(plan.TrialDays))
	}
	if s.automaticTax {
		params.AutomaticTax = &stripe.CheckoutSessionAutomaticTaxParams{Enabled: stripe.Bool(true)}
		// Tax needs the buyer's address; with an existing customer Checkout
		// must be allowed to save it (and the company name and tax id).
		params.CustomerUpdate = &stripe.CheckoutSessionCustomerUpdateParams{Address: stripe.String("auto"), Name: stripe.String("auto")}
		params.TaxIDCollection = &stripe.CheckoutSessionTaxIDCollectionParams{Enabled: stripe.Bool(true)}
	}
	cs, err := s.stripe.CheckoutSessions.New(params)
	if err != nil {
		s.log.WarnContext(ctx, "stripe checkout session failed", "organization_id", orgID, "err", redactedErr{err})
		return CheckoutSession{}, stripeErr("create checkout session", err)
	}

	out := CheckoutSession{ID: cs.ID, URL: cs.URL, ExpiresAt: time.Unix(cs.ExpiresAt, 0).UTC()}
	err = s.db.InTx(ctx, func(tx *database.Tx) error {
		expires := out.ExpiresAt
		row := checkoutRow{ID: cs.ID, OrganizationID: orgID, PlanID: plan.ID, Seats: in.Seats, ExpiresAt: &expires, CreatedAt: s.now()}
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
			Properties: map[string]any{"plan_id": plan.ID, "seats": in.Seats, "checkout_session_id": cs.ID},
		})
	})
	if err != nil {
		return CheckoutSession{}, err
	}
	return out, nil
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

// CreatePortal opens a Stripe billing portal session for the organization's
// customer (409 no_customer before the first checkout), in locale, the
// language the caller reads ("en", "fr").
func (s *Service) CreatePortal(ctx context.Context, orgID uuid.UUID, returnURL, locale string) (string, error) {
	v := apperr.Validator{}
	s.checkRedirect(&v, "return_url", returnURL)
	if err := v.Err(); err != nil {
		return "", err
	}
	if err := s.requireStripe(); err != nil {
		return "", err
	}
	customerID, err := s.customerOf(ctx, s.db, orgID)
	if err != nil {
		return "", err
	}
	if customerID == "" {
		return "", apperr.Conflict("no_customer", "the organization has no billing account yet; start a checkout first")
	}
	if returnURL == "" {
		returnURL = s.publicURL.String() + "/billing"
	}
	ps, err := s.stripe.BillingPortalSessions.New(&stripe.BillingPortalSessionParams{
		Params:    stripe.Params{Context: ctx, IdempotencyKey: stripe.String("onramp-portal-" + uuid.Must(uuid.NewV7()).String())},
		Customer:  stripe.String(customerID),
		ReturnURL: stripe.String(returnURL),
		Locale:    stripeLocale(locale),
	})
	if err != nil {
		s.log.WarnContext(ctx, "stripe portal session failed", "organization_id", orgID, "err", redactedErr{err})
		return "", stripeErr("create portal session", err)
	}
	return ps.URL, nil
}
