package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/testing/testenv"
)

func TestChecklistIsEmptyBeforeAnyVersion(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	c := checklist(t, env, org.OwnerToken)
	if c.Version != 0 || len(c.Steps) != 0 || c.Total != 0 || c.Percent != 0 || c.ActivatedAt != nil {
		t.Fatalf("checklist before publishing: %+v", c)
	}
	env.Do(t, "GET", "/v1/onboarding/checklist", nil).Expect(t, http.StatusUnauthorized)
	// A staff token without an organization has no checklist.
	_, staff := env.StaffToken(t)
	env.Do(t, "GET", "/v1/onboarding/checklist", nil, testenv.WithBearer(staff)).Expect(t, http.StatusForbidden)
}

func TestChecklistAudienceByRole(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	publishSteps(t, env, staff,
		manualStep("everyone", false),
		manualStep("managers_only", true, "owner", "admin"),
		manualStep("members_only", false, "member"),
	)
	org := env.NewOrg(t, testenv.OrgOptions{})
	_, member := env.NewMember(t, org.ID, "member")
	_, admin := env.NewMember(t, org.ID, "admin")

	if got := fmt.Sprint(checklist(t, env, org.OwnerToken).keys()); got != "[everyone managers_only]" {
		t.Fatalf("owner sees %s", got)
	}
	if got := fmt.Sprint(checklist(t, env, admin).keys()); got != "[everyone managers_only]" {
		t.Fatalf("admin sees %s", got)
	}
	if got := fmt.Sprint(checklist(t, env, member).keys()); got != "[everyone members_only]" {
		t.Fatalf("member sees %s", got)
	}
	// A step the caller does not see cannot be completed by them.
	env.Do(t, "POST", "/v1/onboarding/checklist/steps/managers_only/complete", nil, testenv.WithBearer(member)).Expect(t, http.StatusNotFound)
}

func TestCompleteSkipAndDismiss(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	publishSteps(t, env, staff,
		manualStep("read_guide", true),
		manualStep("watch_video", false),
		manualStep("set_avatar", false),
		eventStep("first_session_booked", "session_booked", 2, true),
	)
	org := env.NewOrg(t, testenv.OrgOptions{})
	memberID, member := env.NewMember(t, org.ID, "member")
	owner := testenv.WithBearer(org.OwnerToken)

	c := checklist(t, env, member)
	if c.Version != 1 || c.Total != 4 || c.Completed != 0 || c.Percent != 0 {
		t.Fatalf("fresh checklist %+v", c)
	}
	if status, count, target, _ := c.step(t, "first_session_booked"); status != "pending" || count != 0 || target != 2 {
		t.Fatalf("event step %s %d/%d", status, count, target)
	}

	// A member completes a manual step for the whole organization.
	var after checklistBody
	env.Do(t, "POST", "/v1/onboarding/checklist/steps/read_guide/complete", nil, testenv.WithBearer(member)).Expect(t, http.StatusOK).Decode(t, &after)
	if status, count, _, at := after.step(t, "read_guide"); status != "completed" || count != 1 || at == nil {
		t.Fatalf("completed step: %s %d %v", status, count, at)
	}
	if after.Completed != 1 || after.Total != 4 || after.Percent != 25 {
		t.Fatalf("after completing: %+v", after)
	}
	again := env.Do(t, "POST", "/v1/onboarding/checklist/steps/read_guide/complete", nil, owner).Expect(t, http.StatusOK)
	var againBody checklistBody
	again.Decode(t, &againBody)
	if _, _, _, at := againBody.step(t, "read_guide"); !at.Equal(*func() *time.Time { _, _, _, a := after.step(t, "read_guide"); return a }()) {
		t.Fatal("completing twice moved completed_at")
	}
	if by := scalar[string](t, env, `SELECT progress->'read_guide'->>'completed_by' FROM onboarding_organizations WHERE organization_id = $1`, org.ID); by != memberID.String() {
		t.Fatalf("completed_by %q", by)
	}

	// Event steps complete through events only.
	if code := env.Do(t, "POST", "/v1/onboarding/checklist/steps/first_session_booked/complete", nil, owner).Expect(t, http.StatusConflict).Code(t); code != "event_step" {
		t.Fatalf("manual completion of an event step: %q", code)
	}
	env.Do(t, "POST", "/v1/onboarding/checklist/steps/nope/complete", nil, owner).Expect(t, http.StatusNotFound)

	// Skip: owners and admins, optional pending steps only.
	env.Do(t, "POST", "/v1/onboarding/checklist/steps/watch_video/skip", nil, testenv.WithBearer(member)).Expect(t, http.StatusForbidden)
	if code := env.Do(t, "POST", "/v1/onboarding/checklist/steps/first_session_booked/skip", nil, owner).Expect(t, http.StatusConflict).Code(t); code != "step_required" {
		t.Fatalf("skip required: %q", code)
	}
	env.Do(t, "POST", "/v1/onboarding/checklist/steps/set_avatar/complete", nil, owner).Expect(t, http.StatusOK)
	if code := env.Do(t, "POST", "/v1/onboarding/checklist/steps/set_avatar/skip", nil, owner).Expect(t, http.StatusConflict).Code(t); code != "step_completed" {
		t.Fatalf("skip completed: %q", code)
	}
	env.Do(t, "POST", "/v1/onboarding/checklist/steps/nope/skip", nil, owner).Expect(t, http.StatusNotFound)
	var skipped checklistBody
	env.Do(t, "POST", "/v1/onboarding/checklist/steps/watch_video/skip", nil, owner).Expect(t, http.StatusOK).Decode(t, &skipped)
	if status, _, _, _ := skipped.step(t, "watch_video"); status != "skipped" {
		t.Fatalf("skipped step is %s", status)
	}
	// 2 completed out of 3 not skipped.
	if skipped.Completed != 2 || skipped.Total != 3 || skipped.Percent != 66 {
		t.Fatalf("after skipping: %+v", skipped)
	}

	// Dismissing is per person.
	var dismissed checklistBody
	env.Do(t, "POST", "/v1/onboarding/checklist/dismiss", nil, testenv.WithBearer(member)).Expect(t, http.StatusOK).Decode(t, &dismissed)
	if !dismissed.Dismissed {
		t.Fatal("dismiss did not dismiss")
	}
	env.Do(t, "POST", "/v1/onboarding/checklist/dismiss", nil, testenv.WithBearer(member)).Expect(t, http.StatusOK)
	if !checklist(t, env, member).Dismissed || checklist(t, env, org.OwnerToken).Dismissed {
		t.Fatal("dismissal should be the member's only")
	}

	// Another organization's progress is its own.
	other := env.NewOrg(t, testenv.OrgOptions{})
	if c := checklist(t, env, other.OwnerToken); c.Completed != 0 {
		t.Fatalf("other organization sees progress: %+v", c)
	}
}

