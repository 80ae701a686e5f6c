package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
	"github.com/onramp/onramp/internal/testing/testenv"
)

type supportViewBody struct {
	Organization struct {
		ID                string     `json:"id"`
		Name              string     `json:"name"`
		UTMSource         *string    `json:"utm_source"`
		CheckoutStartedAt *time.Time `json:"checkout_started_at"`
		ActivatedAt       *time.Time `json:"activated_at"`
	} `json:"organization"`
	Subscription any `json:"subscription"`
	Checklist    struct {
		Version int              `json:"version"`
		Steps   []map[string]any `json:"steps"`
	} `json:"checklist"`
	EventCounts []struct {
		Name  string `json:"name"`
		Count int64  `json:"count"`
	} `json:"event_counts"`
	RecentEvents []map[string]any `json:"recent_events"`
}

func supportView(t *testing.T, env *testenv.Env, staff string, org uuid.UUID) (supportViewBody, string) {
	t.Helper()
	res := env.Do(t, "GET", "/v1/admin/organizations/"+org.String(), nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK)
	var view supportViewBody
	res.Decode(t, &view)
	return view, string(res.Body)
}

// eventCount is the view's count of name: its value (-1 when suppressed),
// failing the test when the name is missing.
func (v supportViewBody) eventCount(t *testing.T, name string) int64 {
	t.Helper()
	for _, c := range v.EventCounts {
		if c.Name == name {
			return c.Count
		}
	}
	return -1 // not listed
}

func supportAudits(t *testing.T, env *testenv.Env, org uuid.UUID) int {
	t.Helper()
	return countRows(t, env, `SELECT count(*) FROM onboarding_audit_log WHERE action = 'support.viewed' AND target = $1`, "organization:"+org.String())
}

func TestSupportViewExplainsTheChecklist(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	as := testenv.WithBearer(staff)
	publishSteps(t, env, staff,
		manualStep("read_guide", false),
		eventStep("three_sessions", "session_booked", 3, true),
		map[string]any{"key": "enterprise_sso", "title": "Set up SSO", "required": false,
			"audience": map[string]any{"roles": []string{"owner"}, "plans": []string{"enterprise"}}, "completion": map[string]any{"type": "manual"}},
	)
	signup := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)
	org := env.NewOrg(t, testenv.OrgOptions{Name: "Acme", CreatedAt: signup, UTMSource: "google"})
	_, member := env.NewMember(t, org.ID, "member")
	env.Do(t, "POST", "/v1/onboarding/checklist/steps/read_guide/complete", nil, testenv.WithBearer(member)).Expect(t, http.StatusOK)
	postEvents(t, env, member, ev("session_booked", signup.Add(time.Hour))).Expect(t, http.StatusAccepted)
	record(t, env, org.ID, "checkout_started", signup.Add(2*time.Hour))

	view, _ := supportView(t, env, staff, org.ID)
	if view.Organization.Name != "Acme" || *view.Organization.UTMSource != "google" || !view.Organization.CheckoutStartedAt.Equal(signup.Add(2*time.Hour)) ||
		view.Subscription != nil || view.Organization.ActivatedAt != nil {
		t.Fatalf("organization %+v subscription %v", view.Organization, view.Subscription)
	}
	steps := view.Checklist.Steps
	if view.Checklist.Version != 1 || len(steps) != 3 {
		t.Fatalf("checklist %+v", view.Checklist)
	}
	if steps[0]["status"] != "completed" || steps[0]["scope"] != "organization" || !strings.Contains(steps[0]["explanation"].(string), "manually") {
		t.Fatalf("read_guide %+v", steps[0])
	}
	if _, ok := steps[0]["completed_by"]; ok {
		t.Fatalf("the support view names who ticked read_guide: %+v", steps[0])
	}
	if steps[1]["status"] != "pending" || steps[1]["explanation"] != `pending: 1 of 3 "session_booked" events so far` {
		t.Fatalf("three_sessions %+v", steps[1])
	}
	if reason, _ := steps[2]["hidden_reason"].(string); !strings.Contains(reason, "enterprise") {
		t.Fatalf("enterprise_sso should be hidden by its plan rule: %+v", steps[2])
	}
	if len(view.RecentEvents) != 1 || view.RecentEvents[0]["name"] != "checkout_started" || view.RecentEvents[0]["source"] != "server" {
		t.Fatalf("recent events (server-side only) %+v", view.RecentEvents)
	}

	env.Do(t, "GET", "/v1/admin/organizations/"+uuid.NewString(), nil, as).Expect(t, http.StatusNotFound)
	env.Do(t, "GET", "/v1/admin/organizations/not-an-id", nil, as).Expect(t, http.StatusNotFound)
}

