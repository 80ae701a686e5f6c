package api_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/database"
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
	sessions := env.Stripe.Find("POST", "/v1/checkout/sessions")
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
		"success_url":                                  "http://onramp.test/billing/success?session_id={CHECKOUT_SESSION_ID}",
		"cancel_url":                                   "http://onramp.test/billing/cancel",
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
	second := env.Stripe.Find("POST", "/v1/checkout/sessions")[1].Form
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
	f := env.Stripe.Find("POST", "/v1/checkout/sessions")[0].Form
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
	if n := len(env.Stripe.Find("POST", "/v1/checkout/sessions")); n != 1 {
		t.Fatalf("replay reached Stripe: %d sessions", n)
	}
	res := env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 9},
		testenv.WithBearer(org.OwnerToken), key).Expect(t, 409)
	if res.Code(t) != "idempotency_key_reused" {
		t.Fatalf("code %q", res.Code(t))
	}
}

// Two admins press "buy" at once: one Stripe customer, ever. No lock is
// held while Stripe creates it, so several creations may be sent; they all
// carry the organization's idempotency key, so Stripe answers them with one
// customer (stripe-mock, stateless, makes a new one each time), and every
// session goes to the customer stored first.
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
	sessions := env.Stripe.Find("POST", "/v1/checkout/sessions")
	if len(sessions) != n {
		t.Fatalf("%d sessions", len(sessions))
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
	if res.Code(t) != "unavailable" {
		t.Fatalf("code %q", res.Code(t))
	}
	if c := countRows(t, env, `SELECT count(*) FROM billing_customers`); c != 0 {
		t.Fatal("customer stored though Stripe failed")
	}
	if strings.Contains(env.Log.String(), env.Config.StripeSecretKey) {
		t.Fatal("the Stripe secret key reached the logs")
	}
}

func TestPortalSessions(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, withAppURL("https://app.acme.test"))
	org := env.NewOrg(t, testenv.OrgOptions{})
	_, memberTok := env.NewMember(t, org.ID, "member")

	res := env.Do(t, "POST", "/v1/billing/portal-sessions", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, 409)
	if res.Code(t) != "no_customer" {
		t.Fatalf("code %q", res.Code(t))
	}
	env.Do(t, "POST", "/v1/billing/portal-sessions", nil, testenv.WithBearer(memberTok)).Expect(t, 403)

	s := subscribe(t, env, org.ID, "active", 5) // links the customer
	var p map[string]any
	env.Do(t, "POST", "/v1/billing/portal-sessions", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, 201).Decode(t, &p)
	if p["url"] == "" {
		t.Fatal("no portal url")
	}
	env.Do(t, "POST", "/v1/billing/portal-sessions", map[string]any{"return_url": "https://app.acme.test/billing"}, testenv.WithBearer(org.OwnerToken)).Expect(t, 201)
	env.Do(t, "POST", "/v1/billing/portal-sessions", map[string]any{"return_url": "ftp://nope"}, testenv.WithBearer(org.OwnerToken)).Expect(t, 422)

	calls := env.Stripe.Find("POST", "/v1/billing_portal/sessions")
	if len(calls) != 2 {
		t.Fatalf("%d portal sessions", len(calls))
	}
	if calls[0].Form.Get("customer") != s.Customer || calls[0].Form.Get("return_url") != "http://onramp.test/billing" ||
		calls[1].Form.Get("return_url") != "https://app.acme.test/billing" || calls[0].IdempotencyKey == "" {
		t.Fatalf("portal calls %v / %v", calls[0].Form, calls[1].Form)
	}
}

