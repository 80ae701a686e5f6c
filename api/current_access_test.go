package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// Access follows the current state: a token that verifies is not enough,
// every authenticated request acts with the caller's membership, role and
// staff flag as they are now, in a session that has not ended. Each test
// uses the token successfully first, so that the verified-token cache holds
// it: the cache must not make the check stale.

// orgRoutes are routes every member of an organization may call; after the
// member's removal each of them refuses the same token at once.
func orgRoutes(t *testing.T, env *testenv.Env, token string) map[string]int {
	t.Helper()
	bearer := testenv.WithBearer(token)
	events := map[string]any{"events": []map[string]any{ev("app_opened", time.Now())}}
	return map[string]int{
		"POST /v1/events":                        env.Do(t, http.MethodPost, "/v1/events", events, bearer).Status,
		"POST /v1/onboarding/checklist/dismiss":  env.Do(t, http.MethodPost, "/v1/onboarding/checklist/dismiss", nil, bearer).Status,
		"GET /v1/onboarding/checklist":           env.Do(t, http.MethodGet, "/v1/onboarding/checklist", nil, bearer).Status,
		"GET /v1/entitlements":                   env.Do(t, http.MethodGet, "/v1/entitlements", nil, bearer).Status,
		"GET /v1/organization":                   env.Do(t, http.MethodGet, "/v1/organization", nil, bearer).Status,
		"GET /v1/me":                             env.Do(t, http.MethodGet, "/v1/me", nil, bearer).Status,
		"POST /v1/auth/verify-email/resend (me)": env.Do(t, http.MethodPost, "/v1/auth/verify-email/resend", nil, bearer).Status,
	}
}

