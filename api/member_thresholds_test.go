package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// activation reads what onboarding stored about the organization's
// activation: the time (never shown to the company when members decided
// it) and whether member thresholds were part of it.
func activation(t *testing.T, env *testenv.Env, org uuid.UUID) (*time.Time, bool) {
	t.Helper()
	var at *time.Time
	var byMembers bool
	if err := env.DB.Pool.QueryRow(context.Background(), `
		SELECT activated_at, activated_by_members FROM onboarding_organizations WHERE organization_id = $1`, org).
		Scan(&at, &byMembers); err != nil {
		t.Fatal(err)
	}
	return at, byMembers
}

func memberThreshold(t *testing.T, env *testenv.Env, staff, key string, share float64) {
	t.Helper()
	env.Do(t, "PUT", "/v1/admin/activation", map[string]any{
		"required_steps": []string{}, "window_days": 30,
		"member_steps": []map[string]any{{"key": key, "min_share": share}},
	}, testenv.WithBearer(staff)).Expect(t, http.StatusOK)
}

func TestMemberThresholdActivatesExactlyAtTheShareOfSeats(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{CreatedAt: time.Now().Add(-2 * time.Hour)})
	subscribe(t, env, org.ID, "active", 10)
	members := make([]string, 4)
	for i := range members {
		_, members[i] = env.NewMember(t, org.ID, "member")
	}
	publishSteps(t, env, staff, memberStep(eventStep("booked", "session_booked", 1, true)))
	memberThreshold(t, env, staff, "booked", 0.3) // 3 of 10 seats

	t0 := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
	for i := range 2 {
		postEvents(t, env, members[i], ev("session_booked", t0.Add(time.Duration(i)*time.Minute))).Expect(t, http.StatusAccepted)
	}
	if at, _ := activation(t, env, org.ID); at != nil {
		t.Fatalf("activated at %v with 2 of 10 seats, want 3", at)
	}
	// A late event (an earlier booking, received last) is the third.
	third := t0.Add(-time.Minute)
	postEvents(t, env, members[2], ev("session_booked", third)).Expect(t, http.StatusAccepted)
	at, byMembers := activation(t, env, org.ID)
	want := t0.Add(time.Minute) // the third booking in time order
	if at == nil || !at.Equal(want) || !byMembers {
		t.Fatalf("activated at %v (by members %v), want %v: when the third member in time order booked", at, byMembers, want)
	}
	var o struct {
		ActivatedAt *time.Time `json:"activated_at"`
	}
	env.Do(t, "GET", "/v1/organization", nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusOK).Decode(t, &o)
	if o.ActivatedAt != nil {
		t.Fatalf("the company sees activated_at %v: it would tell when its members booked", o.ActivatedAt)
	}
}

