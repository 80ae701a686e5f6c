package main

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/testing/dbtest"
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
