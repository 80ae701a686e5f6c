package api_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// Two checkouts of one organization at once open one Checkout session:
// the second waits for the first (which is in the middle of its Stripe
// call) and gets its session back. Meanwhile the organization's own lock
// stays free: its product events go on.
func TestConcurrentCheckoutsOpenOneSession(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	body := map[string]any{"plan_id": "standalone-monthly", "seats": 5}

	arrived, release := env.Stripe.Hold("POST", "/v1/checkout/sessions")
	defer release()
	results := make(chan *testenv.Response, 2)
	checkout := func() {
		results <- env.Do(t, "POST", "/v1/billing/checkout-sessions", body, testenv.WithBearer(org.OwnerToken))
	}
	go checkout()
	select {
	case <-arrived:
	case res := <-results:
		t.Fatalf("the first checkout answered %d without calling Stripe: %s", res.Status, res.Body)
	}
	go checkout()
	waitForLockWait(t, env, "pg_advisory_lock")

	env.Do(t, "POST", "/v1/events", map[string]any{"events": []map[string]any{
		{"id": uuid.NewString(), "name": "session_booked", "timestamp": time.Now().UTC().Format(time.RFC3339)},
	}}, testenv.WithBearer(org.OwnerToken)).Expect(t, 202)

	release()
	first, second := (<-results).Expect(t, 201).Map(t), (<-results).Expect(t, 201).Map(t)
	if first["id"] != second["id"] || first["url"] != second["url"] || first["expires_at"] != second["expires_at"] {
		t.Fatalf("two sessions: %v and %v", first, second)
	}
	if n := len(stripeCalls(env, "POST", "/v1/checkout/sessions")); n != 1 {
		t.Fatalf("%d Checkout sessions created in Stripe, want 1", n)
	}
	if n := countRows(t, env, `SELECT count(*) FROM checkout_sessions WHERE organization_id = $1`, org.ID); n != 1 {
		t.Fatalf("%d sessions stored, want 1", n)
	}
}