func TestSubscriptionIsScopedToTheCallersOrganization(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	a := env.NewOrg(t, testenv.OrgOptions{})
	b := env.NewOrg(t, testenv.OrgOptions{})
	subscribe(t, env, a.ID, "active", 5)
	env.Do(t, "GET", "/v1/billing/subscription", nil, testenv.WithBearer(b.OwnerToken)).Expect(t, 404)
	var ent map[string]any
	env.Do(t, "GET", "/v1/entitlements", nil, testenv.WithBearer(b.OwnerToken)).Expect(t, 200).Decode(t, &ent)
	if ent["active"] != false || ent["status"] != "none" || ent["seats"] != float64(0) || ent["seats_used"] != float64(1) {
		t.Fatalf("entitlements before any subscription %v", ent)
	}
	if st := billingStatus(t, env, b.ID); st != "none" {
		t.Fatalf("billing_status %q", st)
	}
	env.Do(t, "GET", "/v1/entitlements", nil).Expect(t, 401)

	planA, err := env.App.Billing.PlanID(context.Background(), env.DB, a.ID)
	if err != nil || planA != "standalone-monthly" {
		t.Fatalf("PlanID(a) = %q, %v", planA, err)
	}
	if planB, err := env.App.Billing.PlanID(context.Background(), env.DB, b.ID); err != nil || planB != "" {
		t.Fatalf("PlanID(b) = %q, %v", planB, err)
	}
	if _, err := env.App.Billing.Subscription(context.Background(), b.ID); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("Subscription(b) err %v", err)
	}
}

func TestChangeSeats(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	_, memberTok := env.NewMember(t, org.ID, "member")
	patch := func(tok string, body any) *testenv.Response {
		return env.Do(t, "PATCH", "/v1/billing/subscription", body, testenv.WithBearer(tok))
	}
	patch(org.OwnerToken, map[string]any{"seats": 5}).Expect(t, 404)

	s := subscribe(t, env, org.ID, "active", 5)
	env.NewMember(t, org.ID, "member")
	env.NewMember(t, org.ID, "admin")
	// 4 members and one pending invitation hold 5 seats.
	if _, err := env.DB.Pool.Exec(context.Background(), `INSERT INTO invitations (id, organization_id, email, role, token_hash, expires_at)
		VALUES (gen_random_uuid(), $1, 'pending@example.test', 'member', 'h1', now() + interval '1 day')`, org.ID); err != nil {
		t.Fatal(err)
	}

	patch(memberTok, map[string]any{"seats": 8}).Expect(t, 403)
	res := patch(org.OwnerToken, map[string]any{"seats": 4}).Expect(t, 409)
	if res.Code(t) != "seats_below_members" {
		t.Fatalf("code %q", res.Code(t))
	}
	patch(org.OwnerToken, map[string]any{"seats": 501}).Expect(t, 422)
	patch(org.OwnerToken, map[string]any{}).Expect(t, 422)
	if n := len(env.Stripe.Find("POST", "/v1/subscription_items")); n != 0 {
		t.Fatalf("refused changes reached Stripe %d times", n)
	}

	var got map[string]any
	patch(org.OwnerToken, map[string]any{"seats": 8}).Expect(t, 200).Decode(t, &got)
	if got["seats"] != float64(8) || got["seats_used"] != float64(5) {
		t.Fatalf("after change %v", got)
	}
	calls := env.Stripe.Find("POST", "/v1/subscription_items/si_"+s.ID)
	if len(calls) != 1 || calls[0].Form.Get("quantity") != "8" || calls[0].Form.Get("proration_behavior") != "create_prorations" || calls[0].IdempotencyKey == "" {
		t.Fatalf("stripe calls %+v", calls)
	}
	env.Do(t, "GET", "/v1/billing/subscription", nil, testenv.WithBearer(memberTok)).Expect(t, 200).Decode(t, &got)
	if got["seats"] != float64(8) {
		t.Fatalf("stored seats %v", got["seats"])
	}
	// Dropping to exactly the seats in use is allowed.
	patch(org.OwnerToken, map[string]any{"seats": 5}).Expect(t, 200)
}

// The seat policy accounts calls when inviting: free before a
// subscription, bounded by its seats after.
func TestSeatPolicy(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	var policy account.SeatPolicy = env.App.Billing.SeatPolicy()
	check := func() error {
		return env.DB.InTx(context.Background(), func(tx *database.Tx) error {
			if err := tx.Exec(`SELECT 1 FROM organizations WHERE id = ? FOR UPDATE`, org.ID).Error; err != nil {
				return err
			}
			return policy.CheckSeat(context.Background(), tx, org.ID)
		})
	}
	for i := 0; i < 4; i++ {
		env.NewMember(t, org.ID, "member")
	}
	if err := check(); err != nil {
		t.Fatalf("before any subscription: %v", err)
	}
	subscribe(t, env, org.ID, "active", 6) // 5 members now
	if err := check(); err != nil {
		t.Fatalf("5 of 6 seats used: %v", err)
	}
	env.NewMember(t, org.ID, "member")
	if err := check(); !apperr.HasReason(err, "seats_exhausted") {
		t.Fatalf("6 of 6 seats used: %v", err)
	}
}

