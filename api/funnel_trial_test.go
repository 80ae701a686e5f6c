package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// A subscription that starts its trial moves the organization to the
// funnel's trial_started stage (at the trial's own start), between
// checkout_started and paid, and the rollups follow.
func TestTrialStartedStageFollowsTheSubscription(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	signup := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)
	org := env.NewOrg(t, testenv.OrgOptions{CreatedAt: signup})
	record(t, env, org.ID, "organization_signed_up", signup)
	record(t, env, org.ID, "checkout_started", signup.Add(time.Hour))
	holdCustomer(t, env, org.ID, customerOf(org.ID))

	trialStart := signup.Add(2 * time.Hour)
	s := sub{ID: "sub_funnel_" + org.ID.String()[:8], Customer: customerOf(org.ID), Status: "trialing", Seats: 3,
		TrialEnd: trialStart.Add(14 * 24 * time.Hour).Unix()}
	obj := s.object()
	obj["trial_start"] = trialStart.Unix()
	env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.created", time.Now().Add(-time.Minute), obj)).Expect(t, 200)
	if got := scalar[time.Time](t, env, `SELECT trial_started_at FROM onboarding_organizations WHERE organization_id = $1`, org.ID); !got.Equal(trialStart) {
		t.Fatalf("trial_started_at %v, want the trial's start %v", got, trialStart)
	}

	stages := func() map[string]float64 {
		var f struct {
			Stages []struct {
				Name  string  `json:"name"`
				Count float64 `json:"count"`
			} `json:"stages"`
		}
		// A whole UTC day: counted from the rollups.
		day := signup.Truncate(24 * time.Hour)
		q := "/v1/admin/metrics/funnel?from=" + day.Format(time.DateOnly) + "&to=" + day.AddDate(0, 0, 1).Format(time.DateOnly)
		env.Do(t, "GET", q, nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK).Decode(t, &f)
		out := map[string]float64{}
		for _, st := range f.Stages {
			out[st.Name] = st.Count
		}
		return out
	}
	if got := stages(); got["checkout_started"] != 1 || got["trial_started"] != 1 || got["paid"] != 0 {
		t.Fatalf("funnel in the trial %v", got)
	}
	assertRollupsMatch(t, env, "after the trial started")

	env.SendWebhook(t, stripeEvent(t, newEventID(), "invoice.paid", time.Now(), map[string]any{
		"id": "in_funnel", "object": "invoice", "customer": s.Customer, "subscription": s.ID, "status": "paid",
		"amount_due": 4500, "amount_paid": 4500, "currency": "eur"})).Expect(t, 200)
	if got := stages(); got["trial_started"] != 1 || got["paid"] != 1 {
		t.Fatalf("funnel once paid %v", got)
	}
	assertRollupsMatch(t, env, "after the payment")
}
