package billing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// This file verifies a Stripe delivery, records its event and dispatches
// it to the sync of its object: subscription_sync.go, invoice_sync.go,
// checkout_sync.go. Which organization an object belongs to is decided in
// customer.go; objects of other API versions are refetched in refetch.go.

// Outcome is what a webhook delivery did.
type Outcome string

const (
	OutcomeApplied   Outcome = "applied"   // state changed (or was confirmed) from the event
	OutcomeDuplicate Outcome = "duplicate" // this event id was already recorded: nothing changed
	OutcomeStale     Outcome = "stale"     // older than what is stored for its subscription: recorded, not applied
	OutcomeIgnored   Outcome = "ignored"   // a type this service does not handle: recorded
	OutcomeUnmatched Outcome = "unmatched" // no organization of ours owns the object: recorded
)

// SignatureTolerance is how far a signature's timestamp may be from now,
// either way.
const SignatureTolerance = 5 * time.Minute

// Event types the webhook applies (and `onramp stripe setup` subscribes to).
const (
	EventCheckoutCompleted   = "checkout.session.completed"
	EventSubscriptionCreated = "customer.subscription.created"
	EventSubscriptionUpdated = "customer.subscription.updated"
	EventSubscriptionDeleted = "customer.subscription.deleted"
	EventSubscriptionPaused  = "customer.subscription.paused"
	EventSubscriptionResumed = "customer.subscription.resumed"
	// EventTrialWillEnd comes three days before a trial ends (or at once
	// for a shorter trial): owners and admins are emailed.
	EventTrialWillEnd         = "customer.subscription.trial_will_end"
	EventInvoiceFinalized     = "invoice.finalized"
	EventInvoicePaid          = "invoice.paid"
	EventInvoicePaymentFailed = "invoice.payment_failed"
	EventInvoiceVoided        = "invoice.voided"
)

// HandledEvents lists the event types the webhook applies.
var HandledEvents = []string{
	EventCheckoutCompleted, EventSubscriptionCreated, EventSubscriptionUpdated,
	EventSubscriptionDeleted, EventSubscriptionPaused, EventSubscriptionResumed, EventTrialWillEnd,
	EventInvoiceFinalized, EventInvoicePaid, EventInvoicePaymentFailed, EventInvoiceVoided,
}

// stripeEpoch predates every Stripe event: anything older is not one.
var stripeEpoch = time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)

