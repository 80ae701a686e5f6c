package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// devEnv starts the whole service on a test server over a fresh database
// and returns it with the environment `scripts/onramp` would give the dev
// commands for it.
func devEnv(t *testing.T) (*testenv.Env, func(string) string) {
	t.Helper()
	url := dbtest.NewURL(t)
	db, err := database.Open(context.Background(), url, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	env := testenv.NewOn(t, db)
	return env, getenvFrom(map[string]string{
		"DATABASE_URL": url, "LOG_FORMAT": "text", "PUBLIC_URL": env.URL,
		"PLANS_FILE": env.Config.PlansFile, "STRIPE_WEBHOOK_SECRET": env.Config.StripeWebhookSecret,
	})
}

// runDev runs one command and returns its exit code and output.
func runDev(getenv func(string) string, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, getenv, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestDevStripeEventAppliesOnceThenDuplicate(t *testing.T) {
	t.Parallel()
	env, getenv := devEnv(t)
	owner := env.Signup(t, testenv.SignupOptions{})
	org := owner.Organization.ID.String()
	bearer := testenv.WithBearer(owner.AccessToken)

	// No checkout yet: no Stripe customer to speak of.
	code, _, stderr := runDev(getenv, "dev", "stripe-event", "subscription.created", "--org", org)
	if code != 1 || !strings.Contains(stderr, "has opened no checkout") {
		t.Fatalf("before checkout: exit %d, %s", code, stderr)
	}

	env.Do(t, http.MethodPost, "/v1/billing/checkout-sessions", map[string]any{"plan_id": "standalone-monthly", "seats": 5}, bearer).
		Expect(t, http.StatusCreated)
	for i, want := range []string{`"outcome":"applied"`, `"outcome":"duplicate"`} {
		code, stdout, stderr := runDev(getenv, "dev", "stripe-event", "subscription.created", "--org", org)
		if code != 0 || !strings.Contains(stdout, "server answered 200") || !strings.Contains(stdout, want) {
			t.Fatalf("send %d: exit %d, %s%s", i, code, stdout, stderr)
		}
	}
	var sub struct {
		Status string `json:"status"`
		Seats  int    `json:"seats"`
		PlanID string `json:"plan_id"`
	}
	env.Do(t, http.MethodGet, "/v1/billing/subscription", nil, bearer).Expect(t, http.StatusOK).Decode(t, &sub)
	if sub.Status != "trialing" || sub.Seats != 5 || sub.PlanID != "standalone-monthly" {
		t.Fatalf("subscription %+v", sub)
	}

	for _, kind := range []string{"trial.ending", "invoice.paid"} {
		if code, stdout, stderr := runDev(getenv, "dev", "stripe-event", kind, "--org", org); code != 0 || !strings.Contains(stdout, `"outcome":"applied"`) {
			t.Fatalf("%s: exit %d, %s%s", kind, code, stdout, stderr)
		}
	}
	var invoices struct {
		Items []struct {
			Status     string `json:"status"`
			AmountPaid int    `json:"amount_paid"`
		} `json:"items"`
	}
	env.Do(t, http.MethodGet, "/v1/billing/invoices", nil, bearer).Expect(t, http.StatusOK).Decode(t, &invoices)
	if len(invoices.Items) != 1 || invoices.Items[0].Status != "paid" || invoices.Items[0].AmountPaid != 5*1500 {
		t.Fatalf("invoices %+v", invoices)
	}
	// The payment failing after it was paid is news of the past: stored, not applied.
	if code, stdout, _ := runDev(getenv, "dev", "stripe-event", "payment.failed", "--org", org); code != 0 || !strings.Contains(stdout, `"outcome":"stale"`) {
		t.Fatalf("payment.failed after paid: exit %d, %s", code, stdout)
	}
}

func TestDevStripeEventUsage(t *testing.T) {
	t.Parallel()
	getenv := getenvFrom(nil) // refused before any configuration is read
	code, _, stderr := runDev(getenv, "dev", "stripe-event", "customer.deleted", "--org", "0190e6a3-0000-7000-8000-000000000000")
	if code != 2 {
		t.Fatalf("unknown type: exit %d", code)
	}
	for _, kind := range []string{"subscription.created", "invoice.paid", "payment.failed", "trial.ending"} {
		if !strings.Contains(stderr, kind) {
			t.Errorf("the usage error does not list %s:\n%s", kind, stderr)
		}
	}
	if code, _, stderr := runDev(getenv, "dev", "stripe-event", "invoice.paid", "--org", "acme"); code != 2 || !strings.Contains(stderr, "UUID") {
		t.Fatalf("bad org: exit %d, %s", code, stderr)
	}
}

var printedPassword = regexp.MustCompile(`password  (\S+)`)

func TestDevStaffPrintsAWorkingLoginAndRenewsIt(t *testing.T) {
	t.Parallel()
	env, getenv := devEnv(t)
	var passwords []string
	for i, want := range []string{"created staff user", "new password for staff user"} {
		code, stdout, stderr := runDev(getenv, "dev", "staff")
		if code != 0 || !strings.Contains(stdout, want) || !strings.Contains(stdout, "pm@onramp.local") ||
			!strings.Contains(stdout, env.URL+"/console/") {
			t.Fatalf("run %d: exit %d, %s%s", i, code, stdout, stderr)
		}
		m := printedPassword.FindStringSubmatch(stdout)
		if m == nil {
			t.Fatalf("run %d printed no password:\n%s", i, stdout)
		}
		passwords = append(passwords, m[1])
	}
	if passwords[0] == passwords[1] {
		t.Fatal("the second run kept the password")
	}
	if s := env.Login(t, "pm@onramp.local", passwords[1]); !s.User.Staff {
		t.Fatalf("not a staff login: %+v", s.User)
	}
	env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": "pm@onramp.local", "password": passwords[0]}).
		Expect(t, http.StatusUnauthorized)
}

func TestDevCommandsRefuseProduction(t *testing.T) {
	t.Parallel()
	getenv := getenvFrom(map[string]string{"ONRAMP_ENV": "production", "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"})
	for _, args := range [][]string{{"dev", "staff"}, {"dev", "stripe-event", "invoice.paid", "--org", "0190e6a3-0000-7000-8000-000000000000"}} {
		if code, _, stderr := runDev(getenv, args...); code != 1 || !strings.Contains(stderr, "refused with ONRAMP_ENV=production") {
			t.Errorf("%v: exit %d, %s", args, code, stderr)
		}
	}
}
