package billing

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/apperr"
)

// A signature is good for 5 minutes either side of the service's clock: a
// timestamp far in the past or far in the future is refused and stores
// nothing.
func TestSignatureTimestampWindow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	org := h.newOrg("A")
	h.holdCustomer(org, "cus_a")
	for _, c := range []struct {
		name   string
		offset time.Duration
		ok     bool
	}{
		{"6 minutes old", -6 * time.Minute, false},
		{"6 minutes ahead", 6 * time.Minute, false},
		{"a day ahead", 24 * time.Hour, false},
		{"4 minutes old", -4 * time.Minute, true},
		{"4 minutes ahead", 4 * time.Minute, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			sub := testSub{ID: "sub_" + strings.ReplaceAll(c.name, " ", "_"), Customer: "cus_a", Status: StatusActive, Seats: 5}
			id := h.eventID()
			_, err := h.signedAt(h.payload(id, EventSubscriptionCreated, h.clock.Now().Add(-time.Minute), sub.object()), h.clock.Now().Add(c.offset))
			stored := h.count(`SELECT count(*) FROM stripe_events WHERE id = ?`, id) + h.count(`SELECT count(*) FROM subscriptions WHERE stripe_subscription_id = ?`, sub.ID)
			if c.ok {
				if err != nil || stored != 2 {
					t.Fatalf("refused inside the window: %v (%d rows)", err, stored)
				}
				return
			}
			if !apperr.Is(err, apperr.CodeMalformed) {
				t.Fatalf("err %v, want a malformed (400) refusal", err)
			}
			if stored != 0 {
				t.Fatalf("%d rows stored from a refused delivery", stored)
			}
		})
	}
}

// Ids are Stripe-shaped text: a NUL byte or invalid UTF-8 in the event's or
// its object's ids is a 422 naming the field, and nothing is stored.
func TestWebhookIdsMustBeText(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	org := h.newOrg("A")
	h.holdCustomer(org, "cus_a")
	h.openedCheckout(org, "cs_a")
	nul := "\x00"
	sub := func(mod func(s *testSub)) map[string]any {
		s := testSub{ID: "sub_a", Customer: "cus_a", Status: StatusActive, Seats: 5}
		mod(&s)
		return s.object()
	}
	for _, c := range []struct {
		name, typ, field string
		id               string
		obj              map[string]any
		raw              func([]byte) []byte // edits the payload's bytes
	}{
		{name: "NUL in the event id", typ: EventSubscriptionCreated, field: "id", id: "evt_nul" + nul, obj: sub(func(*testSub) {})},
		{name: "NUL in the subscription id", typ: EventSubscriptionCreated, field: "data.object.id", obj: sub(func(s *testSub) { s.ID += nul })},
		{name: "NUL in the customer id", typ: EventSubscriptionUpdated, field: "data.object.customer", obj: sub(func(s *testSub) { s.Customer += nul })},
		{name: "NUL in an ignored type's event id", typ: "customer.created", field: "id", id: "evt_x" + nul, obj: map[string]any{"id": "cus_a"}},
		{name: "NUL in the checkout session id", typ: EventCheckoutCompleted, field: "data.object.id",
			obj: map[string]any{"id": "cs_a" + nul, "object": "checkout.session", "customer": "cus_a", "client_reference_id": org.String()}},
		{name: "NUL in the invoice id", typ: EventInvoicePaid, field: "data.object.id",
			obj: map[string]any{"id": "in_1" + nul, "object": "invoice", "customer": "cus_a", "subscription": "sub_a", "amount_paid": 100, "currency": "eur"}},
		{name: "NUL in the invoice currency", typ: EventInvoicePaid, field: "data.object.currency",
			obj: map[string]any{"id": "in_1", "object": "invoice", "customer": "cus_a", "subscription": "sub_a", "amount_paid": 100, "currency": "eur" + nul}},
		{name: "invalid UTF-8 in the event id", typ: EventSubscriptionCreated, field: "id", id: "evt_bad_utf8_XX", obj: sub(func(*testSub) {}),
			raw: func(b []byte) []byte { return bytes.Replace(b, []byte("_XX"), []byte{'_', 0xff, 0xfe}, 1) }},
		{name: "invalid UTF-8 in the subscription id", typ: EventSubscriptionCreated, field: "data.object.id", obj: sub(func(s *testSub) { s.ID = "sub_YY" }),
			raw: func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("sub_YY"), []byte{'s', 'u', 'b', 0xc3, 0x28}) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			id := c.id
			if id == "" {
				id = h.eventID()
			}
			payload := h.payload(id, c.typ, h.clock.Now().Add(-time.Minute), c.obj)
			if c.raw != nil {
				payload = c.raw(payload)
			}
			_, err := h.signedAt(payload, h.clock.Now())
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.CodeInvalid || !slices.ContainsFunc(e.Fields, func(f apperr.FieldError) bool { return f.Field == c.field }) {
				t.Fatalf("err %v, want a 422 naming %s", err, c.field)
			}
			for _, table := range []string{"stripe_events", "subscriptions"} {
				if n := h.count(`SELECT count(*) FROM ` + table); n != 0 {
					t.Fatalf("%d rows in %s after a refused delivery", n, table)
				}
			}
			if n := h.count(`SELECT count(*) FROM checkout_sessions WHERE completed_at IS NOT NULL`); n != 0 {
				t.Fatal("a refused delivery completed a checkout")
			}
		})
	}
}