func TestRemovedMemberIsRefusedEverywhereAtOnce(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	memberID, member := env.NewMember(t, org.ID, "member")

	for route, status := range orgRoutes(t, env, member) {
		if status >= 400 && status != http.StatusConflict { // resend: the fixture's address is verified
			t.Fatalf("%s: %d before the removal", route, status)
		}
	}
	dismissals := scalar[int](t, env, `SELECT count(*) FROM onboarding_dismissals WHERE user_id = $1`, memberID)

	env.Do(t, http.MethodDelete, "/v1/organization/members/"+memberID.String(), nil, testenv.WithBearer(org.OwnerToken)).
		Expect(t, http.StatusNoContent)
	for route, status := range orgRoutes(t, env, member) {
		if status != http.StatusUnauthorized {
			t.Errorf("%s: %d after the removal, want 401", route, status)
		}
	}
	// The server records member_removed with their id; of their own events,
	// only the one sent before stays.
	if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_events WHERE user_id = $1 AND source = 'client'`, memberID); n != 1 {
		t.Errorf("%d events stored from the removed member, want only the one sent before", n)
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_events WHERE organization_id = $1 AND user_id = $2 AND name = 'member_removed'`,
		org.ID, memberID); n != 1 {
		t.Errorf("%d member_removed events for the removal, want 1", n)
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_dismissals WHERE user_id = $1`, memberID); n != dismissals {
		t.Errorf("dismissals went from %d to %d after the removal", dismissals, n)
	}
}

// A membership gone while the session lives on (deleted in the database,
// not through the API, which also ends the sessions) is refused as well:
// the check reads the membership itself, not only the session.
func TestTokenWithoutACurrentMembershipIsRefused(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	memberID, member := env.NewMember(t, org.ID, "member")
	checklist(t, env, member)
	if _, err := env.DB.Pool.Exec(t.Context(), `DELETE FROM memberships WHERE user_id = $1`, memberID); err != nil {
		t.Fatal(err)
	}
	res := env.Do(t, http.MethodPost, "/v1/events", map[string]any{"events": []map[string]any{ev("app_opened", time.Now())}},
		testenv.WithBearer(member)).Expect(t, http.StatusUnauthorized)
	if res.Header.Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	// A user deleted altogether is refused too.
	userID, other := env.NewMember(t, org.ID, "member")
	checklist(t, env, other)
	if _, err := env.DB.Pool.Exec(t.Context(), `DELETE FROM users WHERE id = $1`, userID); err != nil {
		t.Fatal(err)
	}
	env.Do(t, http.MethodGet, "/v1/onboarding/checklist", nil, testenv.WithBearer(other)).Expect(t, http.StatusUnauthorized)
}

func TestDemotedAdminSeesWhatAMemberSees(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	publishSteps(t, env, staff,
		manualStep("everyone", false),
		manualStep("managers_only", false, "owner", "admin"),
		manualStep("members_only", false, "member"),
	)
	org := env.NewOrg(t, testenv.OrgOptions{})
	adminID, admin := env.NewMember(t, org.ID, "admin")
	if got := fmt.Sprint(checklist(t, env, admin).keys()); got != "[everyone managers_only]" {
		t.Fatalf("admin sees %s", got)
	}
	bearer := testenv.WithBearer(admin)
	env.Do(t, http.MethodGet, "/v1/organization/invitations", nil, bearer).Expect(t, http.StatusOK)

	env.Do(t, http.MethodPatch, "/v1/organization/members/"+adminID.String(), map[string]any{"role": "member"},
		testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusOK)

	if got := fmt.Sprint(checklist(t, env, admin).keys()); got != "[everyone members_only]" {
		t.Errorf("demoted admin sees %s, want a member's steps", got)
	}
	env.Do(t, http.MethodPost, "/v1/onboarding/checklist/steps/managers_only/complete", nil, bearer).Expect(t, http.StatusNotFound)
	env.Do(t, http.MethodPost, "/v1/onboarding/checklist/steps/managers_only/skip", nil, bearer).Expect(t, http.StatusForbidden)
	env.Do(t, http.MethodGet, "/v1/organization/invitations", nil, bearer).Expect(t, http.StatusForbidden)
	env.Do(t, http.MethodPatch, "/v1/billing/subscription", map[string]any{"seats": 3}, bearer).Expect(t, http.StatusForbidden)
	// Promoted again, the same token manages again: the role is read, not
	// remembered.
	env.Do(t, http.MethodPatch, "/v1/organization/members/"+adminID.String(), map[string]any{"role": "admin"},
		testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusOK)
	env.Do(t, http.MethodGet, "/v1/organization/invitations", nil, bearer).Expect(t, http.StatusOK)
}

func TestStaffRoutesCheckTheStoredStaffFlag(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	staffID, staff := env.StaffToken(t)
	bearer := testenv.WithBearer(staff)
	env.Do(t, http.MethodGet, "/v1/admin/onboarding/steps", nil, bearer).Expect(t, http.StatusOK)
	if _, err := env.DB.Pool.Exec(t.Context(), `UPDATE users SET is_staff = false WHERE id = $1`, staffID); err != nil {
		t.Fatal(err)
	}
	env.Do(t, http.MethodGet, "/v1/admin/onboarding/steps", nil, bearer).Expect(t, http.StatusForbidden)
	env.Do(t, http.MethodPost, "/v1/admin/onboarding/steps", manualStep("sneaky", false), bearer).Expect(t, http.StatusForbidden)
	env.Do(t, http.MethodGet, "/v1/admin/organizations/"+uuid.NewString(), nil, bearer).Expect(t, http.StatusForbidden)
	if n := scalar[int](t, env, `SELECT count(*) FROM onboarding_steps WHERE key = 'sneaky'`); n != 0 {
		t.Fatalf("a former staff user drafted a step")
	}
}

func TestPasswordResetEndsEarlierAccessTokens(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	s := env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	other := env.Login(t, "ada@acme.test", testenv.DefaultPassword)
	for _, tok := range []string{s.AccessToken, other.AccessToken} {
		env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(tok)).Expect(t, http.StatusOK)
	}

	env.Do(t, http.MethodPost, "/v1/auth/password-reset", map[string]any{"email": "ada@acme.test"}).Expect(t, http.StatusAccepted)
	token := testenv.LinkToken(t, env.Mail.WaitFor(t, "ada@acme.test", "Reset your password").Text)
	env.Do(t, http.MethodPost, "/v1/auth/password-reset/confirm", map[string]any{"token": token, "new_password": "a brand new long password"}).
		Expect(t, http.StatusNoContent)
	// Within the same second as the reset: no comparison of whole-second
	// issue times can tell these tokens apart, the session ids do.
	after := env.Login(t, "ada@acme.test", "a brand new long password")

	for _, tok := range []string{s.AccessToken, other.AccessToken} {
		env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(tok)).Expect(t, http.StatusUnauthorized)
		env.Do(t, http.MethodGet, "/v1/onboarding/checklist", nil, testenv.WithBearer(tok)).Expect(t, http.StatusUnauthorized)
	}
	env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(after.AccessToken)).Expect(t, http.StatusOK)
	env.Do(t, http.MethodGet, "/v1/onboarding/checklist", nil, testenv.WithBearer(after.AccessToken)).Expect(t, http.StatusOK)
}

func TestLogoutEndsItsAccessToken(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	s := env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	other := env.Login(t, "ada@acme.test", testenv.DefaultPassword)
	env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(s.AccessToken)).Expect(t, http.StatusOK)

	env.Do(t, http.MethodPost, "/v1/auth/logout", map[string]any{"refresh_token": s.RefreshToken}, testenv.WithBearer(s.AccessToken)).
		Expect(t, http.StatusNoContent)
	env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(s.AccessToken)).Expect(t, http.StatusUnauthorized)
	env.Do(t, http.MethodPost, "/v1/events", map[string]any{"events": []map[string]any{ev("app_opened", time.Now())}},
		testenv.WithBearer(s.AccessToken)).Expect(t, http.StatusUnauthorized)
	// The user's other session goes on.
	env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(other.AccessToken)).Expect(t, http.StatusOK)
}

// A session refreshed goes on with its new access token, and the one it
// replaced still works until it expires: rotation is not revocation.
func TestRefreshKeepsTheSessionsAccessTokensWorking(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	s := env.Signup(t, testenv.SignupOptions{})
	var next testenv.Session
	env.Do(t, http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": s.RefreshToken}).Expect(t, http.StatusOK).Decode(t, &next)
	for _, tok := range []string{s.AccessToken, next.AccessToken} {
		env.Do(t, http.MethodGet, "/v1/onboarding/checklist", nil, testenv.WithBearer(tok)).Expect(t, http.StatusOK)
	}
	// Reusing the rotated refresh token revokes the family: both end.
	env.Do(t, http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": s.RefreshToken}).Expect(t, http.StatusUnauthorized)
	for _, tok := range []string{s.AccessToken, next.AccessToken} {
		env.Do(t, http.MethodGet, "/v1/onboarding/checklist", nil, testenv.WithBearer(tok)).Expect(t, http.StatusUnauthorized)
	}
}
