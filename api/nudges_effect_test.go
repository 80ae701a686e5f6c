package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// A holdout keeps its share of the people out, records them, mails none
// of them, and keeps them out on the next sweep.
func TestHoldoutPeopleAreRecordedAndNeverMailed(t *testing.T) {
	t.Parallel()
	w := newNudgeWorld(t)
	for range 40 {
		w.member("")
	}
	w.rule("book_first_session", func(b map[string]any) { b["holdout_percent"] = 50 })
	first := w.sweep("2026-06-04T08:00:00Z")
	held := scalar[int](t, w.env, `SELECT count(*)::int FROM nudge_sends WHERE outcome = 'held_out'`)
	sent := scalar[int](t, w.env, `SELECT count(*)::int FROM nudge_sends WHERE outcome = 'sent'`)
	if held < 8 || held > 32 || held+sent != 40 {
		t.Fatalf("held out %d, sent %d of 40 at 50%%", held, sent)
	}
	if n := scalar[int](t, w.env, `SELECT count(*)::int FROM sent_emails WHERE kind = 'nudge'`); n != sent {
		t.Errorf("%d nudges queued for %d sent", n, sent)
	}
	second := w.sweep("2026-06-08T08:00:00Z")
	for email, out := range first {
		if out == "held_out" && second[email] != "held_out" {
			t.Errorf("%s held out, then %q", email, second[email])
		}
	}
	if n := scalar[int](t, w.env, `SELECT count(*)::int FROM nudge_sends WHERE outcome = 'held_out'`); n != held {
		t.Errorf("held out rows went from %d to %d", held, n)
	}
}

// effect over a hand-made history: 20 people mailed, 10 of whom booked
// within 7 days of it (and 2 more after); 20 held out, 5 of whom booked
// within 7 days; decisions outside the range or second attempts do not
// count.
func TestNudgeEffectEqualsAHandComputedFixture(t *testing.T) {
	t.Parallel()
	w := newNudgeWorld(t)
	w.rule("book_first_session", nil)
	ruleID := scalar[string](t, w.env, `SELECT id::text FROM nudge_rules WHERE key = 'book_first_session'`)
	decide := func(outcome, at string, attempt int, bookedAt string) {
		id, _, email := w.member("")
		w.exec(`INSERT INTO nudge_sends (rule_id, organization_id, person, attempt, outcome, decided_at, user_id, step)
		        VALUES ($1, $2, sha256(convert_to($3, 'UTF8')), $4, $5, $6, $7, 'first_session_booked')`,
			ruleID, w.org.ID, email, attempt, outcome, at, id)
		if bookedAt != "" {
			progress, _ := json.Marshal(map[string]any{"first_session_booked": map[string]any{"count": 1, "completed_at": bookedAt, "how": "event"}})
			w.exec(`UPDATE onboarding_members SET progress = $3 WHERE organization_id = $1 AND user_id = $2`, w.org.ID, id, progress)
		}
	}
	for i := range 20 {
		switch {
		case i < 10:
			decide("sent", "2026-05-10T10:00:00Z", 1, "2026-05-16T10:00:00Z") // 6 days later
		case i < 12:
			decide("sent", "2026-05-10T10:00:00Z", 1, "2026-05-18T10:00:00Z") // 8 days later: too late
		default:
			decide("sent", "2026-05-10T10:00:00Z", 1, "")
		}
	}
	for i := range 20 {
		if i < 5 {
			decide("held_out", "2026-05-12T10:00:00Z", 1, "2026-05-13T10:00:00Z")
		} else {
			decide("held_out", "2026-05-12T10:00:00Z", 1, "")
		}
	}
	decide("sent", "2026-04-30T10:00:00Z", 1, "2026-05-01T10:00:00Z") // before the range
	w.exec(`INSERT INTO nudge_sends (rule_id, organization_id, person, attempt, outcome, decided_at, step)
	        VALUES ($1, $2, sha256(convert_to($3, 'UTF8')), 2, 'sent', '2026-05-14T10:00:00Z', 'first_session_booked')`,
		ruleID, w.org.ID, uuid.NewString()) // a second attempt: not a first decision

	got := w.env.Do(t, "GET", "/v1/admin/nudges/book_first_session/effect?from=2026-05-01&to=2026-06-01", nil,
		testenv.WithBearer(w.staff)).Expect(t, http.StatusOK).Map(t)
	want := map[string]any{"eligible": 40.0, "sent": 20.0, "held_out": 20.0, "converted_sent": 10.0, "converted_held_out": 5.0,
		"conversion_sent": 0.5, "conversion_held_out": 0.25, "uplift": 0.25, "min_group_size": 5.0}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	w.env.Do(t, "GET", "/v1/admin/nudges/book_first_session/effect?from=2026-05-01", nil,
		testenv.WithBearer(w.staff)).Expect(t, http.StatusUnprocessableEntity)
	w.env.Do(t, "GET", "/v1/admin/nudges/nope/effect?from=2026-05-01&to=2026-06-01", nil,
		testenv.WithBearer(w.staff)).Expect(t, http.StatusNotFound)
}
