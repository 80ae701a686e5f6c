package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/stripemock"
)

// Plans is the catalog every test service sells.
const Plans = `plans:
  - id: standalone-monthly
    name: Standalone
    description: Unlimited access to psychologists for your team
    stripe_price_id: price_test_monthly
    interval: month
    unit_amount: 1500
    currency: eur
    trial_days: 14
    min_seats: 3
    max_seats: 500
    features: [sessions, workshops]
  - id: team-yearly
    name: Team (yearly)
    description: Sessions and workshops for small teams, billed yearly
    stripe_price_id: price_test_yearly
    interval: year
    unit_amount: 15000
    currency: eur
    trial_days: 0
    min_seats: 1
    max_seats: 20
    features: [sessions]
`

// setupStripe points the service at a recording proxy in front of
// stripe-mock, with a test key, a webhook secret and the test catalog.
func setupStripe(t testing.TB, cfg *config.Config) *stripemock.Proxy {
	t.Helper()
	proxy := stripemock.NewProxy(t)
	cfg.StripeAPIBase = proxy.URL
	cfg.StripeSecretKey = "sk_test_onrampTestEnv"
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	cfg.StripeWebhookSecret = "whsec_test_" + hex.EncodeToString(secret)
	path := filepath.Join(t.TempDir(), "plans.yaml")
	if err := os.WriteFile(path, []byte(Plans), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.PlansFile = path
	return proxy
}

// SendWebhook delivers payload to POST /v1/webhooks/stripe signed with the
// service's webhook secret, as Stripe would, now.
func (e *Env) SendWebhook(t testing.TB, payload []byte) *Response {
	t.Helper()
	return e.SendWebhookSigned(t, payload, e.Config.StripeWebhookSecret, time.Now())
}

// SendWebhookSigned delivers payload signed with secret at time at (for
// wrong-secret and stale-timestamp tests).
func (e *Env) SendWebhookSigned(t testing.TB, payload []byte, secret string, at time.Time) *Response {
	t.Helper()
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at})
	return e.Do(t, "POST", "/v1/webhooks/stripe", Raw(payload), WithHeader("Stripe-Signature", signed.Header))
}
