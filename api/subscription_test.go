// Tests of the subscription routes: portal, subscription, seats and the seat policy.

package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/testing/testenv"
)

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
	if _, err := env.DB.Pool.Exec(context.Background(), `INSERT INTO invitations (id, organization_id, email, role, locale, token_hash, expires_at)
		VALUES (gen_random_uuid(), $1, 'pending@example.test', 'member', 'en', 'h1', now() + interval '1 day')`, org.ID); err != nil {
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
	if _, err := env.DB.Pool.Exec(context.Background(), `INSERT INTO invitations (id, organization_id, email, role, locale, token_hash, expires_at)
		VALUES (gen_random_uuid(), $1, 'pending@example.test', 'member', 'en', 'h1', now() + interval '1 day')`, org.ID); err != nil {
		t.Fatal(err)
	}
	// Owner, 3 members and 1 pending invitation: 5 seats held.
	res := env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 4},
		testenv.WithBearer(org.OwnerToken)).Expect(t, 409)
	if res.Code(t) != "seats_below_members" {
		t.Fatalf("code %q", res.Code(t))
	}
	if n := len(stripeCalls(env, "POST", "/v1/checkout/sessions")); n != 0 {
		t.Fatalf("a refused checkout reached Stripe %d times", n)
	}
	env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 6},
		testenv.WithBearer(org.OwnerToken)).Expect(t, 201)
	sessions := stripeCalls(env, "POST", "/v1/checkout/sessions")
	if len(sessions) != 1 || sessions[0].Form.Get("line_items[0][adjustable_quantity][minimum]") != "5" {
		t.Fatalf("checkout sessions %d, minimum %q", len(sessions), sessions[0].Form.Get("line_items[0][adjustable_quantity][minimum]"))
	}
}
