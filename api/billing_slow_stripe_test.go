package api_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// A seat change waiting on a slow Stripe does not stall the company's
// product events: POST /v1/events takes the organization's lock, which
// the seat change must not hold while Stripe answers.
func TestSlowStripeDoesNotStallEventIngestion(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	s := subscribe(t, env, org.ID, "active", 5)

	arrived, release := env.Stripe.Hold("POST", "/v1/subscription_items/si_"+s.ID)
	defer release()
	patched := make(chan *testenv.Response, 1)
	go func() {
		patched <- env.Do(t, "PATCH", "/v1/billing/subscription", map[string]any{"seats": 8}, testenv.WithBearer(org.OwnerToken))
	}()
	select {
	case <-arrived:
	case res := <-patched:
		t.Fatalf("the seat change answered %d without calling Stripe: %s", res.Status, res.Body)
	}

	ingested := make(chan *testenv.Response, 1)
	go func() {
		ingested <- env.Do(t, "POST", "/v1/events", map[string]any{"events": []map[string]any{
			{"id": uuid.NewString(), "name": "session_booked", "timestamp": time.Now().UTC().Format(time.RFC3339)},
		}}, testenv.WithBearer(org.OwnerToken))
	}()
	select {
	case res := <-ingested:
		res.Expect(t, 202)
	case <-time.After(10 * time.Second): // a deadline for the failure, not a wait for success
		t.Fatal("POST /v1/events is still waiting for the seat change's Stripe call")
	}

	release()
	(<-patched).Expect(t, 200)
}
