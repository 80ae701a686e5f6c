package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/fakeclock"
	"github.com/onramp/onramp/internal/testing/testenv"
	"github.com/onramp/onramp/onboarding/nudge"
)

// nudgeWorld is a service on a clock that stands on Monday 2026-06-01 at
// 10:00 in Paris (08:00 UTC), with a published member step
// first_session_booked (one session_booked event) and an organization
// step invite_team (manual).
type nudgeWorld struct {
	t     *testing.T
	env   *testenv.Env
	clock *fakeclock.Clock
	staff string
	org   testenv.Org
}

func newNudgeWorld(t *testing.T, opts ...testenv.Option) *nudgeWorld {
	t.Helper()
	clock := fakeclock.At("2026-06-01T08:00:00Z")
	opts = append([]testenv.Option{func(c *config.Config) { c.Clock = clock }}, opts...)
	env := testenv.New(t, opts...)
	_, staff := env.StaffToken(t)
	publishSteps(t, env, staff, memberStep(eventStep("first_session_booked", "session_booked", 1, false)),
		manualStep("invite_team", false))
	w := &nudgeWorld{t: t, env: env, clock: clock, staff: staff}
	w.org = env.NewOrg(t, testenv.OrgOptions{Name: "Acme", CreatedAt: clock.Now()})
	checklist(t, env, w.org.OwnerToken) // the company moves to the published version
	return w
}

// weeklyCap sets NUDGE_WEEKLY_CAP.
func weeklyCap(n int) testenv.Option { return func(c *config.Config) { c.NudgeWeeklyCap = n } }

// member adds a member who joined now, in locale ("" for none), and who
// opened their checklist once.
func (w *nudgeWorld) member(locale string) (uuid.UUID, string, string) {
	w.t.Helper()
	id, token := w.env.NewMember(w.t, w.org.ID, "member")
	w.exec(`UPDATE memberships SET joined_at = $3 WHERE organization_id = $1 AND user_id = $2`, w.org.ID, id, w.clock.Now())
	w.exec(`UPDATE onboarding_members SET joined_at = $3 WHERE organization_id = $1 AND user_id = $2`, w.org.ID, id, w.clock.Now())
	if locale != "" {
		w.exec(`UPDATE users SET locale = $2 WHERE id = $1`, id, locale)
	}
	checklist(w.t, w.env, token)
	return id, token, scalar[string](w.t, w.env, `SELECT email FROM users WHERE id = $1`, id)
}

func (w *nudgeWorld) exec(sql string, args ...any) {
	w.t.Helper()
	if _, err := w.env.DB.Pool.Exec(context.Background(), sql, args...); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
}

// rule writes a rule over the API; change adjusts the default body.
func (w *nudgeWorld) rule(key string, change func(body map[string]any)) map[string]any {
	w.t.Helper()
	body := map[string]any{
		"key":     key,
		"trigger": map[string]any{"type": "member_step_pending", "step": "first_session_booked", "after_days": 3},
		"enabled": true,
		"templates": map[string]any{
			"en": map[string]any{"subject": "A moment for yourself at {{.OrganizationName}}", "text": "Hello {{.FirstName}},\n\nWhen you are ready: {{.Link}}\n"},
			"fr": map[string]any{"subject": "Un moment pour vous chez {{.OrganizationName}}", "text": "Bonjour {{.FirstName}},\n\nQuand vous voulez\u00a0: {{.Link}}\n"},
		},
	}
	if change != nil {
		change(body)
	}
	return w.env.Do(w.t, "POST", "/v1/admin/nudges", body, testenv.WithBearer(w.staff)).Expect(w.t, http.StatusCreated).Map(w.t)
}

// sweep moves the clock to at and sweeps, returning each person's line
// by email (and rule, when two rules name them: "rule email").
func (w *nudgeWorld) sweep(at string) map[string]string {
	w.t.Helper()
	w.clock.Set(fakeclock.Parse(at))
	lines := map[string]string{}
	_, err := w.env.App.Nudges.Sweep(context.Background(), nudge.SweepOptions{Report: func(l nudge.Line) {
		out := l.Outcome
		if l.Outcome == nudge.Skipped {
			out = "skipped: " + l.Reason
		}
		lines[l.Email] = out
		lines[l.Rule+" "+l.Email] = out
	}})
	if err != nil {
		w.t.Fatalf("sweep at %s: %v", at, err)
	}
	return lines
}

// nudgesSent is how many nudge emails were queued to email.
func (w *nudgeWorld) nudgesSent(email string) int {
	w.t.Helper()
	return scalar[int](w.t, w.env, `SELECT count(*)::int FROM sent_emails WHERE kind = 'nudge' AND recipient = $1`, email)
}

// delivered waits until every queued email reached the SMTP server, and
// returns how many nudges it holds for email.
func (w *nudgeWorld) delivered(email string) int {
	w.t.Helper()
	waitForJobs(w.t, w.env, "send_email")
	n := 0
	for _, m := range w.env.Mail.Messages() {
		if m.Header.Get("List-Unsubscribe") != "" && len(m.To) == 1 && m.To[0] == email {
			n++
		}
	}
	return n
}
