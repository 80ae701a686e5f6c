package api_test

import (
	"net/http"
	"testing"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// TestReadmeWalkthrough runs README.md's curl walk-through (signup → verify
// → invite → accept → members) with the same requests, so the README
// cannot drift from the API.
func TestReadmeWalkthrough(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)

	// 1. Sign up.
	var signup testenv.Session
	env.Do(t, http.MethodPost, "/v1/signup",
		testenv.Raw(`{"company_name":"Acme","email":"ada@acme.test","password":"correct horse battery","full_name":"Ada Admin"}`),
		testenv.WithHeader("Idempotency-Key", "first-signup")).Expect(t, http.StatusCreated).Decode(t, &signup)
	token := signup.AccessToken

	// 2. Verify the email.
	verify := testenv.LinkToken(t, env.Mail.WaitFor(t, "ada@acme.test", "Confirm your email address").Text)
	env.Do(t, http.MethodPost, "/v1/auth/verify-email", testenv.Raw(`{"token":"`+verify+`"}`)).Expect(t, http.StatusNoContent)

	// 3. Invite an employee.
	env.Do(t, http.MethodPost, "/v1/organization/invitations", testenv.Raw(`{"email":"bob@acme.test","role":"member"}`),
		testenv.WithBearer(token)).Expect(t, http.StatusCreated)

	// 4. Accept.
	accept := testenv.LinkToken(t, env.Mail.WaitFor(t, "bob@acme.test", "Join Acme on Onramp").Text)
	env.Do(t, http.MethodPost, "/v1/invitations/accept",
		testenv.Raw(`{"token":"`+accept+`","full_name":"Bob Builder","password":"another long password"}`)).Expect(t, http.StatusCreated)

	// The team, as the owner sees it.
	var members struct {
		Items []struct{ Email, Role string }
	}
	env.Do(t, http.MethodGet, "/v1/organization/members", nil, testenv.WithBearer(token)).Expect(t, http.StatusOK).Decode(t, &members)
	if len(members.Items) != 2 || members.Items[0].Email != "ada@acme.test" || members.Items[1].Email != "bob@acme.test" || members.Items[1].Role != "member" {
		t.Fatalf("members %+v", members.Items)
	}

	// Signing in again and refreshing, as the README shows next.
	login := env.Login(t, "ada@acme.test", "correct horse battery")
	env.Do(t, http.MethodPost, "/v1/auth/refresh", testenv.Raw(`{"refresh_token":"`+login.RefreshToken+`"}`)).Expect(t, http.StatusOK)
}
