package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// Accounts and billing record their server-side events through onboarding,
// and billing's plan drives audience rules: the whole journey, end to end.
func TestServerEventsFromAccountsAndBillingDriveTheChecklist(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	publishSteps(t, env, staff,
		eventStep("signed_up", "organization_signed_up", 1, false),
		eventStep("invite_teammate", "member_invited", 1, true),
		eventStep("choose_plan", "subscription_activated", 1, true),
		map[string]any{"key": "monthly_tips", "title": "Tips for monthly plans", "required": false,
			"audience": map[string]any{"roles": []string{}, "plans": []string{"standalone-monthly"}}, "completion": map[string]any{"type": "manual"}},
	)
	setActivation(t, env, staff, 30, "invite_teammate", "choose_plan")

	s := env.Signup(t, testenv.SignupOptions{})
	env.VerifyEmail(t, s.User.Email) // inviting needs a verified address
	org := s.Organization.ID
	c := checklist(t, env, s.AccessToken)
	if status, _, _, _ := c.step(t, "signed_up"); status != "completed" {
		t.Fatalf("signup did not record organization_signed_up: %s", status)
	}
	if len(c.Steps) != 3 {
		t.Fatalf("without a subscription the plan step should be hidden: %v", c.keys())
	}

	env.Do(t, "POST", "/v1/organization/invitations", map[string]any{"email": "bob@example.test", "role": "member"},
		testenv.WithBearer(s.AccessToken)).Expect(t, http.StatusCreated)
	if status, _, _, _ := checklist(t, env, s.AccessToken).step(t, "invite_teammate"); status != "completed" {
		t.Fatalf("invitation did not record member_invited: %s", status)
	}

	sub := subscribe(t, env, org, "active", 3)
	c = checklist(t, env, s.AccessToken)
	if status, _, _, _ := c.step(t, "choose_plan"); status != "completed" {
		t.Fatalf("subscription did not record subscription_activated: %s", status)
	}
	if c.ActivatedAt == nil {
		t.Fatalf("not activated: %+v", c)
	}
	if len(c.Steps) != 4 {
		t.Fatalf("on standalone-monthly the plan step should show: %v", c.keys())
	}
	// Paid is money received, not a subscription that started.
	paid := func() int {
		return scalar[int](t, env, `SELECT count(*) FROM onboarding_organizations WHERE organization_id = $1 AND paid_at IS NOT NULL`, org)
	}
	if paid() != 0 {
		t.Fatal("paid before any invoice was paid")
	}
	env.SendWebhook(t, stripeEvent(t, newEventID(), "invoice.paid", time.Now(), map[string]any{
		"id": "in_first", "object": "invoice", "customer": sub.Customer, "subscription": sub.ID, "status": "paid", "amount_paid": 4500, "currency": "eur",
	})).Expect(t, http.StatusOK)
	if paid() != 1 {
		t.Fatal("paid milestone not set by a paid invoice")
	}

	var view struct {
		Subscription map[string]any `json:"subscription"`
		Plan         string         `json:"plan"`
	}
	env.Do(t, "GET", "/v1/admin/organizations/"+org.String(), nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK).Decode(t, &view)
	if view.Plan != "standalone-monthly" || view.Subscription["status"] != "active" {
		t.Fatalf("support view plan %q subscription %v", view.Plan, view.Subscription)
	}
}
