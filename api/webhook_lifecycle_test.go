// Webhook tests of a subscription's life: cancel, past due, invoices, pause, refetch, ties.

package api_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/serverevent"
	"github.com/onramp/onramp/internal/testing/testenv"
)

func TestWebhookCancelEndsAccess(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	events := recordProductEvents(t, env)
	org := env.NewOrg(t, testenv.OrgOptions{})
	s := subscribe(t, env, org.ID, "active", 5)

	s.Status = "canceled"
	env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.deleted", time.Now(), s.object())).Expect(t, 200)
	var ent map[string]any
	env.Do(t, "GET", "/v1/entitlements", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, 200).Decode(t, &ent)
	if ent["active"] != false || ent["status"] != "canceled" || len(ent["features"].([]any)) != 0 {
		t.Fatalf("entitlements after cancel %v", ent)
	}
	if st := billingStatus(t, env, org.ID); st != "canceled" {
		t.Fatalf("billing_status %q", st)
	}
	if c := events.count(t, org.ID, serverevent.SubscriptionCanceled); c != 1 {
		t.Fatalf("%d subscription_canceled", c)
	}
	// Canceled is final in Stripe: a later-stamped event claiming active
	// (a replayed or misordered update) does not resurrect it.
	s.Status = "active"
	res := env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.updated", time.Now().Add(time.Second), s.object())).Expect(t, 200)
	if out := res.Map(t)["outcome"]; out != "stale" {
		t.Fatalf("outcome %v", out)
	}
	// A canceled organization may buy again.
	env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 3},
		testenv.WithBearer(org.OwnerToken)).Expect(t, 201)
}

func TestWebhookPastDueGracePeriod(t *testing.T) {
	t.Parallel()
	env := testenv.New(t) // PAST_DUE_GRACE_DAYS = 7
	for _, c := range []struct {
		name   string
		since  time.Duration
		active bool
	}{
		{"inside the grace period", 3 * 24 * time.Hour, true},
		{"outside the grace period", 8 * 24 * time.Hour, false},
	} {
		org := env.NewOrg(t, testenv.OrgOptions{})
		s := sub{ID: "sub_grace_" + org.ID.String(), Customer: "cus_grace_" + org.ID.String(), Status: "past_due", Org: org.ID, Seats: 5}
		holdCustomer(t, env, org.ID, s.Customer)
		env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.updated", time.Now().Add(-c.since), s.object())).Expect(t, 200)
		var ent map[string]any
		env.Do(t, "GET", "/v1/entitlements", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, 200).Decode(t, &ent)
		if ent["active"] != c.active || ent["status"] != "past_due" {
			t.Errorf("%s: entitlements %v", c.name, ent)
		}
		if f := ent["features"].([]any); (len(f) > 0) != c.active {
			t.Errorf("%s: features %v", c.name, f)
		}
	}
}

