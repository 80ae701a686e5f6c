package main

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/testing/dbtest"
)

func getenvFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	url := dbtest.NewURL(t) // already migrated from the template: both runs must be no-ops
	env := getenvFrom(map[string]string{"DATABASE_URL": url, "LOG_FORMAT": "text"})
	for i := 0; i < 2; i++ {
		var stderr bytes.Buffer
		if code := run(context.Background(), []string{"migrate"}, env, &bytes.Buffer{}, &stderr); code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, code, stderr.String())
		}
		if strings.Contains(stderr.String(), "applied migration") {
			t.Fatalf("run %d applied migrations on an up-to-date database:\n%s", i, stderr.String())
		}
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no migration recorded")
	}
}

func TestMigrateAppliesToAnEmptyDatabase(t *testing.T) {
	t.Parallel()
	admin, err := dbtest.AdminURL()
	if err != nil {
		t.Fatal(err)
	}
	url := dbtest.NewEmptyURL(t, admin)
	env := getenvFrom(map[string]string{"DATABASE_URL": url, "LOG_FORMAT": "text"})
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"migrate"}, env, &bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "00001_accounts.sql") {
		t.Fatalf("first migration not reported:\n%s", stderr.String())
	}
}

func TestConfigurationProblemsExitWithUsageCode(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"serve"}, getenvFrom(map[string]string{"SIGNUP_RATE_LIMIT": "x"}), &bytes.Buffer{}, &stderr)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	for _, want := range []string{"DATABASE_URL is required", "SIGNUP_RATE_LIMIT", "PLANS_FILE"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"frobnicate"}, getenvFrom(nil), &bytes.Buffer{}, &stderr); code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "usage: onramp") {
		t.Fatalf("no usage shown:\n%s", stderr.String())
	}
}
