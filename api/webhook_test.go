package api_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/serverevent"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// The journey: our checkout stores the organization's customer and
// session, the session completes, the subscription is created, and the
// organization is on with the right seats, plan and features.
func TestWebhookCheckoutToActiveSubscription(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	events := recordProductEvents(t, env)
	org := env.NewOrg(t, testenv.OrgOptions{})

	var opened map[string]any
	env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 7},
		testenv.WithBearer(org.OwnerToken)).Expect(t, 201).Decode(t, &opened)
	var customer string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT stripe_customer_id FROM billing_customers WHERE organization_id = $1`, org.ID).Scan(&customer); err != nil {
		t.Fatalf("the checkout stored no customer: %v", err)
	}

	cs := map[string]any{
		"id": opened["id"], "object": "checkout.session", "mode": "subscription", "status": "complete",
		"client_reference_id": org.ID.String(), "customer": customer, "subscription": "sub_journey",
		"metadata": map[string]any{},
	}
	res := env.SendWebhook(t, stripeEvent(t, newEventID(), "checkout.session.completed", time.Now().Add(-2*time.Second), cs)).Expect(t, 200)
	if res.Map(t)["outcome"] != "applied" {
		t.Fatalf("checkout.session.completed: %s", res.Body)
	}
	if n := countRows(t, env, `SELECT count(*) FROM checkout_sessions WHERE id = $1 AND organization_id = $2 AND completed_at IS NOT NULL`, opened["id"], org.ID); n != 1 {
		t.Fatal("our checkout session was not completed")
	}

	s := sub{ID: "sub_journey", Customer: customer, Status: "trialing", Org: org.ID, Seats: 7, TrialEnd: time.Now().Add(14 * 24 * time.Hour).Unix()}
	env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.created", time.Now().Add(-time.Second), s.object())).Expect(t, 200)
	s.Status = "active"
	env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.updated", time.Now(), s.object())).Expect(t, 200)

	var got map[string]any
	env.Do(t, "GET", "/v1/billing/subscription", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, 200).Decode(t, &got)
	if got["status"] != "active" || got["plan_id"] != "standalone-monthly" || got["seats"] != float64(7) || got["seats_used"] != float64(1) {
		t.Fatalf("subscription %v", got)
	}
	_, memberTok := env.NewMember(t, org.ID, "member")
	var ent map[string]any
	env.Do(t, "GET", "/v1/entitlements", nil, testenv.WithBearer(memberTok)).Expect(t, 200).Decode(t, &ent)
	if ent["active"] != true || ent["status"] != "active" || ent["seats"] != float64(7) || ent["seats_used"] != float64(2) {
		t.Fatalf("entitlements %v", ent)
	}
	if f, _ := ent["features"].([]any); len(f) != 2 || f[0] != "sessions" || f[1] != "workshops" {
		t.Fatalf("features %v", ent["features"])
	}
	if st := billingStatus(t, env, org.ID); st != "active" {
		t.Fatalf("billing_status %q", st)
	}
	// Activated once (trialing already counts), never again for active.
	if n := events.count(t, org.ID, serverevent.SubscriptionActivated); n != 1 {
		t.Fatalf("%d subscription_activated events, want 1", n)
	}
}

func TestWebhookDuplicateDeliveryChangesNothing(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	events := recordProductEvents(t, env)
	org := env.NewOrg(t, testenv.OrgOptions{})
	s := sub{ID: "sub_dup", Customer: "cus_dup", Status: "active", Org: org.ID, Seats: 5}
	holdCustomer(t, env, org.ID, "cus_dup")
	payload := stripeEvent(t, "evt_dup_1", "customer.subscription.created", time.Now(), s.object())

	if out := env.SendWebhook(t, payload).Expect(t, 200).Map(t)["outcome"]; out != "applied" {
		t.Fatalf("first delivery: %v", out)
	}
	// Change the row behind Stripe's back: a duplicate must not re-apply.
	if _, err := env.DB.Pool.Exec(context.Background(), `UPDATE subscriptions SET seats = 42`); err != nil {
		t.Fatal(err)
	}
	if out := env.SendWebhook(t, payload).Expect(t, 200).Map(t)["outcome"]; out != "duplicate" {
		t.Fatalf("second delivery: %v", out)
	}
	if n := countRows(t, env, `SELECT seats FROM subscriptions WHERE stripe_subscription_id = 'sub_dup'`); n != 42 {
		t.Fatalf("duplicate re-applied the event (seats %d)", n)
	}
	if n := countRows(t, env, `SELECT count(*) FROM stripe_events WHERE id = 'evt_dup_1'`); n != 1 {
		t.Fatalf("%d event rows", n)
	}
	if n := events.count(t, org.ID, serverevent.SubscriptionActivated); n != 1 {
		t.Fatalf("%d subscription_activated events", n)
	}
}

// past_due at t2 arrives first; the active state of t1 arrives late and
// must not roll the subscription back.
func TestWebhookOutOfOrderNeverRollsBack(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	t1 := time.Now().Add(-10 * time.Minute)
	t2 := t1.Add(5 * time.Minute)
	s := sub{ID: "sub_order", Customer: "cus_order", Status: "past_due", Org: org.ID, Seats: 5}
	holdCustomer(t, env, org.ID, "cus_order")
	env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.updated", t2, s.object())).Expect(t, 200)
	s.Status, s.Seats = "active", 9
	res := env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.updated", t1, s.object())).Expect(t, 200)
	if out := res.Map(t)["outcome"]; out != "stale" {
		t.Fatalf("late event outcome %v, want stale", out)
	}
	var got map[string]any
	env.Do(t, "GET", "/v1/billing/subscription", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, 200).Decode(t, &got)
	if got["status"] != "past_due" || got["seats"] != float64(5) {
		t.Fatalf("stale event won: %v", got)
	}
	if st := billingStatus(t, env, org.ID); st != "past_due" {
		t.Fatalf("billing_status %q", st)
	}
	// The grace period counts from t2, when Stripe said past_due.
	var since time.Time
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT past_due_since FROM subscriptions WHERE stripe_subscription_id = 'sub_order'`).Scan(&since); err != nil {
		t.Fatal(err)
	}
	if since.Unix() != t2.Unix() {
		t.Fatalf("past_due_since %v, want %v", since, t2)
	}
}

