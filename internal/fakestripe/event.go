// Package fakestripe makes up the events Stripe would send about an
// organization's subscription, for a local service that talks to
// stripe-mock (which sends no events): the demo data and `onramp dev
// stripe-event` build them here and sign them with the webhook secret, so
// that billing applies them through its ordinary webhook path.
package fakestripe

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/onramp/onramp/billing"
)

// Kind is what happened, as the short names `onramp dev stripe-event`
// takes; Type is the Stripe event type it is sent as.
type Kind string

const (
	SubscriptionCreated Kind = "subscription.created"
	// SubscriptionActive is the trial's end, paid for: the subscription
	// turns active (customer.subscription.updated).
	SubscriptionActive Kind = "subscription.active"
	// SubscriptionPastDue is a renewal whose payment failed: the
	// subscription turns past_due (customer.subscription.updated).
	SubscriptionPastDue Kind = "subscription.past_due"
	InvoicePaid         Kind = "invoice.paid"
	PaymentFailed       Kind = "payment.failed"
	TrialEnding         Kind = "trial.ending"
)

// Sendable are the kinds `onramp dev stripe-event` sends: the moments of a
// subscription a developer wants to see the service react to.
var Sendable = []Kind{SubscriptionCreated, InvoicePaid, PaymentFailed, TrialEnding}

// Types maps each kind to the Stripe event type it is sent as.
var Types = map[Kind]stripe.EventType{
	SubscriptionCreated: "customer.subscription.created",
	SubscriptionActive:  "customer.subscription.updated",
	SubscriptionPastDue: "customer.subscription.updated",
	InvoicePaid:         "invoice.paid",
	PaymentFailed:       "invoice.payment_failed",
	TrialEnding:         "customer.subscription.trial_will_end",
}

// Subscription is the organization's subscription as the events describe
// it: its customer (the one the organization's checkout stored), ids, seat
// price and quantity, and when it started and its trial ends (zero: no
// trial).
type Subscription struct {
	OrganizationID string
	CustomerID     string
	ID             string // sub_…
	ItemID         string // si_…
	PriceID        string
	Seats          int
	UnitAmount     int64
	Currency       string
	Interval       string // month or year
	Created        time.Time
	TrialEnd       time.Time
	// InvoiceID is the current period's invoice (in_…), which invoice
	// events describe.
	InvoiceID string
}

// OnPlan is a subscription to plan created at created, as its checkout
// would make it: the plan's price, and its trial (if it has one) ending
// TrialDays later. The caller fills in whose it is, its ids and seats.
func OnPlan(plan billing.Plan, created time.Time) Subscription {
	sub := Subscription{PriceID: plan.StripePriceID, UnitAmount: plan.UnitAmount, Currency: plan.Currency,
		Interval: plan.Interval, Created: created}
	if plan.TrialDays > 0 {
		sub.TrialEnd = created.AddDate(0, 0, plan.TrialDays)
	}
	return sub
}

// NewID is a Stripe-like id with prefix ("sub", "si", "in", "evt").
func NewID(prefix string) string {
	return prefix + "_local_" + strings.ToLower(rand.Text()[:16])
}

// Event is the payload of event id (evt_…), a kind of event about sub,
// created at: API version 2023-10-16 (stripe-go v76's), so that billing
// applies the object it carries instead of refetching it from Stripe.
func Event(id string, kind Kind, sub Subscription, at time.Time) ([]byte, error) {
	typ, ok := Types[kind]
	if !ok {
		return nil, fmt.Errorf("unknown kind of Stripe event %q", kind)
	}
	var object any
	switch kind {
	case SubscriptionCreated, TrialEnding:
		object = subscriptionObject(sub, at, statusAt(sub, at))
	case SubscriptionActive:
		object = subscriptionObject(sub, at, stripe.SubscriptionStatusActive)
	case SubscriptionPastDue:
		object = subscriptionObject(sub, at, stripe.SubscriptionStatusPastDue)
	case InvoicePaid:
		object = invoiceObject(sub, at, true)
	case PaymentFailed:
		object = invoiceObject(sub, at, false)
	}
	return json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": stripe.APIVersion, "created": at.Unix(),
		"type": typ, "livemode": false, "pending_webhooks": 1, "data": map[string]any{"object": object},
	})
}

