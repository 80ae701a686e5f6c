package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// An invitation still pending after_days later gets one reminder, in the
// invitation's language, with a fresh link that accepts it.
func TestInvitationPendingNudgeCarriesALinkThatWorks(t *testing.T) {
	t.Parallel()
	w := newNudgeWorld(t)
	w.rule("accept_invitation", func(b map[string]any) {
		b["trigger"] = map[string]any{"type": "invitation_pending", "after_days": 2}
		b["max_sends"] = 1
		b["templates"] = map[string]any{
			"en": map[string]any{"subject": "Your invitation to {{.OrganizationName}}", "text": "Join here: {{.Link}}\n"},
			"fr": map[string]any{"subject": "Votre invitation chez {{.OrganizationName}}", "text": "Pour rejoindre l\u2019équipe\u00a0: {{.Link}}\n"},
		}
	})
	w.env.Do(t, "POST", "/v1/organization/invitations", map[string]any{"email": "zoe@acme.test", "role": "member", "locale": "fr"},
		testenv.WithBearer(w.org.OwnerToken)).Expect(t, http.StatusCreated)
	if got := w.sweep("2026-06-02T08:00:00Z")["zoe@acme.test"]; got != "" {
		t.Fatalf("a day after the invitation: %q", got)
	}
	if got := w.sweep("2026-06-03T08:00:00Z")["zoe@acme.test"]; got != "sent" {
		t.Fatalf("2 days after the invitation: %q, want sent", got)
	}
	m := w.env.Mail.WaitFor(t, "zoe@acme.test", "Votre invitation chez Acme")
	token := testenv.LinkToken(t, m.Text)
	w.env.Do(t, "POST", "/v1/invitations/accept", map[string]any{"token": token, "full_name": "Zoé Martin", "password": "a long enough password"}).
		Expect(t, http.StatusCreated)
	if got := w.sweep("2026-06-05T08:00:00Z")["zoe@acme.test"]; got != "" {
		t.Errorf("after accepting: %q, want not considered", got)
	}
}

// An organization step still pending reminds owners and admins, never
// members; a trial about to end reminds them after_days before its end.
func TestOrganizationStepAndTrialNudgesGoToOwnersAndAdmins(t *testing.T) {
	t.Parallel()
	w := newNudgeWorld(t)
	_, _, memberEmail := w.member("")
	ownerEmail := scalar[string](t, w.env, `SELECT email FROM users WHERE id = $1`, w.org.OwnerID)
	w.rule("invite_your_team", func(b map[string]any) {
		b["trigger"] = map[string]any{"type": "organization_step_pending", "step": "invite_team", "after_days": 2}
		b["max_sends"] = 1
	})
	w.rule("trial_ends_soon", func(b map[string]any) {
		b["trigger"] = map[string]any{"type": "trial_ending", "after_days": 3}
		b["max_sends"] = 1
	})
	w.exec(`INSERT INTO subscriptions (id, organization_id, stripe_subscription_id, stripe_customer_id, status, seats, trial_end,
	            stripe_created, last_event_created, last_event_id)
	        VALUES (gen_random_uuid(), $1, 'sub_trial', 'cus_trial', 'trialing', 5, '2026-06-15T08:00:00Z', now(), now(), 'evt_1')`, w.org.ID)

	if lines := w.sweep("2026-06-02T08:00:00Z"); lines["invite_your_team "+ownerEmail] != "" {
		t.Errorf("a day after signup: %v", lines)
	}
	lines := w.sweep("2026-06-03T08:00:00Z") // Wednesday: the step is 2 days old, the trial 12 days from its end
	if lines["invite_your_team "+ownerEmail] != "sent" || lines["invite_your_team "+memberEmail] != "" || lines["trial_ends_soon "+ownerEmail] != "" {
		t.Errorf("two days after signup: %v", lines)
	}
	lines = w.sweep("2026-06-12T08:00:00Z") // Friday: 3 days before the trial ends
	if lines["trial_ends_soon "+ownerEmail] != "sent" {
		t.Errorf("3 days before the trial ends: %v", lines)
	}
	w.env.Mail.WaitFor(t, ownerEmail, "A moment")
}