func TestBillingRoutesWithoutStripeKey(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.StripeSecretKey = "" })
	org := env.NewOrg(t, testenv.OrgOptions{})
	res := env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 3},
		testenv.WithBearer(org.OwnerToken)).Expect(t, 503)
	if !strings.Contains(res.Map(t)["detail"].(string), "not configured") {
		t.Fatalf("detail %s", res.Body)
	}
}

// A refused key (stripe-mock echoes it back in its 401) never reaches the
// logs or the caller.
func TestStripeKeyNeverLogged(t *testing.T) {
	t.Parallel()
	const key = "sk_test_onramp_refused_key"
	env := testenv.New(t, func(c *config.Config) { c.StripeSecretKey = key })
	org := env.NewOrg(t, testenv.OrgOptions{})
	res := env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 3},
		testenv.WithBearer(org.OwnerToken))
	if res.Status != 503 {
		t.Fatalf("status %d with a refused key", res.Status)
	}
	if n := len(env.Stripe.Find("POST", "/v1/customers")); n == 0 {
		t.Fatal("Stripe was never called")
	}
	if strings.Contains(env.Log.String(), "onramp_refused_key") || strings.Contains(string(res.Body), "onramp_refused_key") {
		t.Fatalf("the key leaked:\n%s", env.Log.String())
	}
}

// Wired end to end: invitations are free before a subscription and bound
// by its seats after; adding seats makes room again.
func TestInvitationsAreBoundBySeats(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	invite := func(email string) *testenv.Response {
		return env.Do(t, "POST", "/v1/organization/invitations", map[string]any{"email": email, "role": "member"}, testenv.WithBearer(org.OwnerToken))
	}
	invite("a@example.test").Expect(t, 201)
	invite("b@example.test").Expect(t, 201)
	invite("c@example.test").Expect(t, 201) // no subscription yet: seats are free

	subscribe(t, env, org.ID, "active", 4) // owner + 3 pending = 4 of 4
	res := invite("d@example.test").Expect(t, 409)
	if res.Code(t) != "seats_exhausted" {
		t.Fatalf("code %q", res.Code(t))
	}
	env.Do(t, "PATCH", "/v1/billing/subscription", map[string]any{"seats": 5}, testenv.WithBearer(org.OwnerToken)).Expect(t, 200)
	invite("d@example.test").Expect(t, 201)
	invite("e@example.test").Expect(t, 409)
}

// TestCheckoutCoversTheSeatsAlreadyHeld: members and pending invitations
// hold seats before any subscription; a checkout must buy at least that
// many, and Checkout's quantity picker cannot go below them either.
func TestCheckoutCoversTheSeatsAlreadyHeld(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	for range 3 {
		env.NewMember(t, org.ID, "member")
	}
	if _, err := env.DB.Pool.Exec(context.Background(), `INSERT INTO invitations (id, organization_id, email, role, token_hash, expires_at)
		VALUES (gen_random_uuid(), $1, 'pending@example.test', 'member', 'h1', now() + interval '1 day')`, org.ID); err != nil {
		t.Fatal(err)
	}
	// Owner, 3 members and 1 pending invitation: 5 seats held.
	res := env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 4},
		testenv.WithBearer(org.OwnerToken)).Expect(t, 409)
	if res.Code(t) != "seats_below_members" {
		t.Fatalf("code %q", res.Code(t))
	}
	if n := len(env.Stripe.Find("POST", "/v1/checkout/sessions")); n != 0 {
		t.Fatalf("a refused checkout reached Stripe %d times", n)
	}
	env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 6},
		testenv.WithBearer(org.OwnerToken)).Expect(t, 201)
	sessions := env.Stripe.Find("POST", "/v1/checkout/sessions")
	if len(sessions) != 1 || sessions[0].Form.Get("line_items[0][adjustable_quantity][minimum]") != "5" {
		t.Fatalf("checkout sessions %d, minimum %q", len(sessions), sessions[0].Form.Get("line_items[0][adjustable_quantity][minimum]"))
	}
}