// Sign is the Stripe-Signature header of payload, signed with secret at.
func Sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

// statusAt is trialing until the trial ends, active after.
func statusAt(sub Subscription, at time.Time) stripe.SubscriptionStatus {
	if !sub.TrialEnd.IsZero() && at.Before(sub.TrialEnd) {
		return stripe.SubscriptionStatusTrialing
	}
	return stripe.SubscriptionStatusActive
}

// period is the length of one billing period, in years and months.
func period(sub Subscription) (years, months int) {
	if sub.Interval == "year" {
		return 1, 0
	}
	return 0, 1
}

// periodEnd is the end of the billing period running at.
func periodEnd(sub Subscription, at time.Time) time.Time {
	y, m := period(sub)
	end := sub.Created.AddDate(y, m, 0)
	if !sub.TrialEnd.IsZero() {
		end = sub.TrialEnd
	}
	for !end.After(at) {
		end = end.AddDate(y, m, 0)
	}
	return end
}

func subscriptionObject(sub Subscription, at time.Time, status stripe.SubscriptionStatus) map[string]any {
	y, m := period(sub)
	interval := "month"
	if y > 0 {
		interval = "year"
	}
	end := periodEnd(sub, at)
	o := map[string]any{
		"id": sub.ID, "object": "subscription", "customer": sub.CustomerID, "status": status,
		"created": sub.Created.Unix(), "start_date": sub.Created.Unix(),
		"current_period_start": end.AddDate(-y, -m, 0).Unix(), "current_period_end": end.Unix(),
		"cancel_at_period_end": false, "collection_method": "charge_automatically", "livemode": false,
		"metadata": map[string]string{"organization_id": sub.OrganizationID},
		"items": map[string]any{"object": "list", "data": []any{map[string]any{
			"id": sub.ItemID, "object": "subscription_item", "quantity": sub.Seats, "subscription": sub.ID,
			"price": map[string]any{"id": sub.PriceID, "object": "price", "currency": sub.Currency, "unit_amount": sub.UnitAmount,
				"recurring": map[string]any{"interval": interval, "interval_count": 1}},
		}}},
	}
	if !sub.TrialEnd.IsZero() {
		o["trial_start"], o["trial_end"] = sub.Created.Unix(), sub.TrialEnd.Unix()
	}
	return o
}

// invoiceObject is the subscription's invoice for the period starting at,
// paid or with its payment failed.
func invoiceObject(sub Subscription, at time.Time, paid bool) map[string]any {
	id := sub.InvoiceID
	amount := sub.UnitAmount * int64(sub.Seats)
	o := map[string]any{
		"id": id, "object": "invoice", "customer": sub.CustomerID, "currency": sub.Currency,
		"amount_due": amount, "amount_paid": 0, "amount_remaining": amount, "attempted": true, "attempt_count": 1,
		"billing_reason": "subscription_cycle", "created": at.Unix(), "livemode": false,
		"number":             "LOCAL-" + strings.ToUpper(id[max(len(id)-8, 0):]),
		"hosted_invoice_url": "https://invoice.stripe.com/i/" + id,
		"invoice_pdf":        "https://pay.stripe.com/invoice/" + id + "/pdf",
		"status":             "open",
		"status_transitions": map[string]any{"finalized_at": at.Unix()},
		"subscription":       sub.ID,
	}
	if paid {
		o["status"], o["amount_paid"], o["amount_remaining"] = "paid", amount, 0
		o["status_transitions"] = map[string]any{"finalized_at": at.Unix(), "paid_at": at.Unix()}
	}
	return o
}