func TestVersionUpgradeKeepsProgressOnSurvivingKeys(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	as := testenv.WithBearer(staff)
	publishSteps(t, env, staff, manualStep("read_guide", false), manualStep("old_step", false), eventStep("invite_teammate", "member_invited", 1, true))
	org := env.NewOrg(t, testenv.OrgOptions{})
	now := time.Now().UTC()

	env.Do(t, "POST", "/v1/onboarding/checklist/steps/read_guide/complete", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusOK)
	env.Do(t, "POST", "/v1/onboarding/checklist/steps/old_step/complete", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusOK)
	// Events for a step that does not exist yet are recorded and counted.
	postEvents(t, env, org.OwnerToken, ev("session_booked", now.Add(-3*time.Hour)), ev("session_booked", now.Add(-2*time.Hour)), ev("session_booked", now.Add(-time.Hour))).
		Expect(t, http.StatusAccepted)

	// v2: old_step removed, invite_teammate kept, two new event steps.
	env.Do(t, "DELETE", "/v1/admin/onboarding/steps/old_step", nil, as).Expect(t, http.StatusNoContent)
	env.Do(t, "POST", "/v1/admin/onboarding/steps", eventStep("first_session_booked", "session_booked", 1, true), as).Expect(t, http.StatusCreated)
	env.Do(t, "POST", "/v1/admin/onboarding/steps", eventStep("five_sessions", "session_booked", 5, false), as).Expect(t, http.StatusCreated)
	env.Do(t, "POST", "/v1/admin/onboarding/versions", nil, as).Expect(t, http.StatusCreated)

	c := checklist(t, env, org.OwnerToken)
	if c.Version != 2 || fmt.Sprint(c.keys()) != "[read_guide invite_teammate first_session_booked five_sessions]" {
		t.Fatalf("after upgrade: version %d keys %v", c.Version, c.keys())
	}
	if status, _, _, _ := c.step(t, "read_guide"); status != "completed" {
		t.Fatalf("read_guide lost its progress: %s", status)
	}
	status, count, _, at := c.step(t, "first_session_booked")
	if status != "completed" || count != 3 || at == nil || !at.Equal(now.Add(-3*time.Hour).Truncate(time.Microsecond)) {
		t.Fatalf("first_session_booked from earlier events: %s count %d at %v", status, count, at)
	}
	if status, count, target, _ := c.step(t, "five_sessions"); status != "pending" || count != 3 || target != 5 {
		t.Fatalf("five_sessions: %s %d/%d", status, count, target)
	}
	// And it goes on counting.
	postEvents(t, env, org.OwnerToken, ev("session_booked", now), ev("session_booked", now.Add(time.Minute))).Expect(t, http.StatusAccepted)
	status, count, _, at = checklist(t, env, org.OwnerToken).step(t, "five_sessions")
	if status != "completed" || count != 5 || !at.Equal(now.Add(time.Minute).Truncate(time.Microsecond)) {
		t.Fatalf("five_sessions after two more: %s %d %v", status, count, at)
	}
}

