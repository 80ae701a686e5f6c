package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/testing/testenv"
)

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
	memberID, member := env.NewMember(t, org.ID, "member")
	env.Do(t, "POST", "/v1/onboarding/checklist/steps/read_guide/complete", nil, testenv.WithBearer(member)).Expect(t, http.StatusOK)
	postEvents(t, env, member, ev("session_booked", signup.Add(time.Hour))).Expect(t, http.StatusAccepted)
	record(t, env, org.ID, "checkout_started", signup.Add(2*time.Hour))

	var view struct {
		Organization struct {
			ID                string     `json:"id"`
			Name              string     `json:"name"`
			UTMSource         *string    `json:"utm_source"`
			CheckoutStartedAt *time.Time `json:"checkout_started_at"`
		} `json:"organization"`
		Subscription any `json:"subscription"`
		Checklist    struct {
			Version int `json:"version"`
			Steps   []struct {
				Key          string  `json:"key"`
				Status       string  `json:"status"`
				HiddenReason *string `json:"hidden_reason"`
				Explanation  string  `json:"explanation"`
				CompletedBy  *string `json:"completed_by"`
			} `json:"steps"`
		} `json:"checklist"`
		RecentEvents []struct {
			Name   string `json:"name"`
			Source string `json:"source"`
		} `json:"recent_events"`
	}
	env.Do(t, "GET", "/v1/admin/organizations/"+org.ID.String(), nil, as).Expect(t, http.StatusOK).Decode(t, &view)
	if view.Organization.Name != "Acme" || *view.Organization.UTMSource != "google" || !view.Organization.CheckoutStartedAt.Equal(signup.Add(2*time.Hour)) || view.Subscription != nil {
		t.Fatalf("organization %+v subscription %v", view.Organization, view.Subscription)
	}
	steps := view.Checklist.Steps
	if view.Checklist.Version != 1 || len(steps) != 3 {
		t.Fatalf("checklist %+v", view.Checklist)
	}
	if steps[0].Status != "completed" || *steps[0].CompletedBy != memberID.String() || !strings.Contains(steps[0].Explanation, "manually") {
		t.Fatalf("read_guide %+v", steps[0])
	}
	if steps[1].Status != "pending" || steps[1].Explanation != `pending: 1 of 3 "session_booked" events so far` {
		t.Fatalf("three_sessions %+v", steps[1])
	}
	if steps[2].HiddenReason == nil || !strings.Contains(*steps[2].HiddenReason, "enterprise") {
		t.Fatalf("enterprise_sso should be hidden by its plan rule: %+v", steps[2])
	}
	if len(view.RecentEvents) != 2 || view.RecentEvents[0].Name != "checkout_started" || view.RecentEvents[0].Source != "server" || view.RecentEvents[1].Source != "client" {
		t.Fatalf("recent events %+v", view.RecentEvents)
	}

	env.Do(t, "GET", "/v1/admin/organizations/"+uuid.NewString(), nil, as).Expect(t, http.StatusNotFound)
	env.Do(t, "GET", "/v1/admin/organizations/not-an-id", nil, as).Expect(t, http.StatusNotFound)
}
