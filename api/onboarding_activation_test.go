package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/testing/testenv"
)

func TestActivationInsideAndOutsideTheWindow(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	publishSteps(t, env, staff, eventStep("invite_teammate", "member_invited", 1, true), eventStep("first_session_booked", "session_booked", 1, true), manualStep("read_guide", false))
	setActivation(t, env, staff, 30, "invite_teammate", "first_session_booked")

	signup := time.Now().UTC().Add(-60 * 24 * time.Hour).Truncate(time.Second)
	inside := env.NewOrg(t, testenv.OrgOptions{CreatedAt: signup})
	outside := env.NewOrg(t, testenv.OrgOptions{CreatedAt: signup})

	// Inside: both steps within 30 days; activated when the last one is done.
	record(t, env, inside.ID, "member_invited", signup.Add(2*24*time.Hour))
	if c := checklist(t, env, inside.OwnerToken); c.ActivatedAt != nil {
		t.Fatal("activated with one required step of two")
	}
	postEvents(t, env, inside.OwnerToken, ev("session_booked", signup.Add(10*24*time.Hour))).Expect(t, http.StatusAccepted)
	want := signup.Add(10 * 24 * time.Hour)
	c := checklist(t, env, inside.OwnerToken)
	if c.ActivatedAt == nil || !c.ActivatedAt.Equal(want) {
		t.Fatalf("activated_at %v, want %v", c.ActivatedAt, want)
	}
	if at := scalar[time.Time](t, env, `SELECT activated_at FROM organizations WHERE id = $1`, inside.ID); !at.Equal(want) {
		t.Fatalf("organizations.activated_at %v", at)
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_events WHERE organization_id = $1 AND name = 'organization_activated' AND source = 'server'`, inside.ID); n != 1 {
		t.Fatalf("%d organization_activated events", n)
	}
	// Set once: more events change nothing.
	postEvents(t, env, inside.OwnerToken, ev("session_booked", signup.Add(24*time.Hour))).Expect(t, http.StatusAccepted)
	if c := checklist(t, env, inside.OwnerToken); !c.ActivatedAt.Equal(want) {
		t.Fatalf("activated_at moved to %v", c.ActivatedAt)
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_events WHERE organization_id = $1 AND name = 'organization_activated'`, inside.ID); n != 1 {
		t.Fatalf("%d organization_activated events", n)
	}

	// Outside: the second step came on day 31.
	record(t, env, outside.ID, "member_invited", signup.Add(24*time.Hour))
	postEvents(t, env, outside.OwnerToken, ev("session_booked", signup.Add(31*24*time.Hour))).Expect(t, http.StatusAccepted)
	c = checklist(t, env, outside.OwnerToken)
	if c.ActivatedAt != nil || c.Completed != 2 {
		t.Fatalf("outside the window: %+v", c)
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM organizations WHERE id = $1 AND activated_at IS NULL`, outside.ID); n != 1 {
		t.Fatal("organization outside the window was activated")
	}
}

func TestDefinitionChangeAppliesToOrganizationsNotYetActivated(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	publishSteps(t, env, staff, eventStep("invite_teammate", "member_invited", 1, true), eventStep("first_session_booked", "session_booked", 1, true))
	setActivation(t, env, staff, 14, "invite_teammate", "first_session_booked")
	signup := time.Now().UTC().Add(-100 * 24 * time.Hour).Truncate(time.Second)

	early := env.NewOrg(t, testenv.OrgOptions{CreatedAt: signup})
	record(t, env, early.ID, "member_invited", signup.Add(24*time.Hour))
	record(t, env, early.ID, "session_booked", signup.Add(2*24*time.Hour))
	earlyAt := signup.Add(2 * 24 * time.Hour)

	invitedOnly := env.NewOrg(t, testenv.OrgOptions{CreatedAt: signup})
	record(t, env, invitedOnly.ID, "member_invited", signup.Add(3*24*time.Hour))
	invitedLate := env.NewOrg(t, testenv.OrgOptions{CreatedAt: signup})
	record(t, env, invitedLate.ID, "member_invited", signup.Add(20*24*time.Hour))
	nothing := env.NewOrg(t, testenv.OrgOptions{CreatedAt: signup})

	if c := checklist(t, env, early.OwnerToken); c.ActivatedAt == nil || !c.ActivatedAt.Equal(earlyAt) {
		t.Fatalf("early activation %v", c.ActivatedAt)
	}
	if c := checklist(t, env, invitedOnly.OwnerToken); c.ActivatedAt != nil {
		t.Fatal("activated under the first definition")
	}

	// Only the invitation now: invitedOnly qualifies (day 3 < 14); invitedLate
	// does not (day 20); early keeps its date.
	def := setActivation(t, env, staff, 14, "invite_teammate")
	if def["organizations_activated"] != float64(1) {
		t.Fatalf("organizations_activated %v", def["organizations_activated"])
	}
	if c := checklist(t, env, invitedOnly.OwnerToken); c.ActivatedAt == nil || !c.ActivatedAt.Equal(signup.Add(3*24*time.Hour)) {
		t.Fatalf("invitedOnly activated_at %v", c.ActivatedAt)
	}
	if c := checklist(t, env, invitedLate.OwnerToken); c.ActivatedAt != nil {
		t.Fatal("invitedLate activated outside the window")
	}
	if c := checklist(t, env, early.OwnerToken); !c.ActivatedAt.Equal(earlyAt) {
		t.Fatalf("early activation moved to %v", c.ActivatedAt)
	}
	// A wider window brings invitedLate in.
	if def := setActivation(t, env, staff, 30, "invite_teammate"); def["organizations_activated"] != float64(1) {
		t.Fatalf("organizations_activated %v", def["organizations_activated"])
	}
	if c := checklist(t, env, invitedLate.OwnerToken); c.ActivatedAt == nil {
		t.Fatal("invitedLate not activated under a 30-day window")
	}
	if c := checklist(t, env, nothing.OwnerToken); c.ActivatedAt != nil {
		t.Fatal("an organization with nothing done was activated")
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM organizations WHERE activated_at IS NOT NULL`); n != 3 {
		t.Fatalf("%d organizations activated, want 3", n)
	}
}

// An organization still on an older version, whose events already satisfy a
// step published later, is activated by a definition naming that step.
func TestDefinitionChangeReachesOrganizationsOnOlderVersions(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	publishSteps(t, env, staff, manualStep("read_guide", false))
	signup := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)
	org := env.NewOrg(t, testenv.OrgOptions{CreatedAt: signup})
	idle := env.NewOrg(t, testenv.OrgOptions{CreatedAt: signup})
	postEvents(t, env, org.OwnerToken, ev("session_booked", signup.Add(time.Hour))).Expect(t, http.StatusAccepted)

	publishSteps(t, env, staff, eventStep("first_session_booked", "session_booked", 1, true))
	if v := scalar[int](t, env, `SELECT version FROM onboarding_organizations WHERE organization_id = $1`, org.ID); v != 1 {
		t.Fatalf("organization on version %d before its next read", v)
	}
	if def := setActivation(t, env, staff, 30, "first_session_booked"); def["organizations_activated"] != float64(1) {
		t.Fatalf("organizations_activated %v", def["organizations_activated"])
	}
	if c := checklist(t, env, org.OwnerToken); c.Version != 2 || c.ActivatedAt == nil || !c.ActivatedAt.Equal(signup.Add(time.Hour)) {
		t.Fatalf("checklist %+v", c)
	}
	if c := checklist(t, env, idle.OwnerToken); c.ActivatedAt != nil {
		t.Fatal("an organization without the event was activated")
	}
}