// A step whose completion event changes in a new version starts over under
// its new event: neither the old event's count nor a completion it gave
// carries over, and the new event's earlier occurrences count (an event step
// counts all of the organization's events of its name, those recorded
// before the step existed included).
func TestVersionUpgradeRestartsAStepWhoseEventChanged(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	as := testenv.WithBearer(staff)
	publishSteps(t, env, staff, eventStep("step_x", "a", 3, false), eventStep("step_y", "a", 1, false))
	org := env.NewOrg(t, testenv.OrgOptions{})
	early := env.NewOrg(t, testenv.OrgOptions{}) // sends b before v2 exists
	now := time.Now().UTC()

	postEvents(t, env, org.OwnerToken, ev("a", now.Add(-3*time.Hour)), ev("a", now.Add(-2*time.Hour))).Expect(t, http.StatusAccepted)
	postEvents(t, env, early.OwnerToken, ev("b", now.Add(-3*time.Hour)), ev("b", now.Add(-2*time.Hour))).Expect(t, http.StatusAccepted)
	c := checklist(t, env, org.OwnerToken)
	if status, count, _, _ := c.step(t, "step_x"); status != "pending" || count != 2 {
		t.Fatalf("v1 step_x: %s %d", status, count)
	}
	if status, _, _, _ := c.step(t, "step_y"); status != "completed" {
		t.Fatalf("v1 step_y: %s", status)
	}

	// v2: step_x counts b, step_y an event nobody sent.
	env.Do(t, "PATCH", "/v1/admin/onboarding/steps/step_x", map[string]any{"completion": map[string]any{"type": "event", "event": "b", "count": 3}}, as).Expect(t, http.StatusOK)
	env.Do(t, "PATCH", "/v1/admin/onboarding/steps/step_y", map[string]any{"completion": map[string]any{"type": "event", "event": "never_sent", "count": 1}}, as).Expect(t, http.StatusOK)
	env.Do(t, "POST", "/v1/admin/onboarding/versions", nil, as).Expect(t, http.StatusCreated)

	c = checklist(t, env, org.OwnerToken)
	if status, count, target, at := c.step(t, "step_x"); status != "pending" || count != 0 || target != 3 || at != nil {
		t.Fatalf("v2 step_x with no b sent: %s %d/%d %v", status, count, target, at)
	}
	if status, count, _, at := c.step(t, "step_y"); status != "pending" || count != 0 || at != nil {
		t.Fatalf("v2 step_y kept a completion by the old event: %s %d %v", status, count, at)
	}
	if c.Completed != 0 {
		t.Fatalf("v2 completed %d", c.Completed)
	}
	if status, count, _, _ := checklist(t, env, early.OwnerToken).step(t, "step_x"); status != "pending" || count != 2 {
		t.Fatalf("v2 step_x of the organization that sent b before: %s %d", status, count)
	}

	// b counts from 0, and the third completes the step at its time.
	postEvents(t, env, org.OwnerToken, ev("b", now.Add(-time.Hour))).Expect(t, http.StatusAccepted)
	if status, count, _, _ := checklist(t, env, org.OwnerToken).step(t, "step_x"); status != "pending" || count != 1 {
		t.Fatalf("after one b: %s %d", status, count)
	}
	postEvents(t, env, org.OwnerToken, ev("b", now.Add(-time.Minute)), ev("b", now)).Expect(t, http.StatusAccepted)
	if status, count, _, at := checklist(t, env, org.OwnerToken).step(t, "step_x"); status != "completed" || count != 3 || !at.Equal(now.Truncate(time.Microsecond)) {
		t.Fatalf("after three b: %s %d %v", status, count, at)
	}
}