func TestWebhookRefusesBadSignatures(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	s := sub{ID: "sub_sig", Customer: "cus_sig", Status: "active", Org: org.ID, Seats: 5}
	payload := stripeEvent(t, newEventID(), "customer.subscription.created", time.Now(), s.object())

	cases := map[string]func() *testenv.Response{
		"wrong secret": func() *testenv.Response {
			return env.SendWebhookSigned(t, payload, "whsec_not_ours", time.Now())
		},
		"stale timestamp": func() *testenv.Response {
			return env.SendWebhookSigned(t, payload, env.Config.StripeWebhookSecret, time.Now().Add(-6*time.Minute))
		},
		"future timestamp": func() *testenv.Response {
			return env.SendWebhookSigned(t, payload, env.Config.StripeWebhookSecret, time.Now().Add(6*time.Minute))
		},
		"missing header": func() *testenv.Response {
			return env.Do(t, "POST", "/v1/webhooks/stripe", testenv.Raw(payload))
		},
		"garbage header": func() *testenv.Response {
			return env.Do(t, "POST", "/v1/webhooks/stripe", testenv.Raw(payload), testenv.WithHeader("Stripe-Signature", "nonsense"))
		},
		"tampered body": func() *testenv.Response {
			sig := signedHeader(env, payload)
			tampered := []byte(strings.Replace(string(payload), `"quantity":5`, `"quantity":500`, 1))
			if string(tampered) == string(payload) {
				t.Fatal("tampering changed nothing")
			}
			return env.Do(t, "POST", "/v1/webhooks/stripe", testenv.Raw(tampered), testenv.WithHeader("Stripe-Signature", sig))
		},
	}
	for name, send := range cases {
		res := send()
		if res.Status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400: %s", name, res.Status, res.Body)
		}
	}
	if n := countRows(t, env, `SELECT count(*) FROM stripe_events`); n != 0 {
		t.Fatalf("%d events stored from bad deliveries", n)
	}
	if n := countRows(t, env, `SELECT count(*) FROM subscriptions`); n != 0 {
		t.Fatalf("%d subscriptions stored from bad deliveries", n)
	}
}

