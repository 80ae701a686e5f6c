package api_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/onramp/onramp/internal/testing/fakeclock"
	"github.com/onramp/onramp/internal/testing/testenv"
	"github.com/onramp/onramp/onboarding/nudge"
)

// A member step reminder goes at after_days and not before, then again
// every_days later, max_sends times in all; it is written in the member's
// language and carries the one-click unsubscribe headers. (The weekly cap
// is raised to 2: at its default of 1, every_days under 7 never shows.)
func TestMemberStepNudgeFollowsItsSchedule(t *testing.T) {
	t.Parallel()
	w := newNudgeWorld(t, weeklyCap(2))
	_, _, email := w.member("fr")
	w.rule("book_first_session", func(b map[string]any) { b["max_sends"] = 2; b["every_days"] = 4 })

	if got := w.sweep("2026-06-03T08:00:00Z")[email]; got != "" { // Wednesday: 2 days after joining
		t.Fatalf("2 days after joining: %q, want not considered", got)
	}
	if got := w.sweep("2026-06-04T08:00:00Z")[email]; got != "sent" { // Thursday: 3 days
		t.Fatalf("3 days after joining: %q, want sent", got)
	}
	m := w.env.Mail.WaitFor(t, email, "Un moment pour vous chez Acme")
	if !strings.Contains(m.Text, "Bonjour Fixture") || !strings.Contains(m.Text, "Pour ne plus les recevoir") {
		t.Errorf("French nudge text:\n%s", m.Text)
	}
	assertWireHeaders(t, m, "Un moment pour vous chez Acme")
	if m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" ||
		!strings.HasPrefix(m.Header.Get("List-Unsubscribe"), "<http://onramp.test/v1/unsubscribe?token=") {
		t.Errorf("RFC 8058 headers: %q / %q", m.Header.Get("List-Unsubscribe"), m.Header.Get("List-Unsubscribe-Post"))
	}
	if got := w.sweep("2026-06-05T08:00:00Z")[email]; got != "skipped: too_soon" { // Friday: 1 day after
		t.Errorf("a day after the first: %q, want too_soon", got)
	}
	if got := w.sweep("2026-06-08T08:00:00Z")[email]; got != "sent" { // Monday: every_days later
		t.Errorf("every_days after the first: %q, want sent", got)
	}
	if got := w.sweep("2026-06-16T08:00:00Z")[email]; got != "skipped: max_sends" {
		t.Errorf("after two sends: %q, want max_sends", got)
	}
	if n := w.delivered(email); n != 2 {
		t.Errorf("%d nudges delivered, want 2", n)
	}
}

// The weekly cap is per person across rules: two rules that would both
// remind the same member send one email in 7 days.
func TestWeeklyCapHoldsAcrossTwoRules(t *testing.T) {
	t.Parallel()
	w := newNudgeWorld(t)
	_, _, email := w.member("")
	w.rule("book_first_session", nil)
	w.rule("book_first_session_again", func(b map[string]any) {
		b["trigger"] = map[string]any{"type": "member_step_pending", "step": "first_session_booked", "after_days": 4}
	})
	first := w.sweep("2026-06-04T08:00:00Z")  // Thursday: only the first rule is due
	second := w.sweep("2026-06-05T08:00:00Z") // Friday: the second is due, the cap holds
	if first["book_first_session "+email] != "sent" || second["book_first_session_again "+email] != "skipped: cap" {
		t.Errorf("lines: %v then %v", first, second)
	}
	// A week after the first, one of the two may go again (the first
	// rule's second reminder, by key order), never both.
	third := w.sweep("2026-06-11T09:00:00Z")
	if third["book_first_session "+email] != "sent" || third["book_first_session_again "+email] != "skipped: cap" {
		t.Errorf("a week later: %v", third)
	}
	if n := w.nudgesSent(email); n != 2 {
		t.Errorf("%d nudges queued, want 2", n)
	}
}

// A one-click POST to the List-Unsubscribe URL stops the next sweep; a GET
// of the same URL shows a page and changes nothing.
func TestOneClickUnsubscribeStopsTheNextSweep(t *testing.T) {
	t.Parallel()
	w := newNudgeWorld(t, weeklyCap(2))
	_, _, email := w.member("")
	w.rule("book_first_session", nil)
	w.sweep("2026-06-04T08:00:00Z")
	link := strings.Trim(w.env.Mail.WaitFor(t, email, "A moment").Header.Get("List-Unsubscribe"), "<>")
	path := strings.TrimPrefix(link, "http://onramp.test")

	w.env.Do(t, "GET", path, nil).Expect(t, http.StatusOK)
	if got := w.sweep("2026-06-08T08:00:00Z")[email]; got != "sent" {
		t.Fatalf("after a GET only: %q, want sent", got)
	}
	w.env.Do(t, "POST", path, nil).Expect(t, http.StatusOK)
	if got := w.sweep("2026-06-12T08:00:00Z")[email]; got != "skipped: opted_out" {
		t.Errorf("after the POST: %q, want opted_out", got)
	}
	if n := w.nudgesSent(email); n != 2 {
		t.Errorf("%d nudges queued, want 2 (none after the opt-out)", n)
	}
}

