package api_test

import (
	"net/http"
	"testing"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// Checkout and the billing portal open in the caller's language, and the
// Stripe customer prefers its first owner's.
func TestStripeOpensInTheCallersLanguage(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	_, adminTok := env.NewMember(t, org.ID, "admin") // never said: DEFAULT_LOCALE, en
	patchMe(t, env, org.OwnerToken, map[string]any{"locale": "fr"}).Expect(t, http.StatusOK)

	// The admin opens the first checkout: in English, for a customer that
	// prefers the owner's French.
	env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 3},
		testenv.WithBearer(adminTok)).Expect(t, http.StatusCreated)
	customers := env.Stripe.Find("POST", "/v1/customers")
	if len(customers) != 1 || customers[0].Form.Get("preferred_locales[0]") != "fr" || customers[0].Form.Has("preferred_locales[1]") {
		t.Fatalf("customer creation %v", customers)
	}
	if got := stripeCalls(env, "POST", "/v1/checkout/sessions")[0].Form.Get("locale"); got != "en" {
		t.Errorf("the admin's checkout locale %q, want en", got)
	}

	env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 3},
		testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusCreated)
	if got := stripeCalls(env, "POST", "/v1/checkout/sessions")[1].Form.Get("locale"); got != "fr" {
		t.Errorf("the owner's checkout locale %q, want fr", got)
	}

	env.Do(t, "POST", "/v1/billing/portal-sessions", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusCreated)
	env.Do(t, "POST", "/v1/billing/portal-sessions", nil, testenv.WithBearer(adminTok)).Expect(t, http.StatusCreated)
	portals := env.Stripe.Find("POST", "/v1/billing_portal/sessions")
	if len(portals) != 2 || portals[0].Form.Get("locale") != "fr" || portals[1].Form.Get("locale") != "en" {
		t.Fatalf("portal sessions %v", portals)
	}
}

// A customer whose owner never said their language prefers the language of
// whoever opened the first checkout: DEFAULT_LOCALE when they never said
// theirs either.
func TestStripeCustomerFallsBackToTheCallersLanguage(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.DefaultLocale = mail.French })
	org := env.NewOrg(t, testenv.OrgOptions{})
	env.Do(t, "POST", "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 3},
		testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusCreated)
	if got := env.Stripe.Find("POST", "/v1/customers")[0].Form.Get("preferred_locales[0]"); got != "fr" {
		t.Errorf("customer preferred locale %q, want DEFAULT_LOCALE fr", got)
	}
	if got := stripeCalls(env, "POST", "/v1/checkout/sessions")[0].Form.Get("locale"); got != "fr" {
		t.Errorf("checkout locale %q, want DEFAULT_LOCALE fr", got)
	}
}
