package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/testing/stripemock"
)

// A second `onramp stripe setup` changes nothing. stripe-mock keeps no
// state, so the second run is answered with what the first one made, as
// real Stripe would answer it: its lookups find the prices (by lookup key),
// the portal configuration (by its features) and the webhook endpoint (by
// URL, already subscribed to every event), so it sends no write at all.
func TestStripeSetupSecondRunChangesNothing(t *testing.T) {
	t.Parallel()
	const hook = "https://onramp.example.com/v1/webhooks/stripe"
	setup := func(proxy *stripemock.Proxy) (string, string) {
		t.Helper()
		env := getenvFrom(map[string]string{"STRIPE_SECRET_KEY": "sk_test_onrampSetup", "STRIPE_API_BASE": proxy.URL, "PLANS_FILE": "../../dev/plans.yaml"})
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"stripe", "setup", "--webhook-url", hook}, env, &stdout, &stderr); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	first := stripemock.NewProxy(t)
	plans, _ := setup(first)
	made := func(path string) []map[string]any {
		var out []map[string]any
		for _, r := range first.Find("POST", path) {
			var obj map[string]any
			if err := json.Unmarshal(r.Response, &obj); err != nil || r.Status != 200 {
				t.Fatalf("%s answered %d %s", path, r.Status, r.Response)
			}
			out = append(out, obj)
		}
		return out
	}
	prices, portals, hooks := made("/v1/prices"), made("/v1/billing_portal/configurations"), made("/v1/webhook_endpoints")
	// stripe-mock echoes the parameters it was sent into what it answers,
	// but not a price's nested recurring interval (its fixture says
	// month): put back the one the first run sent, as Stripe would answer.
	for i, r := range first.Find("POST", "/v1/prices") {
		prices[i]["recurring"].(map[string]any)["interval"] = r.Form.Get("recurring[interval]")
	}
	if len(prices) != 2 || len(portals) != 1 || len(hooks) != 1 {
		t.Fatalf("the first run made %d prices, %d portal configurations, %d webhook endpoints", len(prices), len(portals), len(hooks))
	}

	second := stripemock.NewProxy(t)
	list := func(items []map[string]any) map[string]any {
		data := make([]any, len(items))
		for i := range items {
			data[i] = items[i]
		}
		return map[string]any{"object": "list", "data": data, "has_more": false}
	}
	second.Answer("GET", "/v1/prices", func(r stripemock.Request) (int, any) {
		var match []map[string]any
		for _, p := range prices {
			if p["lookup_key"] == r.Query.Get("lookup_keys[0]") {
				match = append(match, p)
			}
		}
		return 200, list(match)
	})
	second.Answer("GET", "/v1/billing_portal/configurations", func(stripemock.Request) (int, any) { return 200, list(portals) })
	second.Answer("GET", "/v1/webhook_endpoints", func(stripemock.Request) (int, any) { return 200, list(hooks) })
	again, stderr := setup(second)

	for _, r := range second.Requests() {
		if r.Method != "GET" {
			t.Errorf("the second run sent %s %s", r.Method, r.Path)
		}
	}
	if !strings.Contains(stderr, "nothing changed") || !strings.Contains(stderr, "STRIPE_PORTAL_CONFIGURATION="+portals[0]["id"].(string)) {
		t.Fatalf("second run said:\n%s", stderr)
	}
	if again != plans {
		t.Fatalf("the second run printed other plans:\n%s\nthe first:\n%s", again, plans)
	}
}
