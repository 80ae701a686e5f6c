package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
)

// Outcome is what a webhook delivery did.
type Outcome string

const (
	OutcomeApplied   Outcome = "applied"   // state changed (or was confirmed) from the event
	OutcomeDuplicate Outcome = "duplicate" // this event id was already recorded: nothing changed
	OutcomeStale     Outcome = "stale"     // older than what is stored for its subscription: recorded, not applied
	OutcomeIgnored   Outcome = "ignored"   // a type this service does not handle: recorded
	OutcomeUnmatched Outcome = "unmatched" // no organization of ours owns the object: recorded
)

// SignatureTolerance is how old a signed delivery may be.
const SignatureTolerance = 5 * time.Minute

// Event types the webhook applies (and `onramp stripe setup` subscribes to).
const (
	EventCheckoutCompleted    = "checkout.session.completed"
	EventSubscriptionCreated  = "customer.subscription.created"
	EventSubscriptionUpdated  = "customer.subscription.updated"
	EventSubscriptionDeleted  = "customer.subscription.deleted"
	EventSubscriptionPaused   = "customer.subscription.paused"
	EventSubscriptionResumed  = "customer.subscription.resumed"
	EventInvoicePaid          = "invoice.paid"
	EventInvoicePaymentFailed = "invoice.payment_failed"
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

// stripeEpoch predates every Stripe event: anything older is not one.
var stripeEpoch = time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)

// maxSeats bounds a quantity we store; Stripe's own limit is far below.
const maxSeats = 1_000_000

// HandledEvents lists the event types the webhook applies.
var HandledEvents = []string{
	EventCheckoutCompleted, EventSubscriptionCreated, EventSubscriptionUpdated,
	EventSubscriptionDeleted, EventSubscriptionPaused, EventSubscriptionResumed,
	EventInvoicePaid, EventInvoicePaymentFailed,
}

