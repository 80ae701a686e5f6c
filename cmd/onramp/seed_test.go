package main

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/internal/testing/stripemock"
)

func TestSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	url := dbtest.NewURL(t)
	env := getenvFrom(map[string]string{"DATABASE_URL": url, "LOG_FORMAT": "text"})
	for i, want := range []string{"seeded", "nothing to seed"} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"seed"}, env, &stdout, &stderr); code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, code, stderr.String())
		}
		if !strings.Contains(stdout.String(), want) {
			t.Fatalf("run %d said %q, want %q", i, stdout.String(), want)
		}
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var versions, required int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM onboarding_versions), (SELECT cardinality(required_steps) FROM onboarding_activation)`).Scan(&versions, &required); err != nil {
		t.Fatal(err)
	}
	if versions != 1 || required == 0 {
		t.Fatalf("%d versions, %d required steps", versions, required)
	}
	// The seed's definition set the funnel's stages: the funnel reads its
	// rollups at once, not its slow path until a job runs.
	var ready bool
	if err := db.QueryRow(`SELECT ready FROM onboarding_funnel_stages`).Scan(&ready); err != nil || !ready {
		t.Fatalf("funnel stages ready after the seed: %v (%v)", ready, err)
	}
	var help bytes.Buffer
	run(context.Background(), []string{"help"}, env, &help, &bytes.Buffer{})
	if !strings.Contains(help.String(), "\n  seed ") {
		t.Fatal("help does not list seed (scripts/dev-run looks for it)")
	}
}

// make run's path: the checklist and activation definition the console
// shows must be dated before the demo companies signed up, not at the
// moment the command ran.
func TestSeedDemoPublishesTheChecklistBeforeTheFirstSignup(t *testing.T) {
	t.Parallel()
	url := dbtest.NewURL(t)
	env := getenvFrom(map[string]string{"DATABASE_URL": url, "LOG_FORMAT": "text", "PLANS_FILE": "../../dev/plans.yaml",
		"STRIPE_API_BASE": stripemock.URL(t), "STRIPE_SECRET_KEY": "sk_test_demo"})
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"seed", "--demo"}, env, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"seeded the demo onboarding checklist", "added demo data"} {
		if !strings.Contains(stdout.String(), want) {
			t.Fatalf("said %q, want %q", stdout.String(), want)
		}
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var published, defined, firstSignup time.Time
	if err := db.QueryRow(`SELECT (SELECT published_at FROM onboarding_versions WHERE version = 1),
		(SELECT updated_at FROM onboarding_activation), (SELECT min(created_at) FROM organizations)`).Scan(&published, &defined, &firstSignup); err != nil {
		t.Fatal(err)
	}
	if !published.Before(firstSignup) || !defined.Before(firstSignup) {
		t.Fatalf("checklist published %s, activation defined %s: not before the first demo signup, %s", published, defined, firstSignup)
	}
}

func TestSeedDemoNeedsStripeMockAndRefusesProduction(t *testing.T) {
	t.Parallel()
	base := map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "PLANS_FILE": "testdata/plans.yaml"}
	for name, extra := range map[string]map[string]string{
		"no stripe-mock": {},
		// Refused before the configuration: production's secrets are not asked for.
		"production": {"ONRAMP_ENV": "production"},
	} {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for k, v := range extra {
			env[k] = v
		}
		var stderr bytes.Buffer
		code := run(context.Background(), []string{"seed", "--demo"}, getenvFrom(env), &bytes.Buffer{}, &stderr)
		want := map[string]string{"no stripe-mock": "need stripe-mock", "production": "refused with ONRAMP_ENV=production"}[name]
		if code != 1 || !strings.Contains(stderr.String(), want) {
			t.Errorf("%s: exit %d, %s", name, code, stderr.String())
		}
	}
}