// A failure after part of the event was written (the event, the
// subscription row, the billing status) rolls all of it back and answers
// 5xx; Stripe's retry then applies it whole.
func TestWebhookFailingApplyLeavesNothing(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	events := recordProductEvents(t, env)
	org := env.NewOrg(t, testenv.OrgOptions{})
	s := sub{ID: "sub_fail", Customer: "cus_fail", Status: "active", Org: org.ID, Seats: 5}
	holdCustomer(t, env, org.ID, "cus_fail")
	payload := stripeEvent(t, "evt_fail_1", "customer.subscription.created", time.Now(), s.object())

	events.fail.Store(true) // fails when recording subscription_activated, the last step
	res := env.SendWebhook(t, payload)
	if res.Status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500: %s", res.Status, res.Body)
	}
	for table, sql := range map[string]string{
		"stripe_events": `SELECT count(*) FROM stripe_events`,
		"subscriptions": `SELECT count(*) FROM subscriptions`,
	} {
		if n := countRows(t, env, sql); n != 0 {
			t.Errorf("%s has %d rows after a failed apply", table, n)
		}
	}
	if st := billingStatus(t, env, org.ID); st != "none" {
		t.Fatalf("billing_status %q after a failed apply", st)
	}

	// A status this release does not know is refused the same way, so
	// Stripe retries until a release knows it.
	bad := s
	bad.Status = "suspended_by_martians"
	events.fail.Store(false)
	if res := env.SendWebhook(t, stripeEvent(t, "evt_fail_2", "customer.subscription.created", time.Now(), bad.object())); res.Status != 500 {
		t.Fatalf("unknown status: %d, want 500", res.Status)
	}
	if n := countRows(t, env, `SELECT count(*) FROM stripe_events`); n != 0 {
		t.Fatalf("event recorded after a failed apply")
	}

	// Stripe retries the first event: now it applies.
	if out := env.SendWebhook(t, payload).Expect(t, 200).Map(t)["outcome"]; out != "applied" {
		t.Fatalf("retry outcome %v", out)
	}
	if st := billingStatus(t, env, org.ID); st != "active" {
		t.Fatalf("billing_status %q after retry", st)
	}
	if n := events.count(t, org.ID, serverevent.SubscriptionActivated); n != 1 {
		t.Fatalf("%d subscription_activated", n)
	}
}

func TestWebhookConcurrentDuplicatesApplyOnce(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	events := recordProductEvents(t, env)
	org := env.NewOrg(t, testenv.OrgOptions{})
	s := sub{ID: "sub_race", Customer: "cus_race", Status: "active", Org: org.ID, Seats: 5}
	holdCustomer(t, env, org.ID, "cus_race")
	payload := stripeEvent(t, "evt_race", "customer.subscription.created", time.Now(), s.object())

	const n = 8
	outcomes := make(chan string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res := env.SendWebhook(t, payload)
			if res.Status != 200 {
				t.Errorf("status %d: %s", res.Status, res.Body)
				return
			}
			outcomes <- res.Map(t)["outcome"].(string)
		}()
	}
	close(start)
	wg.Wait()
	close(outcomes)
	applied := 0
	for o := range outcomes {
		if o == "applied" {
			applied++
		} else if o != "duplicate" {
			t.Errorf("outcome %q", o)
		}
	}
	if applied != 1 {
		t.Fatalf("applied %d times, want once", applied)
	}
	if c := events.count(t, org.ID, serverevent.SubscriptionActivated); c != 1 {
		t.Fatalf("%d subscription_activated events", c)
	}
	if c := countRows(t, env, `SELECT count(*) FROM subscriptions`); c != 1 {
		t.Fatalf("%d subscription rows", c)
	}
}