// Rules are checked when written: every problem at once, a template with
// an unknown field named; changes are audited; only staff write them.
func TestNudgeRulesAreCheckedWhenWrittenAndAudited(t *testing.T) {
	t.Parallel()
	w := newNudgeWorld(t)
	bad := map[string]any{
		"key":       "Bad Key",
		"trigger":   map[string]any{"type": "member_step_pending", "step": "invite_team", "after_days": 91},
		"max_sends": 4, "every_days": 1, "holdout_percent": 60,
		"templates": map[string]any{"en": map[string]any{"subject": "Hi {{.Email}}", "text": "{{.Link"}},
	}
	res := w.env.Do(t, "POST", "/v1/admin/nudges", bad, testenv.WithBearer(w.staff)).Expect(t, http.StatusUnprocessableEntity)
	body := string(res.Body)
	for _, want := range []string{"key", "enabled", "trigger.after_days", "trigger.step", "max_sends", "every_days",
		"holdout_percent", "templates.en.subject", ".Email", "templates.en.text"} {
		if !strings.Contains(body, want) {
			t.Errorf("422 does not mention %s: %s", want, body)
		}
	}
	if n := scalar[int](t, w.env, `SELECT count(*)::int FROM nudge_rules`); n != 0 {
		t.Fatalf("%d rules stored after a 422", n)
	}

	w.env.Do(t, "POST", "/v1/admin/nudges", map[string]any{"key": "never_fires", "enabled": true,
		"trigger":   map[string]any{"type": "trial_ending", "after_days": 0},
		"templates": map[string]any{"en": map[string]any{"subject": "s", "text": "t"}}},
		testenv.WithBearer(w.staff)).Expect(t, http.StatusUnprocessableEntity) // no day before the end: it would never fire

	created := w.rule("book_first_session", nil)
	if created["max_sends"] != float64(2) || created["every_days"] != float64(4) || created["holdout_percent"] != float64(0) {
		t.Errorf("defaults: %v", created)
	}
	w.env.Do(t, "POST", "/v1/admin/nudges", map[string]any{"key": "book_first_session", "enabled": true,
		"trigger":   map[string]any{"type": "trial_ending", "after_days": 2},
		"templates": map[string]any{"en": map[string]any{"subject": "s", "text": "t"}}},
		testenv.WithBearer(w.staff)).Expect(t, http.StatusConflict)
	w.env.Do(t, "PATCH", "/v1/admin/nudges/book_first_session", map[string]any{
		"templates": map[string]any{"en": map[string]any{"subject": "{{.Unknown}}", "text": "t"}}},
		testenv.WithBearer(w.staff)).Expect(t, http.StatusUnprocessableEntity)
	patched := w.env.Do(t, "PATCH", "/v1/admin/nudges/book_first_session", map[string]any{"enabled": false, "holdout_percent": 20},
		testenv.WithBearer(w.staff)).Expect(t, http.StatusOK).Map(t)
	if patched["enabled"] != false || patched["holdout_percent"] != float64(20) {
		t.Errorf("patched: %v", patched)
	}
	w.env.Do(t, "GET", "/v1/admin/nudges", nil, testenv.WithBearer(w.org.OwnerToken)).Expect(t, http.StatusForbidden)
	w.env.Do(t, "DELETE", "/v1/admin/nudges/book_first_session", nil, testenv.WithBearer(w.staff)).Expect(t, http.StatusNoContent)
	w.env.Do(t, "GET", "/v1/admin/nudges/book_first_session", nil, testenv.WithBearer(w.staff)).Expect(t, http.StatusNotFound)

	audit := w.env.Do(t, "GET", "/v1/admin/audit-log", nil, testenv.WithBearer(w.staff)).Expect(t, http.StatusOK)
	for _, action := range []string{"nudge.create", "nudge.update", "nudge.delete"} {
		if !strings.Contains(string(audit.Body), `"action":"`+action+`"`) {
			t.Errorf("audit log lacks %s", action)
		}
	}
}