// Reaching the goal stops the reminders, and so does dismissing the
// checklist.
func TestAFinishedGoalOrADismissedChecklistStopsTheReminders(t *testing.T) {
	t.Parallel()
	w := newNudgeWorld(t)
	_, booker, bookerEmail := w.member("")
	_, dismisser, dismisserEmail := w.member("")
	w.rule("book_first_session", nil)
	w.sweep("2026-06-04T08:00:00Z")
	postEvents(t, w.env, booker, ev("session_booked", w.clock.Now())).Expect(t, http.StatusAccepted)
	w.env.Do(t, "POST", "/v1/onboarding/checklist/dismiss", nil, testenv.WithBearer(dismisser)).Expect(t, http.StatusOK)
	lines := w.sweep("2026-06-08T08:00:00Z")
	if lines[bookerEmail] != "" || lines[dismisserEmail] != "skipped: done" {
		t.Errorf("after booking and dismissing: %q, %q", lines[bookerEmail], lines[dismisserEmail])
	}
	if w.nudgesSent(bookerEmail) != 1 || w.nudgesSent(dismisserEmail) != 1 {
		t.Errorf("nudges queued: %d, %d, want 1 each", w.nudgesSent(bookerEmail), w.nudgesSent(dismisserEmail))
	}
}

// No reminder goes to a company whose subscription lapsed.
func TestNoNudgeToALapsedCompany(t *testing.T) {
	t.Parallel()
	w := newNudgeWorld(t)
	_, _, email := w.member("")
	w.rule("book_first_session", nil)
	w.exec(`UPDATE organizations SET billing_status = 'unpaid' WHERE id = $1`, w.org.ID)
	if got := w.sweep("2026-06-04T08:00:00Z")[email]; got != "skipped: billing" {
		t.Errorf("unpaid company: %q, want billing", got)
	}
}

// Two sweeps at once (two servers, or the command beside the job) send
// each reminder once.
func TestTwoConcurrentSweepsSendEachMessageOnce(t *testing.T) {
	t.Parallel()
	w := newNudgeWorld(t)
	var emails []string
	for range 20 {
		_, _, email := w.member("")
		emails = append(emails, email)
	}
	w.rule("book_first_session", nil)
	w.rule("book_first_session_again", nil)
	w.clock.Set(fakeclock.Parse("2026-06-04T08:00:00Z"))
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.env.App.Nudges.Sweep(t.Context(), nudge.SweepOptions{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, email := range emails {
		if n := w.delivered(email); n != 1 {
			t.Errorf("%s got %d nudges, want 1", email, n)
		}
	}
	if n := scalar[int](t, w.env, `SELECT count(*)::int FROM nudge_sends WHERE outcome = 'sent'`); n != 20 {
		t.Errorf("%d sends recorded, want 20", n)
	}
}

// Quiet hours and weekends are each person's own: at one instant, a member
// in Tokyo (Monday 09:00) is reminded, one in Los Angeles (Sunday 16:00) is
// not, and one who said no time zone is in Paris (Monday 01:00, quiet).
func TestQuietHoursAndWeekendsFollowEachPersonsTimeZone(t *testing.T) {
	t.Parallel()
	w := newNudgeWorld(t)
	tokyo, _, tokyoEmail := w.member("")
	la, _, laEmail := w.member("")
	_, _, parisEmail := w.member("")
	w.exec(`UPDATE users SET time_zone = 'Asia/Tokyo' WHERE id = $1`, tokyo)
	w.exec(`UPDATE users SET time_zone = 'America/Los_Angeles' WHERE id = $1`, la)
	w.rule("book_first_session", nil)
	lines := w.sweep("2026-06-08T00:00:00Z")
	if lines[tokyoEmail] != "sent" || lines[laEmail] != "skipped: weekend" || lines[parisEmail] != "skipped: quiet_hours" {
		t.Errorf("Tokyo %q, Los Angeles %q, Paris %q", lines[tokyoEmail], lines[laEmail], lines[parisEmail])
	}
}
