package main

import (
	"bytes"
	"context"
	"database/sql"
	"regexp"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/testing/dbtest"
)

// `onramp nudges run --dry-run` prints one line per person considered and
// records nothing; without --dry-run the same decision is recorded. The
// command runs on the system clock, so the outcome depends on the hour and
// day in Paris: the test checks the lines' shape and that both runs agree.
func TestNudgesRunPrintsOneLinePerPersonAndDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	url := dbtest.NewURL(t)
	env := getenvFrom(map[string]string{"DATABASE_URL": url, "LOG_FORMAT": "text", "PLANS_FILE": "testdata/plans.yaml"})
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"seed"}, env, &out, &errs); code != 0 {
		t.Fatalf("seed: exit %d: %s", code, errs.String())
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`INSERT INTO organizations (id, name) VALUES ('0190f5a0-0000-7000-8000-000000000001', 'Acme')`,
		`UPDATE onboarding_organizations SET version = (SELECT max(version) FROM onboarding_versions)`,
		`INSERT INTO users (id, email, full_name, password_hash) VALUES ('0190f5a0-0000-7000-8000-000000000002', 'camille@acme.test', 'Camille Durand', 'x')`,
		`INSERT INTO memberships (organization_id, user_id, role, joined_at)
		 VALUES ('0190f5a0-0000-7000-8000-000000000001', '0190f5a0-0000-7000-8000-000000000002', 'member', now() - interval '4 days')`,
		`UPDATE onboarding_members SET joined_at = now() - interval '4 days'`,
		`INSERT INTO nudge_rules (id, key, trigger_type, trigger_step, after_days, max_sends, every_days, holdout_percent, enabled, templates, created_at, updated_at)
		 VALUES (gen_random_uuid(), 'book_first_session', 'member_step_pending', 'first_session_booked', 3, 2, 4, 0, true,
		         '{"en": {"subject": "A moment for yourself", "text": "{{.Link}}"}}', now(), now())`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	line := regexp.MustCompile(`^book_first_session\tcamille@acme\.test\t(sent|held_out|skipped: (cap|quiet_hours|weekend|opted_out|done|billing|max_sends|too_soon))\n$`)

	out.Reset()
	errs.Reset()
	if code := run(context.Background(), []string{"nudges", "run", "--dry-run"}, env, &out, &errs); code != 0 {
		t.Fatalf("dry run: exit %d: %s", code, errs.String())
	}
	dry := out.String()
	if !line.MatchString(dry) || !strings.Contains(errs.String(), "considered 1") {
		t.Fatalf("dry run printed %q (stderr %q)", dry, errs.String())
	}
	var recorded int
	if err := db.QueryRow(`SELECT count(*) FROM nudge_sends`).Scan(&recorded); err != nil || recorded != 0 {
		t.Fatalf("a dry run recorded %d decisions (%v)", recorded, err)
	}

	out.Reset()
	if code := run(context.Background(), []string{"nudges", "run"}, env, &out, &errs); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errs.String())
	}
	if out.String() != dry {
		t.Errorf("the run decided %q, the dry run %q", out.String(), dry)
	}
	if err := db.QueryRow(`SELECT count(*) FROM nudge_sends`).Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if want := map[bool]int{true: 1, false: 0}[!strings.Contains(dry, "skipped")]; recorded != want {
		t.Errorf("%d decisions recorded after %q, want %d", recorded, dry, want)
	}

	if code := run(context.Background(), []string{"nudges", "go"}, env, &out, &errs); code != 2 {
		t.Errorf("nudges go: exit %d, want 2", code)
	}
}
