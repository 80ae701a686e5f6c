package api_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// withAppURL sets APP_URL.
func withAppURL(raw string) testenv.Option {
	return func(c *config.Config) {
		u, err := url.Parse(raw)
		if err != nil {
			panic(err)
		}
		c.AppURL = u
	}
}

// Checkout and portal send the buyer back only to PUBLIC_URL's or
// APP_URL's origin (scheme, host and port): anything else is a 422 naming
// the field, and Stripe is never called.
func TestRedirectsStayOnOurOrigins(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, withAppURL("https://app.acme.test/home"))
	org := env.NewOrg(t, testenv.OrgOptions{})
	holdCustomer(t, env, org.ID, "cus_redirects") // the portal needs one

	refused := map[string]string{
		"another host":             "https://evil.test/paid",
		"a look-alike host":        "https://app.acme.test.evil.test/paid",
		"another scheme":           "http://app.acme.test/paid",
		"another port":             "https://app.acme.test:8443/paid",
		"public URL's host, https": "https://onramp.test/paid",
		"credentials":              "https://user@app.acme.test/paid",
	}
	for name, u := range refused {
		for _, field := range []string{"success_url", "cancel_url"} {
			res := env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 3, field: u},
				testenv.WithBearer(org.OwnerToken))
			expectFieldError(t, res, name+" "+field, field)
		}
		res := env.Do(t, "POST", "/v1/billing/portal-sessions", map[string]any{"return_url": u}, testenv.WithBearer(org.OwnerToken))
		expectFieldError(t, res, name+" return_url", "return_url")
	}
	if n := len(env.Stripe.Requests()); n != 0 {
		t.Fatalf("refused redirects reached Stripe %d times", n)
	}

	for _, u := range []string{"https://app.acme.test/paid?x=1", "https://APP.acme.test:443/elsewhere", "http://onramp.test/billing/done", "http://onramp.test:80/"} {
		env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 3, "success_url": u, "cancel_url": u},
			testenv.WithBearer(org.OwnerToken)).Expect(t, 201)
		env.Do(t, "POST", "/v1/billing/portal-sessions", map[string]any{"return_url": u}, testenv.WithBearer(org.OwnerToken)).Expect(t, 201)
	}

	// Without APP_URL only PUBLIC_URL's origin is ours.
	plain := testenv.New(t)
	other := plain.NewOrg(t, testenv.OrgOptions{})
	res := plain.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 3, "success_url": "https://app.acme.test/paid"},
		testenv.WithBearer(other.OwnerToken))
	expectFieldError(t, res, "APP_URL unset", "success_url")
}

func expectFieldError(t *testing.T, res *testenv.Response, name, field string) {
	t.Helper()
	if res.Status != 422 {
		t.Errorf("%s: status %d, want 422: %s", name, res.Status, res.Body)
		return
	}
	var p struct {
		Errors []apperr.FieldError `json:"errors"`
	}
	res.Decode(t, &p)
	if len(p.Errors) != 1 || p.Errors[0].Field != field {
		t.Errorf("%s: errors %v, want one on %s", name, p.Errors, field)
	}
}

// holdCustomer stores customerID as org's Stripe customer, as the first
// checkout does before it opens a session.
func holdCustomer(t *testing.T, env *testenv.Env, org uuid.UUID, customerID string) {
	t.Helper()
	if _, err := env.DB.Pool.Exec(context.Background(), `INSERT INTO billing_customers (organization_id, stripe_customer_id) VALUES ($1, $2)
		ON CONFLICT DO NOTHING`, org, customerID); err != nil {
		t.Fatal(err)
	}
}