// invoice events record the latest invoice's fate on the subscription
// (an older one never replaces it, though the older invoice is kept in the
// organization's invoices); access itself follows the subscription's status.
func TestWebhookInvoiceEvents(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	s := subscribe(t, env, org.ID, "active", 5)
	inv := func(id string) map[string]any {
		return map[string]any{"id": id, "object": "invoice", "customer": s.Customer, "subscription": s.ID, "status": "paid"}
	}
	env.SendWebhook(t, stripeEvent(t, newEventID(), "invoice.payment_failed", time.Now(), inv("in_2"))).Expect(t, 200)
	res := env.SendWebhook(t, stripeEvent(t, newEventID(), "invoice.paid", time.Now().Add(-time.Hour), inv("in_1"))).Expect(t, 200)
	if out := res.Map(t)["outcome"]; out != "applied" {
		t.Fatalf("older invoice.paid of another invoice: outcome %v, want applied (the invoice is kept)", out)
	}
	var status, invoice string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT latest_invoice_status, latest_invoice_id FROM subscriptions`).Scan(&status, &invoice); err != nil {
		t.Fatal(err)
	}
	if status != "payment_failed" || invoice != "in_2" {
		t.Fatalf("latest invoice %s %s", invoice, status)
	}
	// An invoice for a subscription we do not know is recorded, unmatched.
	other := map[string]any{"id": "in_x", "object": "invoice", "customer": "cus_x", "subscription": "sub_unknown"}
	if out := env.SendWebhook(t, stripeEvent(t, newEventID(), "invoice.paid", time.Now(), other)).Expect(t, 200).Map(t)["outcome"]; out != "unmatched" {
		t.Fatalf("outcome %v", out)
	}
}

func TestWebhookUnknownTypeIsRecordedAndIgnored(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	res := env.SendWebhook(t, stripeEvent(t, "evt_unknown", "customer.created", time.Now(), map[string]any{"id": "cus_1", "object": "customer"}))
	if out := res.Expect(t, 200).Map(t)["outcome"]; out != "ignored" {
		t.Fatalf("outcome %v", out)
	}
	if n := countRows(t, env, `SELECT count(*) FROM stripe_events WHERE id = 'evt_unknown' AND outcome = 'ignored'`); n != 1 {
		t.Fatal("unknown event not recorded as ignored")
	}
}

// An event rendered for another API version is not trusted: its object is
// refetched through the API (stripe-mock answers with its fixture).
func TestWebhookOtherAPIVersionRefetches(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	s := subscribe(t, env, org.ID, "active", 5)

	s.Status, s.Seats = "past_due", 77
	payload := stripeEvent(t, newEventID(), "customer.subscription.updated", time.Now(), s.object())
	payload = []byte(strings.Replace(string(payload), `"api_version":"2023-10-16"`, `"api_version":"2020-08-27"`, 1))
	env.SendWebhook(t, payload).Expect(t, 200)

	if out := env.SendWebhook(t, payload).Expect(t, 200).Map(t)["outcome"]; out != "duplicate" {
		t.Fatalf("redelivery outcome %v", out)
	}
	if got := env.Stripe.Find("GET", "/v1/subscriptions/"+s.ID); len(got) != 1 {
		t.Fatalf("%d refetches of %s, want 1 (none for the redelivery)", len(got), s.ID)
	}
	var status string
	var seats int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT status, seats FROM subscriptions WHERE stripe_subscription_id = $1`, s.ID).Scan(&status, &seats); err != nil {
		t.Fatal(err)
	}
	// stripe-mock's fixture is active with one seat; the payload's claims were not used.
	if status != "active" || seats == 77 {
		t.Fatalf("the other-version payload was trusted: %s, %d seats", status, seats)
	}
}

func TestWebhookUnmatchedObjectsAreRecorded(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	s := sub{ID: "sub_stranger", Customer: "cus_stranger", Status: "active", Org: uuid.Must(uuid.NewV7()), Seats: 5}
	res := env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.created", time.Now(), s.object())).Expect(t, 200)
	if out := res.Map(t)["outcome"]; out != "unmatched" {
		t.Fatalf("outcome %v", out)
	}
	if n := countRows(t, env, `SELECT count(*) FROM subscriptions`); n != 0 {
		t.Fatal("stored a subscription for an organization that does not exist")
	}
}

func TestWebhookWithoutSecretIsUnavailable(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.StripeWebhookSecret = "" })
	res := env.Do(t, "POST", "/v1/webhooks/stripe", testenv.Raw(`{}`), testenv.WithHeader("Stripe-Signature", "t=1,v1=00"))
	res.Expect(t, 503)
}

// created and updated for a new subscription arrive at once (Stripe sends
// them within the same second): both succeed and the newer state wins.
func TestWebhookConcurrentEventsForANewSubscription(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	t1 := time.Now().Add(-time.Minute)
	holdCustomer(t, env, org.ID, "cus_pair")
	for i := 0; i < 5; i++ {
		s := sub{ID: fmt.Sprintf("sub_pair_%d", i), Customer: "cus_pair", Status: "incomplete", Org: org.ID, Seats: 5}
		created := stripeEvent(t, newEventID(), "customer.subscription.created", t1, s.object())
		s.Status = "active"
		updated := stripeEvent(t, newEventID(), "customer.subscription.updated", t1.Add(time.Second), s.object())
		var wg sync.WaitGroup
		for _, p := range [][]byte{created, updated} {
			wg.Add(1)
			go func(p []byte) {
				defer wg.Done()
				if res := env.SendWebhook(t, p); res.Status != 200 {
					t.Errorf("status %d: %s", res.Status, res.Body)
				}
			}(p)
		}
		wg.Wait()
		var status string
		if err := env.DB.Pool.QueryRow(context.Background(), `SELECT status FROM subscriptions WHERE stripe_subscription_id = $1`, s.ID).Scan(&status); err != nil {
			t.Fatal(err)
		}
		if status != "active" {
			t.Fatalf("%s: status %s, want the newer active", s.ID, status)
		}
	}
}

