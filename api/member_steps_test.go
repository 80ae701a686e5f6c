package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// memberStep makes a draft step each member completes for themselves.
func memberStep(step map[string]any) map[string]any {
	step["scope"] = "member"
	return step
}

func TestMemberEventStepCountsOnlyThatMembersEvents(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	_, alice := env.NewMember(t, org.ID, "member")
	_, bob := env.NewMember(t, org.ID, "member")
	t0 := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)

	// Alice's event before the step exists counts for her once it does.
	postEvents(t, env, alice, ev("session_booked", t0)).Expect(t, http.StatusAccepted)
	publishSteps(t, env, staff,
		memberStep(eventStep("two_sessions", "session_booked", 2, true)),
		eventStep("team_sessions", "session_booked", 3, false))

	if status, count, _, _ := checklist(t, env, alice).step(t, "two_sessions"); status != "pending" || count != 1 {
		t.Fatalf("alice after one event of hers: %s %d, want pending 1", status, count)
	}
	postEvents(t, env, bob, ev("session_booked", t0.Add(time.Minute))).Expect(t, http.StatusAccepted)
	if status, count, _, _ := checklist(t, env, alice).step(t, "two_sessions"); status != "pending" || count != 1 {
		t.Fatalf("alice after bob's event: %s %d, want still pending 1", status, count)
	}
	if status, count, _, _ := checklist(t, env, bob).step(t, "two_sessions"); status != "pending" || count != 1 {
		t.Fatalf("bob: %s %d, want pending 1", status, count)
	}
	second := t0.Add(2 * time.Minute)
	postEvents(t, env, alice, ev("session_booked", second)).Expect(t, http.StatusAccepted)
	status, count, _, at := checklist(t, env, alice).step(t, "two_sessions")
	if status != "completed" || count != 2 || at == nil || !at.Equal(second) {
		t.Fatalf("alice after her second event: %s %d %v, want completed 2 at %v", status, count, at, second)
	}
	if status, _, _, _ := checklist(t, env, bob).step(t, "two_sessions"); status != "pending" {
		t.Fatalf("bob after alice completed: %s, want pending", status)
	}
	// The organization step counts everyone's events: 3 of them.
	if status, count, _, _ := checklist(t, env, org.OwnerToken).step(t, "team_sessions"); status != "completed" || count != 3 {
		t.Fatalf("organization step: %s %d, want completed 3", status, count)
	}
	// The owner sees their own (empty) progress on the member step, not
	// anyone else's.
	if status, count, _, at := checklist(t, env, org.OwnerToken).step(t, "two_sessions"); status != "pending" || count != 0 || at != nil {
		t.Fatalf("owner's view of the member step: %s %d %v, want their own pending 0", status, count, at)
	}
}

func TestManualMemberStepIsTickedByThatMemberOnly(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	_, alice := env.NewMember(t, org.ID, "member")
	_, bob := env.NewMember(t, org.ID, "member")
	publishSteps(t, env, staff, memberStep(manualStep("read_guide", false)))

	var c checklistBody
	env.Do(t, "POST", "/v1/onboarding/checklist/steps/read_guide/complete", nil, testenv.WithBearer(alice)).
		Expect(t, http.StatusOK).Decode(t, &c)
	if status, _, _, _ := c.step(t, "read_guide"); status != "completed" || c.Completed != 1 {
		t.Fatalf("alice's answer: %s, %d completed", status, c.Completed)
	}
	if status, _, _, _ := checklist(t, env, bob).step(t, "read_guide"); status != "pending" {
		t.Fatalf("bob: %s, want pending", status)
	}
	if status, _, _, _ := checklist(t, env, org.OwnerToken).step(t, "read_guide"); status != "pending" {
		t.Fatalf("owner: %s, want pending", status)
	}
	// An admin skipping a member step sets it aside for themselves only.
	_, admin := env.NewMember(t, org.ID, "admin")
	env.Do(t, "POST", "/v1/onboarding/checklist/steps/read_guide/skip", nil, testenv.WithBearer(admin)).Expect(t, http.StatusOK)
	if status, _, _, _ := checklist(t, env, bob).step(t, "read_guide"); status != "pending" {
		t.Fatalf("bob after the admin skipped: %s, want pending", status)
	}
	if n := scalar[int](t, env, `SELECT (member_completions->>'read_guide')::int FROM onboarding_organizations WHERE organization_id = $1`, org.ID); n != 1 {
		t.Fatalf("member completions counter = %d, want 1", n)
	}
}

func TestMemberStepsStartOverWhenANewVersionMakesAStepPersonal(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	_, alice := env.NewMember(t, org.ID, "member")
	_, bob := env.NewMember(t, org.ID, "member")
	publishSteps(t, env, staff, eventStep("booked", "session_booked", 1, false))
	postEvents(t, env, alice, ev("session_booked", time.Now().Add(-time.Minute))).Expect(t, http.StatusAccepted)
	if status, _, _, _ := checklist(t, env, bob).step(t, "booked"); status != "completed" {
		t.Fatalf("organization step: %s, want completed for everyone", status)
	}
	env.Do(t, "PATCH", "/v1/admin/onboarding/steps/booked", map[string]any{"scope": "member"}, testenv.WithBearer(staff)).Expect(t, http.StatusOK)
	env.Do(t, "POST", "/v1/admin/onboarding/versions", nil, testenv.WithBearer(staff)).Expect(t, http.StatusCreated)
	if status, _, _, _ := checklist(t, env, bob).step(t, "booked"); status != "pending" {
		t.Fatalf("bob once the step is personal: %s, want pending", status)
	}
	if status, _, _, _ := checklist(t, env, alice).step(t, "booked"); status != "completed" {
		t.Fatalf("alice once the step is personal: %s, want completed from her own earlier event", status)
	}
	if n := scalar[int](t, env, `SELECT (member_completions->>'booked')::int FROM onboarding_organizations WHERE organization_id = $1`, org.ID); n != 1 {
		t.Fatalf("member completions after the upgrade = %d, want 1", n)
	}
}
