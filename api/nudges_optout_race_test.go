package api_test

import (
	"strings"
	"testing"
)

// An opt-out recorded while a sweep runs holds for the rest of it: the
// sweep reads everyone first and writes in batches of 500, and a person
// who opts out after the read (here, while the first batch commits) must
// not be mailed by a later batch.
func TestAnOptOutDuringASweepHoldsForItsLaterBatches(t *testing.T) {
	t.Parallel()
	w := newNudgeWorld(t)
	w.exec(`INSERT INTO users (id, email, full_name, password_hash, email_verified_at)
		SELECT gen_random_uuid(), 'bulk-' || g || '@example.test', 'Bulk ' || g, 'fixture-no-password', now()
		FROM generate_series(1, 501) AS g`)
	w.exec(`INSERT INTO memberships (organization_id, user_id, role, joined_at)
		SELECT $1, id, 'member', $2 FROM users WHERE email LIKE 'bulk-%'`, w.org.ID, w.clock.Now())
	w.exec(`UPDATE onboarding_members SET joined_at = $2 WHERE organization_id = $1`, w.org.ID, w.clock.Now())
	w.rule("book_first_session", nil)
	// The sweep writes people by their address's hash: the last is in the
	// second batch. They opt out as the first batch's emails are logged.
	last := scalar[string](t, w.env, `SELECT email FROM users WHERE email LIKE 'bulk-%' ORDER BY sha256(convert_to(email, 'UTF8')) DESC LIMIT 1`)
	w.exec(`CREATE FUNCTION opt_out_the_last() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
		    INSERT INTO notification_opt_outs (email_hash, category, opted_out_at)
		    VALUES (sha256(convert_to('` + last + `', 'UTF8')), 'onboarding_tips', now()) ON CONFLICT DO NOTHING;
		    RETURN NULL;
		END $$`)
	w.exec(`CREATE TRIGGER opt_out_the_last AFTER INSERT ON sent_emails FOR EACH STATEMENT EXECUTE FUNCTION opt_out_the_last()`)

	lines := w.sweep("2026-06-04T08:00:00Z")
	if got := lines[last]; got != "skipped: opted_out" {
		t.Errorf("the person who opted out during the sweep: %q, want skipped: opted_out", got)
	}
	if n := w.nudgesSent(last); n != 0 {
		t.Errorf("%d nudges queued to the person who opted out", n)
	}
	sent := 0
	for key, out := range lines {
		if out == "sent" && !strings.Contains(key, " ") { // by email only, not "book_first_session <email>"
			sent++
		}
	}
	if n := scalar[int](t, w.env, `SELECT count(*)::int FROM sent_emails WHERE kind = 'nudge'`); n != sent || sent < 500 {
		t.Errorf("%d nudges queued, %d lines say sent, want the same and every other member", n, sent)
	}
}
