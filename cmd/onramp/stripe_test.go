package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/internal/testing/stripemock"
)

// Against stripe-mock (stateless: every lookup misses or returns its
// fixture), setup runs end to end and prints a plans file the server loads.
func TestStripeSetupPrintsAUsablePlansFile(t *testing.T) {
	t.Parallel()
	proxy := stripemock.NewProxy(t)
	env := getenvFrom(map[string]string{
		"STRIPE_SECRET_KEY": "sk_test_onrampSetup",
		"STRIPE_API_BASE":   proxy.URL,
		"PLANS_FILE":        "../../dev/plans.yaml",
	})
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"stripe", "setup", "--webhook-url", "https://onramp.example.com/v1/webhooks/stripe"}, env, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	catalog, err := billing.ParseCatalog(stdout.Bytes(), true)
	if err != nil {
		t.Fatalf("printed plans do not load: %v\n%s", err, stdout.String())
	}
	if len(catalog.Plans()) != 2 {
		t.Fatalf("plans %v", catalog.Plans())
	}
	for _, p := range catalog.Plans() {
		if !strings.HasPrefix(p.StripePriceID, "price_") || p.StripePriceID == "price_demo_standalone_monthly" {
			t.Errorf("plan %s price %q", p.ID, p.StripePriceID)
		}
	}

	prices := proxy.Find("POST", "/v1/prices")
	if len(prices) != 2 {
		t.Fatalf("%d prices created", len(prices))
	}
	f := prices[0].Form
	if f.Get("lookup_key") != "onramp_standalone-monthly" || f.Get("unit_amount") != "1500" || f.Get("currency") != "eur" ||
		f.Get("recurring[interval]") != "month" || f.Get("product") != "onramp_seats" || prices[0].IdempotencyKey == "" {
		t.Fatalf("price creation %v", f)
	}
	hooks := proxy.Find("POST", "/v1/webhook_endpoints")
	if len(hooks) != 1 {
		t.Fatalf("%d webhook endpoints created", len(hooks))
	}
	h := hooks[0].Form
	if h.Get("api_version") != "2023-10-16" || h.Get("url") != "https://onramp.example.com/v1/webhooks/stripe" {
		t.Fatalf("webhook endpoint %v", h)
	}
	for i, e := range billing.HandledEvents {
		if got := h["enabled_events["+strconv.Itoa(i)+"]"]; len(got) != 1 || got[0] != e {
			t.Errorf("enabled_events[%d] = %v, want %s", i, got, e)
		}
	}
	for _, e := range []string{"customer.subscription.trial_will_end", "invoice.finalized", "invoice.paid", "invoice.payment_failed", "invoice.voided"} {
		if !slices.Contains(billing.HandledEvents, e) {
			t.Errorf("the webhook endpoint is not subscribed to %s", e)
		}
	}
	portals := proxy.Find("POST", "/v1/billing_portal/configurations")
	if len(portals) != 1 {
		t.Fatalf("%d portal configurations created", len(portals))
	}
	pf := portals[0].Form
	if pf.Get("features[customer_update][enabled]") != "true" || pf.Get("features[customer_update][allowed_updates][3]") != "tax_id" ||
		pf.Get("features[invoice_history][enabled]") != "true" || pf.Get("features[payment_method_update][enabled]") != "true" ||
		pf.Get("features[subscription_cancel][mode]") != "at_period_end" || pf.Has("features[subscription_update][enabled]") {
		t.Fatalf("portal configuration %v", pf)
	}
	if !strings.Contains(stderr.String(), "STRIPE_PORTAL_CONFIGURATION=bpc_") {
		t.Fatalf("no portal configuration line:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "STRIPE_WEBHOOK_SECRET") {
		t.Fatalf("no webhook secret line:\n%s", stderr.String())
	}
	// The printed file is what the server is started with.
	path := filepath.Join(t.TempDir(), "plans.yaml")
	if err := os.WriteFile(path, stdout.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := billing.LoadCatalog(path); err != nil {
		t.Fatal(err)
	}
}

func TestStripeSetupNeedsAKey(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"stripe", "setup"}, getenvFrom(map[string]string{"PLANS_FILE": "../../dev/plans.yaml"}), &bytes.Buffer{}, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "STRIPE_SECRET_KEY is required") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
}

// A bad PLANS_FILE stops the server before it listens, saying why.
func TestServeRefusesABadPlansFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "plans.yaml")
	if err := os.WriteFile(path, []byte("plans:\n  - id: x\n    name: X\n    stripe_price_id: p\n    interval: weekly\n    currency: eur\n    min_seats: 1\n    max_seats: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := getenvFrom(map[string]string{
		"DATABASE_URL": dbtest.NewURL(t), "HTTP_ADDR": "127.0.0.1:0", "PLANS_FILE": path,
	})
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve"}, env, &bytes.Buffer{}, &stderr)
	if code == 0 || !strings.Contains(stderr.String(), "PLANS_FILE "+path) || !strings.Contains(stderr.String(), "interval must be month or year") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
}
