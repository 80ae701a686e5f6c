package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/onramp/onramp/testenv"
)

func TestSignupCreatesOrganizationOwnerAndVerificationEmail(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	res := env.Do(t, http.MethodPost, "/v1/signup", map[string]any{
		"company_name": "Acme", "email": "Ada@Acme.test", "password": "correct horse battery", "full_name": "Ada Admin",
		"utm_source": "newsletter", "utm_campaign": "spring",
	}).Expect(t, http.StatusCreated)
	var s testenv.Session
	res.Decode(t, &s)
	if s.Organization == nil || s.Organization.Name != "Acme" || s.User.Email != "ada@acme.test" || s.Role == nil || *s.Role != "owner" {
		t.Fatalf("unexpected session: %s", res.Body)
	}
	if s.TokenType != "Bearer" || s.ExpiresIn != 900 || s.AccessToken == "" || s.RefreshToken == "" {
		t.Fatalf("bad tokens: %s", res.Body)
	}
	if s.User.EmailVerified {
		t.Fatal("email verified before the link was used")
	}

	var utm string
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT utm_source FROM organizations WHERE id = $1`, s.Organization.ID).Scan(&utm); err != nil || utm != "newsletter" {
		t.Fatalf("utm_source %q, %v", utm, err)
	}

	msg := env.Mail.WaitFor(t, "ada@acme.test", "Confirm your email")
	if !strings.Contains(msg.Text, "http://onramp.test/verify-email?token=") {
		t.Fatalf("no verification link in:\n%s", msg.Text)
	}
	token := testenv.LinkToken(t, msg.Text)
	env.Do(t, http.MethodPost, "/v1/auth/verify-email", map[string]any{"token": token}).Expect(t, http.StatusNoContent)
	// Single use.
	res = env.Do(t, http.MethodPost, "/v1/auth/verify-email", map[string]any{"token": token}).Expect(t, http.StatusUnprocessableEntity)

	me := env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(s.AccessToken)).Expect(t, http.StatusOK).Map(t)
	if me["user"].(map[string]any)["email_verified"] != true {
		t.Fatalf("not verified: %v", me)
	}
	if strings.Contains(env.Log.String(), token) {
		t.Fatal("the verification token was logged")
	}
}

func sleep() { time.Sleep(50 * time.Millisecond) }
