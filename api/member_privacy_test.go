package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// The privacy promise: in a small company, nobody but the member can tell
// whether, or when, they completed a member step. Every route an owner,
// an admin or staff reads answers exactly the same before and after one
// member books a session, although the booking counts: it completes the
// member's own step and even activates the company.
func TestOwnersAndAdminsCannotTellWhetherOrWhenAMemberBooked(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	_, admin := env.NewMember(t, org.ID, "admin")
	_, member := env.NewMember(t, org.ID, "member")
	subscribe(t, env, org.ID, "active", 3)
	publishSteps(t, env, staff,
		manualStep("welcome_team", false, "owner", "admin"),
		memberStep(eventStep("first_session_booked", "session_booked", 1, true)),
		memberStep(manualStep("read_guide", false)))
	// One booking in three seats is enough to activate the company.
	env.Do(t, "PUT", "/v1/admin/activation", map[string]any{
		"required_steps": []string{}, "window_days": 30,
		"member_steps": []map[string]any{{"key": "first_session_booked", "min_share": 0.3}},
	}, testenv.WithBearer(staff)).Expect(t, http.StatusOK)

	before := privacySnapshot(t, env, org.ID, org.OwnerToken, admin, staff)
	postEvents(t, env, member, ev("session_booked", time.Now().Add(-time.Minute))).Expect(t, http.StatusAccepted)
	if status, _, _, _ := checklist(t, env, member).step(t, "first_session_booked"); status != "completed" {
		t.Fatalf("the member's own step: %s, want completed", status)
	}
	if !scalar[bool](t, env, `SELECT activated_at IS NOT NULL FROM onboarding_organizations WHERE organization_id = $1`, org.ID) {
		t.Fatal("the booking should have activated the company (for aggregate metrics)")
	}
	after := privacySnapshot(t, env, org.ID, org.OwnerToken, admin, staff)
	for route, body := range before {
		if after[route] != body {
			t.Errorf("%s changed after a member booked:\nbefore %s\nafter  %s", route, body, after[route])
		}
	}
}

// privacySnapshot reads every route an owner, an admin or staff can read
// about the organization, by route and reader.
func privacySnapshot(t *testing.T, env *testenv.Env, orgID uuid.UUID, owner, admin, staff string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for who, token := range map[string]string{"owner": owner, "admin": admin} {
		for _, path := range []string{
			"/v1/onboarding/checklist", "/v1/organization/engagement", "/v1/organization/members",
			"/v1/organization", "/v1/entitlements", "/v1/billing/subscription", "/v1/me",
			"/v1/organization/invitations",
		} {
			out[who+" GET "+path] = string(env.Do(t, "GET", path, nil, testenv.WithBearer(token)).Expect(t, http.StatusOK).Body)
		}
	}
	// The support view is read first: the audit log then holds that read
	// (support.viewed), the same way in both snapshots.
	out["staff GET support view"] = string(env.Do(t, "GET", "/v1/admin/organizations/"+orgID.String(), nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK).Body)
	log := env.Do(t, "GET", "/v1/admin/audit-log?limit=100", nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK).Map(t)
	for _, item := range log["items"].([]any) {
		entry := item.(map[string]any)
		if entry["action"] != "support.viewed" { // one more per snapshot
			out["staff GET audit-log "+entry["id"].(string)] = fmt.Sprint(entry)
		}
	}
	return out
}

