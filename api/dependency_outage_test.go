package api_test

import (
	"testing"
	"time"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// With the database gone, requests are answered 503 dependency_unavailable
// with Retry-After (the client's 2 s timeout would fail a request that
// waited instead), /readyz says so too, and once the database is back the
// same server serves again, without a restart.
func TestTheDatabaseGoneAnswers503AndTheServerRecovers(t *testing.T) {
	t.Parallel()
	db, proxy := dbtest.NewThroughProxy(t)
	env := testenv.NewOn(t, db)
	org := env.NewOrg(t, testenv.OrgOptions{})
	env.Do(t, "GET", "/v1/onboarding/checklist", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, 200)

	for _, outage := range []struct {
		name  string
		start func()
	}{{"refused", proxy.Cut}, {"silent", proxy.Silence}} {
		outage.start()
		for _, path := range []string{"/readyz", "/v1/onboarding/checklist"} {
			res := env.Do(t, "GET", path, nil, testenv.WithBearer(org.OwnerToken), testenv.WithTimeout(2*time.Second)).Expect(t, 503)
			if res.Code(t) != "dependency_unavailable" || res.Header.Get("Retry-After") != "5" {
				t.Fatalf("%s, %s: code %q, Retry-After %q; want dependency_unavailable, 5", outage.name, path, res.Code(t), res.Header.Get("Retry-After"))
			}
		}
		env.Do(t, "GET", "/healthz", nil).Expect(t, 200)
		proxy.Restore(t)
		// A pooled connection the outage broke may fail once more; then
		// the pool has reconnected.
		for _, path := range []string{"/readyz", "/v1/onboarding/checklist"} {
			for attempt := 0; ; attempt++ {
				if res := env.Do(t, "GET", path, nil, testenv.WithBearer(org.OwnerToken)); res.Status == 200 {
					break
				} else if attempt == 3 {
					t.Fatalf("after the %s outage, %s: %d %s", outage.name, path, res.Status, res.Code(t))
				}
			}
		}
	}
}

// A Stripe that does not answer within STRIPE_TIMEOUT (stripe-go's
// retries included) is answered like a Stripe that is down: 503
// dependency_unavailable with Retry-After, and nothing stored.
func TestAStripeTimeoutAnswers503(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.StripeTimeout = 200 * time.Millisecond })
	org := env.NewOrg(t, testenv.OrgOptions{})
	for range 3 { // the first try and stripe-go's two retries
		_, release := env.Stripe.Hold("POST", "/v1/customers")
		defer release()
	}
	res := env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 3},
		testenv.WithBearer(org.OwnerToken), testenv.WithTimeout(10*time.Second)).Expect(t, 503)
	if res.Code(t) != "dependency_unavailable" || res.Header.Get("Retry-After") != "10" {
		t.Fatalf("code %q, Retry-After %q; want dependency_unavailable, 10", res.Code(t), res.Header.Get("Retry-After"))
	}
	if n := countRows(t, env, `SELECT count(*) FROM billing_customers`); n != 0 {
		t.Fatalf("%d customers stored though Stripe never answered", n)
	}
}