// HandleWebhook verifies a Stripe delivery and records and applies its
// event in one transaction. A bad signature (or a stale one) is a
// Malformed error and stores nothing; a failure while applying rolls the
// whole delivery back so that Stripe's retry starts from scratch.
func (s *Service) HandleWebhook(ctx context.Context, payload []byte, signature string) (Outcome, error) {
	if s.webhookSecret == "" {
		return "", apperr.Unavailable("the Stripe webhook is not configured on this server (STRIPE_WEBHOOK_SECRET is unset)")
	}
	// API version mismatches are accepted here and handled below: the
	// object of such an event is refetched rather than trusted.
	ev, err := webhook.ConstructEventWithOptions(payload, signature, s.webhookSecret, webhook.ConstructEventOptions{
		Tolerance: SignatureTolerance, IgnoreAPIVersionMismatch: true,
	})
	if err != nil {
		return "", apperr.Malformed("invalid Stripe webhook: " + signatureProblem(err))
	}
	if !strings.HasPrefix(ev.ID, "evt_") || len(ev.ID) > 255 || ev.Type == "" || len(ev.Type) > 255 {
		return "", apperr.Malformed("invalid Stripe webhook: the event has no id or type")
	}
	if created := time.Unix(ev.Created, 0); created.Before(stripeEpoch) || created.After(s.now().Add(24*time.Hour)) {
		return "", apperr.Malformed("invalid Stripe webhook: the event's created time is not plausible")
	}
	if ev.APIVersion != stripe.APIVersion {
		// Such events cost an API call to refetch: skip it for a redelivery.
		var seen int64
		if err := s.db.Gorm.WithContext(ctx).Table("stripe_events").Where("id = ?", ev.ID).Count(&seen).Error; err != nil {
			return "", fmt.Errorf("look up stripe event: %w", err)
		}
		if seen > 0 {
			return OutcomeDuplicate, nil
		}
	}
	obj, err := s.eventObject(ctx, &ev)
	if err != nil {
		return "", err
	}

	var outcome Outcome
	err = s.db.InTx(ctx, func(tx *database.Tx) error {
		created := time.Unix(ev.Created, 0).UTC()
		res := tx.Exec(`INSERT INTO stripe_events (id, type, api_version, created, outcome)
			VALUES (?, ?, ?, ?, 'ignored') ON CONFLICT (id) DO NOTHING`, ev.ID, string(ev.Type), ev.APIVersion, created)
		if res.Error != nil {
			return fmt.Errorf("record stripe event: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			// Already recorded (a concurrent duplicate waits on the key above
			// until the first delivery commits, then lands here).
			outcome = OutcomeDuplicate
			return nil
		}
		r := eventResult{outcome: OutcomeIgnored}
		if obj != nil {
			if r, err = s.apply(ctx, tx, &ev, created, obj); err != nil {
				return fmt.Errorf("apply %s %s: %w", ev.Type, ev.ID, err)
			}
		}
		outcome = r.outcome
		var org *uuid.UUID
		if r.orgID != uuid.Nil {
			org = &r.orgID
		}
		var sub *string
		if r.subscriptionID != "" {
			sub = &r.subscriptionID
		}
		if err := tx.Exec(`UPDATE stripe_events SET outcome = ?, organization_id = ?, stripe_subscription_id = ? WHERE id = ?`,
			string(r.outcome), org, sub, ev.ID).Error; err != nil {
			return fmt.Errorf("record stripe event outcome: %w", err)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	if outcome != OutcomeDuplicate {
		s.log.InfoContext(ctx, "stripe event", "event_id", ev.ID, "type", ev.Type, "outcome", outcome)
	}
	return outcome, nil
}

func signatureProblem(err error) string {
	switch {
	case errors.Is(err, webhook.ErrNotSigned):
		return "the Stripe-Signature header is missing"
	case errors.Is(err, webhook.ErrTooOld):
		return "the signature's timestamp is outside the 5-minute tolerance"
	case errors.Is(err, webhook.ErrInvalidHeader):
		return "the Stripe-Signature header is malformed"
	case errors.Is(err, webhook.ErrNoValidSignature):
		return "no valid signature for this endpoint's secret"
	default:
		return "the body is not a Stripe event"
	}
}

// eventObject decodes the object a handled event carries, or refetches it
// through the API when the event was rendered for another API version (its
// shape cannot be trusted). nil for types this service ignores.
func (s *Service) eventObject(ctx context.Context, ev *stripe.Event) (any, error) {
	var target any
	switch ev.Type {
	case EventCheckoutCompleted:
		target = &stripe.CheckoutSession{}
	case EventSubscriptionCreated, EventSubscriptionUpdated, EventSubscriptionDeleted, EventSubscriptionPaused, EventSubscriptionResumed:
		target = &stripe.Subscription{}
	case EventInvoicePaid, EventInvoicePaymentFailed:
		target = &stripe.Invoice{}
	default:
		return nil, nil
	}
	if ev.Data == nil || len(ev.Data.Raw) == 0 {
		return nil, apperr.Malformed("invalid Stripe webhook: the event carries no object")
	}
	if ev.APIVersion != stripe.APIVersion {
		return s.refetch(ctx, ev, target)
	}
	if err := json.Unmarshal(ev.Data.Raw, target); err != nil {
		return nil, apperr.Malformed("invalid Stripe webhook: the event's object does not decode: " + err.Error())
	}
	return target, nil
}

func (s *Service) refetch(ctx context.Context, ev *stripe.Event, target any) (any, error) {
	var ref struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(ev.Data.Raw, &ref); err != nil || ref.ID == "" {
		return nil, apperr.Malformed("invalid Stripe webhook: the event's object has no id")
	}
	if err := s.requireStripe(); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "stripe event of another API version: refetching its object", "event_id", ev.ID, "api_version", ev.APIVersion, "object_id", ref.ID)
	p := stripe.Params{Context: ctx}
	var (
		obj any
		err error
	)
	switch target.(type) {
	case *stripe.CheckoutSession:
		obj, err = s.stripe.CheckoutSessions.Get(ref.ID, &stripe.CheckoutSessionParams{Params: p})
	case *stripe.Subscription:
		obj, err = s.stripe.Subscriptions.Get(ref.ID, &stripe.SubscriptionParams{Params: p})
	case *stripe.Invoice:
		obj, err = s.stripe.Invoices.Get(ref.ID, &stripe.InvoiceParams{Params: p})
	}
	if err != nil {
		return nil, stripeErr("refetch "+ref.ID, err)
	}
	return obj, nil
}

type eventResult struct {
	outcome        Outcome
	orgID          uuid.UUID
	subscriptionID string
}

func (s *Service) apply(ctx context.Context, tx *database.Tx, ev *stripe.Event, created time.Time, obj any) (eventResult, error) {
	switch o := obj.(type) {
	case *stripe.Subscription:
		return s.applySubscription(ctx, tx, ev, created, o)
	case *stripe.CheckoutSession:
		return s.applyCheckout(ctx, tx, created, o)
	case *stripe.Invoice:
		return s.applyInvoice(ctx, tx, ev, created, o)
	}
	return eventResult{outcome: OutcomeIgnored}, nil
}

// findOrg resolves and locks the organization an object belongs to: the id
// we put on it (client_reference_id, metadata), else the stored customer.
// uuid.Nil when it is not ours.
func (s *Service) findOrg(ctx context.Context, tx *database.Tx, ids []string, customerID string) (uuid.UUID, error) {
	for _, raw := range ids {
		id, err := uuid.Parse(raw)
		if err != nil {
			continue
		}
		if _, err := lockOrg(ctx, tx, id); err == nil {
			return id, nil
		} else if !apperr.Is(err, apperr.CodeNotFound) {
			return uuid.Nil, err
		}
	}
	if customerID == "" {
		return uuid.Nil, nil
	}
	var c customerRow
	err := tx.WithContext(ctx).Where("stripe_customer_id = ?", customerID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return uuid.Nil, nil
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("find customer: %w", err)
	}
	if _, err := lockOrg(ctx, tx, c.OrganizationID); err != nil {
		return uuid.Nil, err
	}
	return c.OrganizationID, nil
}

// linkCustomer stores the organization's customer when it has none yet
// (a checkout made elsewhere, or our own row lost to a failed commit).
func linkCustomer(ctx context.Context, tx *database.Tx, orgID uuid.UUID, customerID string, now time.Time) error {
	if customerID == "" {
		return nil
	}
	err := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&customerRow{OrganizationID: orgID, StripeCustomerID: customerID, CreatedAt: now}).Error
	if err != nil {
		return fmt.Errorf("link stripe customer: %w", err)
	}
	return nil
}

func (s *Service) applyCheckout(ctx context.Context, tx *database.Tx, created time.Time, cs *stripe.CheckoutSession) (eventResult, error) {
	customerID := ""
	if cs.Customer != nil {
		customerID = cs.Customer.ID
	}
	orgID, err := s.findOrg(ctx, tx, []string{cs.ClientReferenceID, cs.Metadata["organization_id"]}, customerID)
	if err != nil || orgID == uuid.Nil {
		return eventResult{outcome: OutcomeUnmatched}, err
	}
	r := eventResult{outcome: OutcomeApplied, orgID: orgID}
	if cs.Subscription != nil {
		r.subscriptionID = cs.Subscription.ID
	}
	if err := linkCustomer(ctx, tx, orgID, customerID, s.now()); err != nil {
		return r, err
	}
	// Subscription state arrives with customer.subscription.* events; the
	// session only closes our record of the checkout.
	if err := tx.Exec(`UPDATE checkout_sessions SET completed_at = ? WHERE id = ? AND organization_id = ? AND completed_at IS NULL`,
		created, cs.ID, orgID).Error; err != nil {
		return r, fmt.Errorf("complete checkout session: %w", err)
	}
	return r, nil
}

func (s *Service) applySubscription(ctx context.Context, tx *database.Tx, ev *stripe.Event, created time.Time, sub *stripe.Subscription) (eventResult, error) {
	r := eventResult{outcome: OutcomeUnmatched, subscriptionID: sub.ID}
	if sub.ID == "" {
		return r, apperr.Malformed("invalid Stripe webhook: the subscription has no id")
	}
	var existing *subscriptionRow
	var rows []subscriptionRow
	if err := tx.WithContext(ctx).Where("stripe_subscription_id = ?", sub.ID).Limit(1).Find(&rows).Error; err != nil {
		return r, fmt.Errorf("load subscription: %w", err)
	}
	customerID := ""
	if sub.Customer != nil {
		customerID = sub.Customer.ID
	}
	ids := []string{sub.Metadata["organization_id"]}
	if len(rows) > 0 {
		existing = &rows[0]
		ids = []string{existing.OrganizationID.String()} // once linked, a subscription stays with its organization
	}
	orgID, err := s.findOrg(ctx, tx, ids, customerID)
	if err != nil || orgID == uuid.Nil {
		return r, err
	}
	r.orgID = orgID
	if !knownStatus(string(sub.Status)) {
		// A status added by Stripe after this code was written: refuse (5xx)
		// so that Stripe keeps retrying until a release knows what it means,
		// rather than guessing at access.
		return r, fmt.Errorf("%w %q", ErrUnknownStatus, sub.Status)
	}
	// Read again under the organization lock: a concurrent event for the
	// same subscription may have created or changed the row meanwhile.
	rows = rows[:0]
	if err := tx.WithContext(ctx).Where("stripe_subscription_id = ?", sub.ID).Limit(1).Find(&rows).Error; err != nil {
		return r, fmt.Errorf("reload subscription: %w", err)
	}
	existing = nil
	if len(rows) > 0 {
		existing = &rows[0]
	}
	if existing != nil {
		if stale(existing, ev, created, string(sub.Status)) {
			r.outcome = OutcomeStale
			return r, nil
		}
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
	prev := row.Status
	row.StripeCustomerID = customerID
	row.Status = string(sub.Status)
	row.StripeItemID, row.StripePriceID, row.PlanID, row.Seats = nil, nil, nil, 0
	if item := s.seatItem(sub); item != nil {
		if item.Quantity < 0 || item.Quantity > maxSeats {
			return r, apperr.Malformed(fmt.Sprintf("invalid Stripe webhook: quantity %d is out of range", item.Quantity))
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
	switch {
	case row.Status != StatusPastDue:
		row.PastDueSince = nil
	case prev != StatusPastDue || row.PastDueSince == nil:
		// The grace period runs from when Stripe said past_due, not from
		// when we happened to hear it.
		row.PastDueSince = &created
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
	row.LastEventCreated = created
	row.LastEventID = ev.ID
	row.UpdatedAt = s.now()
	if err := linkCustomer(ctx, tx, orgID, customerID, s.now()); err != nil {
		return r, err
	}
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
		// Two checkouts paid at once make two subscriptions; Stripe cannot
		// prevent it and we must not cancel one on our own: tell an operator.
		var others int64
		if err := tx.WithContext(ctx).Model(&subscriptionRow{}).Where("organization_id = ? AND id <> ? AND status IN ?",
			orgID, row.ID, []string{StatusTrialing, StatusActive, StatusPastDue, StatusUnpaid, StatusPaused}).Count(&others).Error; err != nil {
			return r, fmt.Errorf("count live subscriptions: %w", err)
		}
		if others > 0 {
			s.log.ErrorContext(ctx, "organization has more than one live subscription: refund or cancel the extra one in Stripe",
				"organization_id", orgID, "subscription_id", sub.ID)
		}
	}
	props := map[string]any{"subscription_id": row.ID.String(), "status": row.Status, "seats": row.Seats}
	if row.PlanID != nil {
		props["plan_id"] = *row.PlanID
	}
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
	return r, nil
}

// stale decides whether an event must not overwrite the stored row:
//   - it is older (`created`) than the last event applied to it;
//   - ties (Stripe's `created` has one-second resolution): the later
//     delivery wins, except customer.subscription.created, which always
//     describes the subscription's first state and so never overrides
//     anything already stored;
//   - a canceled or expired subscription never comes back: Stripe never
//     moves a subscription out of those states.
func stale(row *subscriptionRow, ev *stripe.Event, created time.Time, status string) bool {
	switch {
	case created.Before(row.LastEventCreated):
		return true
	case created.Equal(row.LastEventCreated) && ev.Type == EventSubscriptionCreated:
		return true
	case terminal(row.Status) && status != row.Status:
		return true
	}
	return false
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

func (s *Service) applyInvoice(ctx context.Context, tx *database.Tx, ev *stripe.Event, created time.Time, inv *stripe.Invoice) (eventResult, error) {
	if inv.Subscription == nil || inv.Subscription.ID == "" {
		return eventResult{outcome: OutcomeIgnored}, nil // a one-off invoice: not ours to track
	}
	r := eventResult{outcome: OutcomeUnmatched, subscriptionID: inv.Subscription.ID}
	var rows []subscriptionRow
	if err := tx.WithContext(ctx).Where("stripe_subscription_id = ?", inv.Subscription.ID).Limit(1).Find(&rows).Error; err != nil {
		return r, fmt.Errorf("load subscription: %w", err)
	}
	if len(rows) == 0 {
		// Invoices say nothing about access; the subscription's own events
		// (which carry its status) create the row. Money received is still
		// a fact for the funnel, when the customer tells whose it is.
		if customer := inv.Customer; customer != nil {
			orgID, err := s.findOrg(ctx, tx, nil, customer.ID)
			if err != nil || orgID == uuid.Nil {
				return r, err
			}
			r.orgID = orgID
			return r, s.recordInvoicePaid(ctx, tx, ev, created, orgID, inv)
		}
		return r, nil
	}
	if _, err := lockOrg(ctx, tx, rows[0].OrganizationID); err != nil {
		return r, err
	}
	row := rows[0]
	if err := tx.WithContext(ctx).Where("id = ?", row.ID).Take(&row).Error; err != nil {
		return r, fmt.Errorf("reload subscription: %w", err)
	}
	r.orgID = row.OrganizationID
	// A paid invoice counts for the funnel whatever order it arrives in:
	// the milestone keeps the earliest payment.
	if err := s.recordInvoicePaid(ctx, tx, ev, created, row.OrganizationID, inv); err != nil {
		return r, err
	}
	if row.LastInvoiceEventCreated != nil && created.Before(*row.LastInvoiceEventCreated) {
		r.outcome = OutcomeStale
		return r, nil
	}
	status := "paid"
	if ev.Type == EventInvoicePaymentFailed {
		status = "payment_failed"
	}
	if err := tx.WithContext(ctx).Model(&subscriptionRow{}).Where("id = ?", row.ID).Updates(map[string]any{
		"latest_invoice_id": inv.ID, "latest_invoice_status": status, "last_invoice_event_created": created, "updated_at": s.now(),
	}).Error; err != nil {
		return r, fmt.Errorf("store invoice status: %w", err)
	}
	r.outcome = OutcomeApplied
	return r, nil
}

// recordInvoicePaid records invoice_paid when money was received: a trial's
// zero invoice is not a payment, so the funnel's "paid" counts customers
// who paid, not trials that started.
func (s *Service) recordInvoicePaid(ctx context.Context, tx *database.Tx, ev *stripe.Event, created time.Time, orgID uuid.UUID, inv *stripe.Invoice) error {
	if ev.Type != EventInvoicePaid || inv.AmountPaid <= 0 {
		return nil
	}
	at := created
	if inv.StatusTransitions != nil && inv.StatusTransitions.PaidAt > 0 {
		at = time.Unix(inv.StatusTransitions.PaidAt, 0).UTC()
	}
	return s.recordEvent(ctx, tx, serverevent.Event{OrganizationID: orgID, Name: serverevent.InvoicePaid, OccurredAt: at,
		Properties: map[string]any{"invoice_id": inv.ID, "amount_paid": inv.AmountPaid, "currency": string(inv.Currency)}})
}

func unixPtr(sec int64) *time.Time {
	if sec <= 0 {
		return nil
	}
	t := time.Unix(sec, 0).UTC()
	return &t
}