// A three-member company, one of whom uses the service: support sees the
// organization's facts, never what that member did.
func TestSupportViewShowsNothingAboutAPerson(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	staffID, staff := env.StaffToken(t)
	publishSteps(t, env, staff,
		manualStep("read_policy", false),
		memberStep(eventStep("first_session", "session_booked", 1, false)),
		memberStep(manualStep("daily_checkin", false)),
	)

	org := env.NewOrg(t, testenv.OrgOptions{Name: "Small Co"})
	aliceID, alice := env.NewMember(t, org.ID, "member")
	bobID, _ := env.NewMember(t, org.ID, "member")
	now := time.Now().UTC()
	sent := ev("session_booked", now.Add(-time.Hour))
	sent["properties"] = map[string]any{"mood": "very-low-mood", "therapist": "dr-confidential"}
	postEvents(t, env, alice, sent, ev("session_booked", now.Add(-30*time.Minute)), ev("checkin_answered", now)).Expect(t, http.StatusAccepted)
	env.Do(t, "POST", "/v1/onboarding/checklist/steps/daily_checkin/complete", nil, testenv.WithBearer(alice)).Expect(t, http.StatusOK)
	env.Do(t, "POST", "/v1/onboarding/checklist/steps/read_policy/complete", nil, testenv.WithBearer(alice)).Expect(t, http.StatusOK)
	err := env.DB.InTx(context.Background(), func(tx *database.Tx) error {
		return env.App.Onboarding.Record(context.Background(), tx, serverevent.Event{OrganizationID: org.ID, Name: serverevent.MemberJoined,
			UserID: bobID, Properties: map[string]any{"invited_email": "bob-secret@example.test"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	// Activated by member thresholds: the time would tell when members
	// used the service.
	record(t, env, org.ID, serverevent.OrganizationActivated, now)
	if _, err := env.DB.Pool.Exec(context.Background(), `UPDATE onboarding_organizations SET activated_at = $2, activated_by_members = true
		WHERE organization_id = $1`, org.ID, now); err != nil {
		t.Fatal(err)
	}

	view, body := supportView(t, env, staff, org.ID)
	for _, secret := range []string{org.OwnerID.String(), aliceID.String(), bobID.String(), "very-low-mood", "dr-confidential", "bob-secret",
		`"user_id"`, `"properties"`, `"completed_by"`} {
		if strings.Contains(body, secret) {
			t.Errorf("the support view shows %s: %s", secret, body)
		}
	}
	if view.Organization.ActivatedAt != nil || view.eventCount(t, serverevent.OrganizationActivated) != -1 {
		t.Errorf("activated by members, yet the view tells: activated_at %v, counts %+v", view.Organization.ActivatedAt, view.EventCounts)
	}
	for _, step := range view.Checklist.Steps {
		switch step["key"] {
		case "read_policy":
			if step["scope"] != "organization" || step["status"] != "completed" {
				t.Errorf("organization step %+v", step)
			}
		case "first_session", "daily_checkin":
			if step["scope"] != "member" || len(step) != 5 || step["title"] == nil || step["audience"] == nil || step["completion"] == nil {
				t.Errorf("member step shows more than its definition: %+v", step)
			}
		}
	}
	if n := view.eventCount(t, "session_booked"); n != -1 {
		t.Errorf("session_booked sent by one member shows count %d", n)
	}
	if n := view.eventCount(t, "checkin_answered"); n != -1 {
		t.Errorf("checkin_answered sent by one member shows count %d", n)
	}
	if n := view.eventCount(t, serverevent.MemberJoined); n != 1 {
		t.Errorf("server-side member_joined count %d, want 1", n)
	}
	if len(view.RecentEvents) != 1 || view.RecentEvents[0]["name"] != serverevent.MemberJoined || len(view.RecentEvents[0]) != 5 {
		t.Errorf("recent events %+v, want member_joined alone (no client events, no organization_activated), 5 fields", view.RecentEvents)
	}

	// The read is in the audit log, naming the staff user and the
	// organization and nothing else; a refused or unknown read is not.
	if n := supportAudits(t, env, org.ID); n != 1 {
		t.Fatalf("%d support.viewed rows after one view", n)
	}
	env.Do(t, "GET", "/v1/admin/organizations/"+org.ID.String(), nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusForbidden)
	env.Do(t, "GET", "/v1/admin/organizations/"+org.ID.String(), nil, testenv.WithBearer(alice)).Expect(t, http.StatusForbidden)
	env.Do(t, "GET", "/v1/admin/organizations/"+uuid.NewString(), nil, testenv.WithBearer(staff)).Expect(t, http.StatusNotFound)
	if n := countRows(t, env, `SELECT count(*) FROM onboarding_audit_log WHERE action = 'support.viewed'`); n != 1 {
		t.Fatalf("%d support.viewed rows after refused and unknown reads, want 1", n)
	}
	var log struct {
		Items []struct {
			ActorID *string `json:"actor_id"`
			Action  string  `json:"action"`
			Target  string  `json:"target"`
			Before  any     `json:"before"`
			After   any     `json:"after"`
		} `json:"items"`
	}
	env.Do(t, "GET", "/v1/admin/audit-log", nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK).Decode(t, &log)
	e := log.Items[0]
	if e.Action != "support.viewed" || e.Target != "organization:"+org.ID.String() || e.ActorID == nil || *e.ActorID != staffID.String() || e.Before != nil || e.After != nil {
		t.Fatalf("newest audit entry %+v", e)
	}
	supportView(t, env, staff, org.ID)
	if n := supportAudits(t, env, org.ID); n != 2 {
		t.Fatalf("%d support.viewed rows after two views", n)
	}
}

// A client event name's count shows once MIN_GROUP_SIZE current members
// sent it and as many did not, and hides again when one of them leaves.
func TestSupportViewCountsClientEventsOverAGroup(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	var senders []uuid.UUID
	for i := range 9 { // with the owner, 10 members: 5 send, 5 do not
		id, token := env.NewMember(t, org.ID, "member")
		if i < 5 {
			senders = append(senders, id)
			postEvents(t, env, token, ev("guide_opened", time.Now()), ev("guide_opened", time.Now())).Expect(t, http.StatusAccepted)
		}
	}
	if view, _ := supportView(t, env, staff, org.ID); view.eventCount(t, "guide_opened") != 10 {
		t.Fatalf("guide_opened by 5 of 10 members: %+v", view.EventCounts)
	}
	if _, err := env.DB.Pool.Exec(context.Background(), `DELETE FROM memberships WHERE organization_id = $1 AND user_id = $2`, org.ID, senders[0]); err != nil {
		t.Fatal(err)
	}
	if view, _ := supportView(t, env, staff, org.ID); view.eventCount(t, "guide_opened") != -1 {
		t.Fatalf("guide_opened by 4 current members shows: %+v", view.EventCounts)
	}
}

func TestSupportViewTakesMinGroupSizeFromTheConfig(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.MinGroupSize = 2 })
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	postEvents(t, env, org.OwnerToken, ev("guide_opened", time.Now())).Expect(t, http.StatusAccepted)
	_, member := env.NewMember(t, org.ID, "member")
	env.NewMember(t, org.ID, "member") // two who never open it: the complement
	env.NewMember(t, org.ID, "member")
	if view, _ := supportView(t, env, staff, org.ID); view.eventCount(t, "guide_opened") != -1 {
		t.Fatalf("guide_opened by one member with MIN_GROUP_SIZE 2: %+v", view.EventCounts)
	}
	postEvents(t, env, member, ev("guide_opened", time.Now())).Expect(t, http.StatusAccepted)
	if view, _ := supportView(t, env, staff, org.ID); view.eventCount(t, "guide_opened") != 2 {
		t.Fatalf("guide_opened by two members with MIN_GROUP_SIZE 2: %+v", view.EventCounts)
	}
}