func TestFewerSeatsReevaluateMemberThresholds(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{CreatedAt: time.Now().Add(-2 * time.Hour)})
	s := subscribe(t, env, org.ID, "active", 10)
	members := make([]string, 3)
	for i := range members {
		_, members[i] = env.NewMember(t, org.ID, "member")
	}
	publishSteps(t, env, staff, memberStep(eventStep("booked", "session_booked", 1, true)))
	memberThreshold(t, env, staff, "booked", 0.3)
	t0 := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
	for i := range 2 {
		postEvents(t, env, members[i], ev("session_booked", t0.Add(time.Duration(i)*time.Minute))).Expect(t, http.StatusAccepted)
	}
	if at, _ := activation(t, env, org.ID); at != nil {
		t.Fatalf("activated with 2 of 10 seats")
	}
	// Billing records the seat change: 0.3 × 6 seats is 2 members.
	err := env.DB.InTx(context.Background(), func(tx *database.Tx) error {
		return env.App.Onboarding.Record(context.Background(), tx, serverevent.Event{
			OrganizationID: org.ID, Name: serverevent.SubscriptionUpdated, OccurredAt: time.Now(),
			Properties: map[string]any{"subscription_id": s.ID, "status": "active", "seats": 6, "plan_id": "standalone-monthly"},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if at, _ := activation(t, env, org.ID); at == nil || !at.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after the seats went down to 6: activated at %v, want %v", at, t0.Add(time.Minute))
	}
	if n := scalar[int](t, env, `SELECT seats FROM onboarding_organizations WHERE organization_id = $1`, org.ID); n != 6 {
		t.Fatalf("seats = %d, want 6", n)
	}
}

func TestMemberThresholdsCountJoinedMembersWithoutASubscription(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	members := make([]string, 3)
	for i := range members {
		_, members[i] = env.NewMember(t, org.ID, "member")
	}
	publishSteps(t, env, staff, memberStep(eventStep("booked", "session_booked", 1, true)))
	postEvents(t, env, members[0], ev("session_booked", time.Now().Add(-time.Hour))).Expect(t, http.StatusAccepted)
	// A definition set afterwards is applied at once: 1 of 4 members is 25 %.
	res := env.Do(t, "PUT", "/v1/admin/activation", map[string]any{
		"required_steps": []string{}, "window_days": 30,
		"member_steps": []map[string]any{{"key": "booked", "min_share": 0.26}},
	}, testenv.WithBearer(staff)).Expect(t, http.StatusOK).Map(t)
	if res["organizations_activated"] != float64(0) {
		t.Fatalf("0.26 of 4 members is 2: activated %v", res["organizations_activated"])
	}
	res = env.Do(t, "PUT", "/v1/admin/activation", map[string]any{
		"required_steps": []string{}, "window_days": 30,
		"member_steps": []map[string]any{{"key": "booked", "min_share": 0.25}},
	}, testenv.WithBearer(staff)).Expect(t, http.StatusOK).Map(t)
	if res["organizations_activated"] != float64(1) {
		t.Fatalf("0.25 of 4 members is 1: activated %v", res["organizations_activated"])
	}
}

func TestActivationDefinitionChecksEachStepsScope(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	publishSteps(t, env, staff, memberStep(eventStep("booked", "session_booked", 1, true)), manualStep("invite", true))
	for _, tc := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"member step as required", map[string]any{"required_steps": []string{"booked"}, "window_days": 30}, "required_steps[0]"},
		{"organization step as threshold", map[string]any{"required_steps": []string{}, "window_days": 30,
			"member_steps": []map[string]any{{"key": "invite", "min_share": 0.5}}}, "member_steps[0].key"},
		{"share above 1", map[string]any{"required_steps": []string{}, "window_days": 30,
			"member_steps": []map[string]any{{"key": "booked", "min_share": 1.5}}}, "member_steps[0].min_share"},
		{"share 0", map[string]any{"required_steps": []string{}, "window_days": 30,
			"member_steps": []map[string]any{{"key": "booked", "min_share": 0}}}, "member_steps[0].min_share"},
		{"nothing", map[string]any{"required_steps": []string{}, "window_days": 30}, "required_steps"},
	} {
		res := env.Do(t, "PUT", "/v1/admin/activation", tc.body, testenv.WithBearer(staff)).Expect(t, http.StatusUnprocessableEntity)
		found := false
		for _, e := range res.Map(t)["errors"].([]any) {
			found = found || e.(map[string]any)["field"] == tc.field
		}
		if !found {
			t.Errorf("%s: no error on %s in %s", tc.name, tc.field, res.Body)
		}
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_activation`); n != 0 {
		t.Fatalf("a refused definition was stored")
	}
}

func TestRemovingAMemberReevaluatesMemberThresholds(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{CreatedAt: time.Now().Add(-2 * time.Hour)})
	ids := make([]uuid.UUID, 4)
	tokens := make([]string, 4)
	for i := range ids {
		ids[i], tokens[i] = env.NewMember(t, org.ID, "member")
	}
	publishSteps(t, env, staff, memberStep(eventStep("booked", "session_booked", 1, true)))
	memberThreshold(t, env, staff, "booked", 0.5) // no subscription: half of the 5 members, 3
	at := time.Now().Add(-time.Hour).UTC().Truncate(time.Microsecond)
	for i := range 2 {
		postEvents(t, env, tokens[i], ev("session_booked", at.Add(time.Duration(i)*time.Minute))).Expect(t, http.StatusAccepted)
	}
	if got, _ := activation(t, env, org.ID); got != nil {
		t.Fatalf("activated with 2 of 5 members")
	}
	// With 4 members, 2 is half.
	env.Do(t, "DELETE", "/v1/organization/members/"+ids[3].String(), nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusNoContent)
	if got, _ := activation(t, env, org.ID); got == nil || !got.Equal(at.Add(time.Minute)) {
		t.Fatalf("after a member left: activated at %v, want %v", got, at.Add(time.Minute))
	}
	if n := scalar[int](t, env, `SELECT members_joined FROM onboarding_organizations WHERE organization_id = $1`, org.ID); n != 4 {
		t.Fatalf("members_joined %d, want 4", n)
	}
}