// Stripe's `created` has one-second resolution. At a tie the later
// delivery wins, except customer.subscription.created, which describes the
// subscription's first state and never overrides a stored one.
func TestWebhookTiesInTheSameSecond(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	at := time.Now().Add(-time.Minute)
	s := sub{ID: "sub_tie", Customer: "cus_tie", Status: "active", Org: org.ID, Seats: 5}
	holdCustomer(t, env, org.ID, "cus_tie")
	send := func(typ string, status string, seats int) string {
		s.Status, s.Seats = status, seats
		return env.SendWebhook(t, stripeEvent(t, newEventID(), typ, at, s.object())).Expect(t, 200).Map(t)["outcome"].(string)
	}
	if out := send("customer.subscription.updated", "active", 6); out != "applied" {
		t.Fatalf("first update: %s", out)
	}
	if out := send("customer.subscription.created", "incomplete", 5); out != "stale" {
		t.Fatalf("created in the same second as a stored update: %s", out)
	}
	if out := send("customer.subscription.updated", "active", 7); out != "applied" {
		t.Fatalf("second update in the same second: %s", out)
	}
	if n := countRows(t, env, `SELECT seats FROM subscriptions WHERE stripe_subscription_id = 'sub_tie' AND status = 'active'`); n != 7 {
		t.Fatalf("seats %d", n)
	}
}

func TestWebhookPauseAndResume(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	s := subscribe(t, env, org.ID, "active", 5)
	entitled := func() bool {
		var ent map[string]any
		env.Do(t, "GET", "/v1/entitlements", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, 200).Decode(t, &ent)
		return ent["active"].(bool)
	}
	s.Status = "paused"
	env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.paused", time.Now(), s.object())).Expect(t, 200)
	if entitled() {
		t.Fatal("a paused subscription still gives access")
	}
	s.Status = "active"
	env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.resumed", time.Now().Add(time.Second), s.object())).Expect(t, 200)
	if !entitled() {
		t.Fatal("a resumed subscription gives no access")
	}
}

// TestPaidMeansMoneyReceived: the funnel's "paid" milestone comes from an
// invoice paid with a non-zero amount, not from a subscription that started
// (a trial) or a trial's zero invoice; an invoice that arrives before its
// subscription still counts, through the customer.
func TestPaidMeansMoneyReceived(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	paid := func(org uuid.UUID) bool {
		var n int
		if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM onboarding_organizations WHERE organization_id = $1 AND paid_at IS NOT NULL`, org).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	org := env.NewOrg(t, testenv.OrgOptions{})
	s := subscribe(t, env, org.ID, "trialing", 5)
	invoice := func(id string, amount int) map[string]any {
		return map[string]any{"id": id, "object": "invoice", "customer": s.Customer, "subscription": s.ID, "status": "paid", "amount_paid": amount, "currency": "eur"}
	}
	env.SendWebhook(t, stripeEvent(t, newEventID(), "invoice.paid", time.Now(), invoice("in_trial", 0))).Expect(t, 200)
	if paid(org.ID) {
		t.Fatal("a trial's zero invoice counted as paid")
	}
	env.SendWebhook(t, stripeEvent(t, newEventID(), "invoice.paid", time.Now(), invoice("in_first", 7500))).Expect(t, 200)
	if !paid(org.ID) {
		t.Fatal("a paid invoice did not count")
	}

	// An invoice ahead of its subscription: found through the customer.
	early := env.NewOrg(t, testenv.OrgOptions{})
	if _, err := env.DB.Pool.Exec(context.Background(), `INSERT INTO billing_customers (organization_id, stripe_customer_id) VALUES ($1, 'cus_early')`, early.ID); err != nil {
		t.Fatal(err)
	}
	res := env.SendWebhook(t, stripeEvent(t, newEventID(), "invoice.paid", time.Now(), map[string]any{
		"id": "in_early", "object": "invoice", "customer": "cus_early", "subscription": "sub_not_yet", "status": "paid", "amount_paid": 7500, "currency": "eur",
	})).Expect(t, 200)
	if out := res.Map(t)["outcome"]; out != "applied" || !paid(early.ID) {
		t.Fatalf("early invoice: outcome %v, paid %v", out, paid(early.ID))
	}
}