// HandleWebhook verifies a Stripe delivery and records and applies its
// event in one transaction. A bad signature (or one outside the time
// window) is a Malformed error and an id that is not text an Invalid one;
// both store nothing. A failure while applying rolls the whole delivery
// back so that Stripe's retry starts from scratch.
func (s *Service) HandleWebhook(ctx context.Context, payload []byte, signature string) (Outcome, error) {
	if s.webhookSecret == "" {
		return "", apperr.Unavailable("the Stripe webhook is not configured on this server (STRIPE_WEBHOOK_SECRET is unset)")
	}
	ev, err := s.verify(payload, signature)
	if err != nil {
		return "", err
	}
	if ev.APIVersion != stripe.APIVersion {
		// Such events cost an API call to refetch: skip it for a redelivery.
		var seen int64
		if err := s.db.Query(ctx).Table("stripe_events").Where("id = ?", ev.ID).Count(&seen).Error; err != nil {
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
	if err := checkObjectIDs(obj); err != nil {
		return "", err
	}

	var outcome Outcome
	err = s.db.InTx(ctx, func(tx *database.Tx) error {
		var err error
		outcome, err = s.record(ctx, tx, &ev, obj)
		return err
	})
	if err != nil {
		return "", err
	}
	if outcome != OutcomeDuplicate {
		s.log.InfoContext(ctx, "stripe event", "event_id", ev.ID, "type", ev.Type, "outcome", outcome)
	}
	return outcome, nil
}

// verify checks the delivery's signature and time and decodes its event.
// API version mismatches are accepted here: the object of such an event is
// refetched rather than trusted.
func (s *Service) verify(payload []byte, signature string) (stripe.Event, error) {
	// stripe-go checks only that a timestamp is not too old, on the wall
	// clock. One far ahead is as suspect (a signature made to be replayed
	// later), so the window is checked here, both ways, on our clock.
	ev, err := webhook.ConstructEventWithOptions(payload, signature, s.webhookSecret, webhook.ConstructEventOptions{
		IgnoreTolerance: true, IgnoreAPIVersionMismatch: true,
	})
	if err != nil {
		return ev, apperr.Malformed("invalid Stripe webhook: " + signatureProblem(err))
	}
	now := s.now()
	if at, ok := signedAt(signature); !ok || at.Before(now.Add(-SignatureTolerance)) || at.After(now.Add(SignatureTolerance)) {
		return ev, apperr.Malformed("invalid Stripe webhook: the signature's timestamp is outside the 5-minute tolerance")
	}
	v := apperr.Validator{}
	checkID(&v, "id", ev.ID)
	checkID(&v, "type", string(ev.Type))
	checkID(&v, "api_version", ev.APIVersion)
	if err := v.Err(); err != nil {
		return ev, err
	}
	if !strings.HasPrefix(ev.ID, "evt_") || ev.Type == "" {
		return ev, apperr.Malformed("invalid Stripe webhook: the event has no id or type")
	}
	if created := time.Unix(ev.Created, 0); created.Before(stripeEpoch) || created.After(now.Add(24*time.Hour)) {
		return ev, apperr.Malformed("invalid Stripe webhook: the event's created time is not plausible")
	}
	return ev, nil
}

// signedAt is the timestamp a verified Stripe-Signature header signs: its
// last t= pair, as stripe-go reads it.
func signedAt(header string) (time.Time, bool) {
	var at time.Time
	ok := false
	for _, pair := range strings.Split(header, ",") {
		k, v, found := strings.Cut(pair, "=")
		if !found || k != "t" {
			continue
		}
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		at, ok = time.Unix(sec, 0), true
	}
	return at, ok
}

func signatureProblem(err error) string {
	switch {
	case errors.Is(err, webhook.ErrNotSigned):
		return "the Stripe-Signature header is missing"
	case errors.Is(err, webhook.ErrInvalidHeader):
		return "the Stripe-Signature header is malformed"
	case errors.Is(err, webhook.ErrNoValidSignature):
		return "no valid signature for this endpoint's secret"
	default:
		return "the body is not a Stripe event"
	}
}

// maxIDLength bounds the ids we store; Stripe's are far shorter.
const maxIDLength = 255

// checkID records a problem when value (which may be empty) is not made
// of what Stripe's ids, types, statuses and versions are: ASCII letters,
// digits, '_', '-' and '.'. A NUL byte or invalid UTF-8 would be refused
// by PostgreSQL mid-transaction (a 500 that Stripe retries for days); and
// stripe-go copies an expandable reference ("customer": "cus_…") without
// unescaping it, so "\u0000" would otherwise arrive as an id.
func checkID(v *apperr.Validator, field, value string) {
	ok := len(value) <= maxIDLength
	for i := 0; ok && i < len(value); i++ {
		c := value[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
	}
	v.Check(ok, field, fmt.Sprintf("must be at most %d ASCII letters, digits, '_', '-' or '.', as Stripe's ids are", maxIDLength))
}

// checkText records a problem when value is not text PostgreSQL takes (a
// NUL byte, invalid UTF-8) of at most maxURLLength bytes, or, for a link,
// not an https URL.
func checkText(v *apperr.Validator, field, value string, link bool) {
	ok := len(value) <= maxURLLength && utf8.ValidString(value) && !strings.ContainsRune(value, 0)
	if link && value != "" {
		v.Check(ok && strings.HasPrefix(value, "https://"), field, fmt.Sprintf("must be an https URL of at most %d bytes", maxURLLength))
		return
	}
	v.Check(ok, field, fmt.Sprintf("must be UTF-8 text without NUL of at most %d bytes", maxURLLength))
}

// checkObjectIDs refuses an object whose stored strings are not text,
// before anything is written.
func checkObjectIDs(obj any) error {
	v := apperr.Validator{}
	const at = "data.object."
	switch o := obj.(type) {
	case *stripe.Subscription:
		checkID(&v, at+"id", o.ID)
		checkID(&v, at+"status", string(o.Status))
		if o.Customer != nil {
			checkID(&v, at+"customer", o.Customer.ID)
		}
		if o.Items != nil {
			for i, it := range o.Items.Data {
				if it == nil {
					continue
				}
				checkID(&v, fmt.Sprintf("%sitems.data[%d].id", at, i), it.ID)
				if it.Price != nil {
					checkID(&v, fmt.Sprintf("%sitems.data[%d].price.id", at, i), it.Price.ID)
				}
			}
		}
	case *stripe.CheckoutSession:
		checkID(&v, at+"id", o.ID)
		if o.Customer != nil {
			checkID(&v, at+"customer", o.Customer.ID)
		}
		if o.Subscription != nil {
			checkID(&v, at+"subscription", o.Subscription.ID)
		}
	case *stripe.Invoice:
		checkID(&v, at+"id", o.ID)
		checkID(&v, at+"status", string(o.Status))
		checkID(&v, at+"currency", string(o.Currency))
		checkInvoiceText(&v, at, o)
		if o.Customer != nil {
			checkID(&v, at+"customer", o.Customer.ID)
		}
		if o.Subscription != nil {
			checkID(&v, at+"subscription", o.Subscription.ID)
		}
	}
	return v.Err()
}

// eventResult is what applying an event did, recorded on its row.
type eventResult struct {
	outcome        Outcome
	orgID          uuid.UUID
	subscriptionID string
}

// record stores the event by its id and applies it, in tx. A duplicate (a
// concurrent one waits on the id's key until the first delivery commits)
// changes nothing.
func (s *Service) record(ctx context.Context, tx *database.Tx, ev *stripe.Event, obj any) (Outcome, error) {
	created := time.Unix(ev.Created, 0).UTC()
	res := tx.Exec(`INSERT INTO stripe_events (id, type, api_version, created, outcome)
		VALUES (?, ?, ?, ?, 'ignored') ON CONFLICT (id) DO NOTHING`, ev.ID, string(ev.Type), ev.APIVersion, created)
	if res.Error != nil {
		return "", fmt.Errorf("record stripe event: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return OutcomeDuplicate, nil
	}
	r, err := s.apply(ctx, tx, ev, created, obj)
	if err != nil {
		return "", fmt.Errorf("apply %s %s: %w", ev.Type, ev.ID, err)
	}
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
		return "", fmt.Errorf("record stripe event outcome: %w", err)
	}
	return r.outcome, nil
}

// apply hands the event's object to its sync; nil (a type this service
// does not handle) is ignored.
func (s *Service) apply(ctx context.Context, tx *database.Tx, ev *stripe.Event, created time.Time, obj any) (eventResult, error) {
	switch o := obj.(type) {
	case *stripe.Subscription:
		return s.applySubscription(ctx, tx, string(ev.Type), ev.ID, created, o)
	case *stripe.CheckoutSession:
		return s.applyCheckout(ctx, tx, created, o)
	case *stripe.Invoice:
		return s.applyInvoice(ctx, tx, string(ev.Type), ev.ID, created, o)
	}
	return eventResult{outcome: OutcomeIgnored}, nil
}
