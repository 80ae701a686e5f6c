package api_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/serverevent"
	"github.com/onramp/onramp/internal/testing/testenv"
)

func TestPlansNeverShowPriceIDs(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	res := env.Do(t, "GET", "/v1/plans", nil).Expect(t, 200)
	var body struct {
		Items []map[string]any `json:"items"`
	}
	res.Decode(t, &body)
	if len(body.Items) != 2 || body.Items[0]["id"] != "standalone-monthly" || body.Items[1]["id"] != "team-yearly" {
		t.Fatalf("plans %v", body.Items)
	}
	p := body.Items[0]
	if p["unit_amount"] != float64(1500) || p["currency"] != "eur" || p["trial_days"] != float64(14) || p["min_seats"] != float64(3) || p["max_seats"] != float64(500) || p["interval"] != "month" {
		t.Fatalf("plan %v", p)
	}
	if strings.Contains(string(res.Body), "price_") || strings.Contains(string(res.Body), "stripe") {
		t.Fatalf("plans leak Stripe price ids: %s", res.Body)
	}
}

func TestCheckoutSendsTheRightSessionToStripe(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, withAppURL("https://app.acme.test"))
	events := recordProductEvents(t, env)
	org := env.NewOrg(t, testenv.OrgOptions{Name: "Acme"})
	adminID, adminTok := env.NewMember(t, org.ID, "admin")

	var cs map[string]any
	env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 5},
		testenv.WithBearer(adminTok)).Expect(t, 201).Decode(t, &cs)
	if !strings.HasPrefix(cs["id"].(string), "cs_") || cs["url"] == "" || cs["expires_at"] == "" {
		t.Fatalf("session %v", cs)
	}

	customers := env.Stripe.Find("POST", "/v1/customers")
	if len(customers) != 1 {
		t.Fatalf("%d customer creations, want 1", len(customers))
	}
	c := customers[0]
	if c.Form.Get("metadata[organization_id]") != org.ID.String() || c.Form.Get("name") != "Acme" || c.IdempotencyKey != "onramp-customer-"+org.ID.String() {
		t.Fatalf("customer creation %v key %q", c.Form, c.IdempotencyKey)
	}
	sessions := stripeCalls(env, "POST", "/v1/checkout/sessions")
	if len(sessions) != 1 {
		t.Fatalf("%d checkout sessions", len(sessions))
	}
	f := sessions[0].Form
	want := map[string]string{
		"mode":                    "subscription",
		"client_reference_id":     org.ID.String(),
		"line_items[0][price]":    "price_test_monthly",
		"line_items[0][quantity]": "5",
		"line_items[0][adjustable_quantity][enabled]":  "true",
		"line_items[0][adjustable_quantity][minimum]":  "3",
		"line_items[0][adjustable_quantity][maximum]":  "500",
		"subscription_data[trial_period_days]":         "14",
		"subscription_data[metadata][organization_id]": org.ID.String(),
		"subscription_data[metadata][plan_id]":         "standalone-monthly",
		"allow_promotion_codes":                        "true",
		"success_url":                                  "http://onramp.test/checkout/success?session_id={CHECKOUT_SESSION_ID}",
		"cancel_url":                                   "http://onramp.test/checkout/cancel",
	}
	for k, v := range want {
		if got := f.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if f.Get("customer") == "" || f.Get("automatic_tax[enabled]") != "" {
		t.Errorf("customer %q, automatic_tax %q", f.Get("customer"), f.Get("automatic_tax[enabled]"))
	}
	if !strings.HasPrefix(sessions[0].IdempotencyKey, "onramp-checkout-") {
		t.Errorf("checkout idempotency key %q", sessions[0].IdempotencyKey)
	}
	for _, r := range env.Stripe.Requests() {
		if r.StripeVersion != "2023-10-16" {
			t.Errorf("%s %s sent Stripe-Version %q", r.Method, r.Path, r.StripeVersion)
		}
	}

	var createdBy string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT created_by::text FROM checkout_sessions WHERE id = $1 AND organization_id = $2 AND seats = 5`, cs["id"], org.ID).Scan(&createdBy); err != nil || createdBy != adminID.String() {
		t.Fatalf("checkout session row: %v %s", err, createdBy)
	}
	if n := events.count(t, org.ID, serverevent.CheckoutStarted); n != 1 {
		t.Fatalf("%d checkout_started events", n)
	}

	// The second checkout reuses the customer, and honours given URLs on
	// APP_URL's origin.
	env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{
		"plan_id": "team-yearly", "seats": 2, "success_url": "https://app.acme.test/paid", "cancel_url": "https://app.acme.test/back",
	}, testenv.WithBearer(org.OwnerToken)).Expect(t, 201)
	if n := len(env.Stripe.Find("POST", "/v1/customers")); n != 1 {
		t.Fatalf("%d customer creations after two checkouts", n)
	}
	second := stripeCalls(env, "POST", "/v1/checkout/sessions")[1].Form
	if second.Get("success_url") != "https://app.acme.test/paid" || second.Get("cancel_url") != "https://app.acme.test/back" ||
		second.Get("customer") != f.Get("customer") || second.Get("subscription_data[trial_period_days]") != "" {
		t.Fatalf("second session %v", second)
	}
}

func TestCheckoutWithAutomaticTax(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.StripeAutomaticTax = true })
	org := env.NewOrg(t, testenv.OrgOptions{})
	env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 3},
		testenv.WithBearer(org.OwnerToken)).Expect(t, 201)
	f := stripeCalls(env, "POST", "/v1/checkout/sessions")[0].Form
	if f.Get("automatic_tax[enabled]") != "true" || f.Get("customer_update[address]") != "auto" || f.Get("tax_id_collection[enabled]") != "true" {
		t.Fatalf("tax settings %v", f)
	}
}

func TestCheckoutRefusals(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	_, memberTok := env.NewMember(t, org.ID, "member")
	post := func(tok string, body map[string]any) *testenv.Response {
		return env.Do(t, "POST", "/v1/billing/checkout-sessions", body, testenv.WithBearer(tok))
	}

	post(memberTok, map[string]any{"plan_id": "standalone-monthly", "seats": 5}).Expect(t, 403)
	env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 5}).Expect(t, 401)
	for name, c := range map[string]struct {
		body  map[string]any
		field string
	}{
		"too few seats":       {map[string]any{"plan_id": "standalone-monthly", "seats": 2}, "seats"},
		"too many seats":      {map[string]any{"plan_id": "standalone-monthly", "seats": 501}, "seats"},
		"no seats":            {map[string]any{"plan_id": "team-yearly"}, "seats"},
		"unknown plan":        {map[string]any{"plan_id": "platinum", "seats": 5}, "plan_id"},
		"relative success":    {map[string]any{"plan_id": "standalone-monthly", "seats": 5, "success_url": "/done"}, "success_url"},
		"javascript cancel":   {map[string]any{"plan_id": "standalone-monthly", "seats": 5, "cancel_url": "javascript:alert(1)"}, "cancel_url"},
		"seats of wrong type": {map[string]any{"plan_id": "standalone-monthly", "seats": "five"}, "seats"},
		"unknown field":       {map[string]any{"plan_id": "standalone-monthly", "seats": 5, "quantity": 5}, "quantity"},
	} {
		res := post(org.OwnerToken, c.body)
		if res.Status != 422 {
			t.Errorf("%s: status %d, want 422", name, res.Status)
			continue
		}
		var p struct {
			Errors []apperr.FieldError `json:"errors"`
		}
		res.Decode(t, &p)
		if len(p.Errors) == 0 || p.Errors[0].Field != c.field {
			t.Errorf("%s: errors %v, want field %s", name, p.Errors, c.field)
		}
	}
	if n := len(env.Stripe.Requests()); n != 0 {
		t.Fatalf("refused checkouts reached Stripe %d times", n)
	}

	// A live subscription: manage it instead of buying another.
	subscribe(t, env, org.ID, "active", 5)
	res := post(org.OwnerToken, map[string]any{"plan_id": "standalone-monthly", "seats": 5}).Expect(t, 409)
	if res.Code(t) != "subscription_exists" {
		t.Fatalf("code %q", res.Code(t))
	}
}

func TestCheckoutIdempotentReplay(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	body := map[string]any{"plan_id": "standalone-monthly", "seats": 4}
	key := testenv.WithHeader("Idempotency-Key", "checkout-attempt-1")
	first := env.Do(t, "POST", "/v1/billing/checkout-sessions", body, testenv.WithBearer(org.OwnerToken), key).Expect(t, 201)
	again := env.Do(t, "POST", "/v1/billing/checkout-sessions", body, testenv.WithBearer(org.OwnerToken), key).Expect(t, 201)
	if string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay %s (replayed=%q), first %s", again.Body, again.Header.Get("Idempotent-Replayed"), first.Body)
	}
	if n := len(stripeCalls(env, "POST", "/v1/checkout/sessions")); n != 1 {
		t.Fatalf("replay reached Stripe: %d sessions", n)
	}
	res := env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 9},
		testenv.WithBearer(org.OwnerToken), key).Expect(t, 409)
	if res.Code(t) != "idempotency_key_reused" {
		t.Fatalf("code %q", res.Code(t))
	}
}

// Admins press "buy" at once, each for other seats: one Stripe customer,
// ever. The organization's checkouts run one after the other (no
// transaction is held while Stripe answers, only the checkout lock), so
// the first creates the customer and the others find it; its creation
// still carries the organization's idempotency key, so that a retry after
// a lost answer gets the same customer back.
func TestRacingCheckoutsCreateOneCustomer(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	const n = 6
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			res := env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 3 + i},
				testenv.WithBearer(org.OwnerToken))
			if res.Status != 201 {
				t.Errorf("checkout %d: %d %s", i, res.Status, res.Body)
			}
		}(i)
	}
	close(start)
	wg.Wait()
	creations := env.Stripe.Find("POST", "/v1/customers")
	if len(creations) == 0 {
		t.Fatal("no Stripe customer created")
	}
	for _, c := range creations {
		if c.IdempotencyKey != "onramp-customer-"+org.ID.String() {
			t.Fatalf("customer creation with idempotency key %q: Stripe would make another customer", c.IdempotencyKey)
		}
	}
	var stored string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT stripe_customer_id FROM billing_customers WHERE organization_id = $1`, org.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if c := countRows(t, env, `SELECT count(*) FROM billing_customers WHERE organization_id = $1`, org.ID); c != 1 {
		t.Fatalf("%d customer rows", c)
	}
	if len(creations) != 1 {
		t.Fatalf("%d customer creations: the checkouts of one organization run one at a time", len(creations))
	}
	sessions := stripeCalls(env, "POST", "/v1/checkout/sessions")
	if len(sessions) != n {
		t.Fatalf("%d sessions", len(sessions))
	}
	// Each checkout asked for other seats: each expired the one before.
	if n := countRows(t, env, `SELECT count(*) FROM checkout_sessions WHERE organization_id = $1 AND expired_at IS NULL`, org.ID); n != 1 {
		t.Fatalf("%d sessions left open, want 1", n)
	}
	for _, s := range sessions {
		if s.Form.Get("customer") != stored {
			t.Fatalf("a session for customer %s, not the stored %s", s.Form.Get("customer"), stored)
		}
	}
}

func TestCheckoutWhenStripeIsDown(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	env.Stripe.Fail("POST", "/v1/customers", 503, 3) // the first try and stripe-go's two retries
	res := env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 3},
		testenv.WithBearer(org.OwnerToken)).Expect(t, 503)
	if res.Code(t) != "dependency_unavailable" || res.Header.Get("Retry-After") != "10" {
		t.Fatalf("code %q, Retry-After %q; want dependency_unavailable, 10", res.Code(t), res.Header.Get("Retry-After"))
	}
	if c := countRows(t, env, `SELECT count(*) FROM billing_customers`); c != 0 {
		t.Fatal("customer stored though Stripe failed")
	}
	if strings.Contains(env.Log.String(), env.Config.StripeSecretKey) {
		t.Fatal("the Stripe secret key reached the logs")
	}
}