func TestEngagementCountsAppearAboveTheFloorOnly(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	members := make([]string, 11)
	for i := range members {
		_, members[i] = env.NewMember(t, org.ID, "member")
	}
	publishSteps(t, env, staff, memberStep(eventStep("first_session_booked", "session_booked", 1, true)))

	type engagement struct {
		Seats              *int `json:"seats"`
		MembersJoined      int  `json:"members_joined"`
		InvitationsPending int  `json:"invitations_pending"`
		MinGroupSize       int  `json:"min_group_size"`
		Active             *int `json:"active_members_28d"`
		Steps              []struct {
			Key              string `json:"key"`
			MembersCompleted *int   `json:"members_completed"`
			Suppressed       bool   `json:"suppressed"`
		} `json:"steps"`
	}
	read := func() engagement {
		var e engagement
		env.Do(t, "GET", "/v1/organization/engagement", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusOK).Decode(t, &e)
		if e.MembersJoined != 12 || e.MinGroupSize != 5 || len(e.Steps) != 1 || e.Seats != nil {
			t.Fatalf("engagement %+v", e)
		}
		return e
	}
	book := func(from, to int) {
		for _, m := range members[from:to] {
			postEvents(t, env, m, ev("session_booked", time.Now().Add(-time.Hour))).Expect(t, http.StatusAccepted)
		}
	}
	expect := func(what string, e engagement, completed, active *int) {
		t.Helper()
		s := e.Steps[0]
		if (completed == nil) != (s.MembersCompleted == nil) || (completed != nil && *completed != *s.MembersCompleted) || s.Suppressed != (completed == nil) {
			t.Errorf("%s: members_completed %v suppressed %v, want %v", what, deref(s.MembersCompleted), s.Suppressed, deref(completed))
		}
		if (active == nil) != (e.Active == nil) || (active != nil && *active != *e.Active) {
			t.Errorf("%s: active_members_28d %v, want %v", what, deref(e.Active), deref(active))
		}
	}
	five, six := 5, 6
	expect("nobody booked (0 < 5)", read(), nil, nil)
	book(0, 4)
	expect("4 booked (4 < 5)", read(), nil, nil)
	book(4, 5)
	expect("5 booked, 7 did not", read(), &five, &five)
	book(5, 6)
	expect("6 booked, 6 did not", read(), &six, &six)
	book(6, 8)
	expect("8 booked, only 4 did not", read(), nil, nil)

	_, member := env.NewMember(t, org.ID, "member")
	env.Do(t, "GET", "/v1/organization/engagement", nil, testenv.WithBearer(member)).Expect(t, http.StatusForbidden)
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// When every member sent a client name (5 of 5), listing it would tell
// about each of them: the support view leaves it out.
func TestSupportViewHidesANameEveryMemberSent(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	tokens := []string{org.OwnerToken}
	for range 4 {
		_, tok := env.NewMember(t, org.ID, "member")
		tokens = append(tokens, tok)
	}
	for _, tok := range tokens {
		postEvents(t, env, tok, ev("session_booked", time.Now().Add(-time.Minute))).Expect(t, http.StatusAccepted)
	}
	body := string(env.Do(t, "GET", "/v1/admin/organizations/"+org.ID.String(), nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK).Body)
	if strings.Contains(body, `"session_booked"`) {
		t.Errorf("5 of 5 members sent session_booked and staff can see it (every member booked):\n%s", body)
	}
}

// The access log line of a member's own tick names neither the member
// step nor the member.
func TestAccessLogDoesNotTellWhoCompletedAMemberStep(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	memberID, member := env.NewMember(t, org.ID, "member")
	publishSteps(t, env, staff, memberStep(manualStep("read_guide", false)))
	env.Do(t, "POST", "/v1/onboarding/checklist/steps/read_guide/complete", nil, testenv.WithBearer(member)).Expect(t, http.StatusOK)
	found := false
	for _, line := range env.Log.Lines() {
		if line["msg"] != "request" || line["route"] != "/v1/onboarding/checklist/steps/:key/complete" {
			continue
		}
		found = true
		for _, field := range []string{"path", "user_id", "client_ip"} {
			if v, ok := line[field]; ok {
				t.Errorf("the access line of a member's own tick carries %s=%v: %v", field, v, line)
			}
		}
		if strings.Contains(fmt.Sprint(line), "read_guide") || strings.Contains(fmt.Sprint(line), memberID.String()) {
			t.Errorf("the access line names the step or the member: %v", line)
		}
	}
	if !found {
		t.Fatal("no access line for the tick")
	}
}

// A step completed by organization_activated would show the company when
// its members' thresholds were met: no step may wait for it.
func TestNoStepWaitsForActivation(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	res := env.Do(t, "POST", "/v1/admin/onboarding/steps", eventStep("activated", "organization_activated", 1, false),
		testenv.WithBearer(staff)).Expect(t, http.StatusUnprocessableEntity).Map(t)
	if errs := fmt.Sprint(res["errors"]); !strings.Contains(errs, "completion.event") {
		t.Fatalf("errors %s, want one on completion.event", errs)
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_steps`); n != 0 {
		t.Fatalf("%d steps stored", n)
	}
}
