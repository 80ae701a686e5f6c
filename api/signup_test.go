package api_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/testenv"
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
	env.Do(t, http.MethodPost, "/v1/auth/verify-email", map[string]any{"token": token}).Expect(t, http.StatusUnprocessableEntity)

	me := env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(s.AccessToken)).Expect(t, http.StatusOK).Map(t)
	if me["user"].(map[string]any)["email_verified"] != true {
		t.Fatalf("not verified: %v", me)
	}
	logs := env.Log.String()
	for name, secret := range map[string]string{"verification token": token, "password": "correct horse battery",
		"refresh token": s.RefreshToken, "access token": s.AccessToken} {
		if strings.Contains(logs, secret) {
			t.Errorf("the %s was logged", name)
		}
	}
}

func sleep() { time.Sleep(50 * time.Millisecond) }

func TestSignupValidation(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	res := env.Do(t, http.MethodPost, "/v1/signup", map[string]any{
		"company_name": "", "email": "Ada <ada@acme.test>", "password": "short", "full_name": strings.Repeat("x", 201),
	}).Expect(t, http.StatusUnprocessableEntity)
	f := problemFields(t, res)
	for _, field := range []string{"company_name", "email", "password", "full_name"} {
		if !f[field] {
			t.Errorf("%s not named in %s", field, res.Body)
		}
	}
	env.Do(t, http.MethodPost, "/v1/signup", map[string]any{"company_name": "Acme", "email": "a@acme.test", "password": strings.Repeat("p", 129), "full_name": "A"}).
		Expect(t, http.StatusUnprocessableEntity)
	env.Do(t, http.MethodPost, "/v1/signup", map[string]any{"company_name": "Acme", "email": "a@acme.test", "password": "correct horse battery", "full_name": "A", "plan": "x"}).
		Expect(t, http.StatusUnprocessableEntity)
	env.Do(t, http.MethodPost, "/v1/signup", testenv.Raw(`{`)).Expect(t, http.StatusBadRequest)
	var n int
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM organizations) + (SELECT count(*) FROM users)`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("rows left behind: %d, %v", n, err)
	}
}

func TestSignupEmailIsUniqueCaseInsensitively(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	res := env.Do(t, http.MethodPost, "/v1/signup", map[string]any{"company_name": "Other", "email": "ADA@acme.test", "password": "correct horse battery", "full_name": "Ada"}).
		Expect(t, http.StatusConflict)
	if res.Code(t) != "email_taken" {
		t.Fatalf("code %q", res.Code(t))
	}
}

func TestSignupIdempotencyKeyReplaysTheFirstResponse(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	body := map[string]any{"company_name": "Acme", "email": "ada@acme.test", "password": "correct horse battery", "full_name": "Ada"}
	key := testenv.WithHeader("Idempotency-Key", "first-signup")
	type session struct {
		Organization struct{ ID string }
		User         struct{ ID string }
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	var first, again session
	env.Do(t, http.MethodPost, "/v1/signup", body, key).Expect(t, http.StatusCreated).Decode(t, &first)
	replay := env.Do(t, http.MethodPost, "/v1/signup", body, key).Expect(t, http.StatusCreated)
	replay.Decode(t, &again)
	if replay.Header.Get("Idempotent-Replayed") != "true" || again.Organization.ID != first.Organization.ID || again.User.ID != first.User.ID {
		t.Fatalf("not replayed: first %+v, again %+v", first, again)
	}
	// Tokens are never kept in the replay store: the replay signs in afresh,
	// and the first session keeps working.
	var stored int
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM idempotency_keys WHERE position($1::bytea IN response_body) > 0 OR position($2::bytea IN response_body) > 0`,
		[]byte(first.RefreshToken), []byte(first.AccessToken)).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("tokens found in the idempotency store (%d rows, %v)", stored, err)
	}
	if again.RefreshToken == "" || again.RefreshToken == first.RefreshToken {
		t.Fatal("the replay did not mint its own tokens")
	}
	for _, rt := range []string{first.RefreshToken, again.RefreshToken} {
		env.Do(t, http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": rt}).Expect(t, http.StatusOK)
	}
	env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(again.AccessToken)).Expect(t, http.StatusOK)
	body["company_name"] = "Other"
	if env.Do(t, http.MethodPost, "/v1/signup", body, key).Expect(t, http.StatusConflict).Code(t) != "idempotency_key_reused" {
		t.Fatal("want idempotency_key_reused")
	}
	var orgs int
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM organizations`).Scan(&orgs); err != nil || orgs != 1 {
		t.Fatalf("organizations %d, %v", orgs, err)
	}
}

func TestConcurrentSignups(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	statuses := parallel(40, func(i int) int {
		return env.Do(t, http.MethodPost, "/v1/signup", map[string]any{
			"company_name": fmt.Sprintf("Company %d", i), "email": fmt.Sprintf("owner%d@acme.test", i), "password": "correct horse battery", "full_name": "Owner",
		}).Status
	})
	if n := count(statuses, http.StatusCreated); n != 40 {
		t.Fatalf("statuses %v", statuses)
	}
	var orgs, owners int
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM organizations), (SELECT count(*) FROM memberships WHERE role = 'owner')`).Scan(&orgs, &owners); err != nil {
		t.Fatal(err)
	}
	if orgs != 40 || owners != 40 {
		t.Fatalf("%d organizations, %d owners; want 40 each", orgs, owners)
	}
}

func TestRacingSignupsWithOneEmailMakeOneOrganization(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	statuses := parallel(10, func(i int) int {
		return env.Do(t, http.MethodPost, "/v1/signup", map[string]any{
			"company_name": fmt.Sprintf("Company %d", i), "email": "same@acme.test", "password": "correct horse battery", "full_name": "Owner",
		}).Status
	})
	if count(statuses, http.StatusCreated) != 1 || count(statuses, http.StatusConflict) != 9 {
		t.Fatalf("statuses %v: want one 201 and nine 409", statuses)
	}
	var orgs, users, memberships int
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM organizations), (SELECT count(*) FROM users), (SELECT count(*) FROM memberships)`).
		Scan(&orgs, &users, &memberships); err != nil {
		t.Fatal(err)
	}
	if orgs != 1 || users != 1 || memberships != 1 {
		t.Fatalf("%d organizations, %d users, %d memberships; want 1 each", orgs, users, memberships)
	}
}

func TestSignupsAreLimitedPerClientIP(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.SignupRateLimit = 2 })
	env.Signup(t, testenv.SignupOptions{})
	env.Signup(t, testenv.SignupOptions{})
	res := env.Do(t, http.MethodPost, "/v1/signup", map[string]any{"company_name": "Acme", "email": "third@acme.test", "password": "correct horse battery", "full_name": "Ada"}).
		Expect(t, http.StatusTooManyRequests)
	if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 3600 {
		t.Fatalf("Retry-After %q", res.Header.Get("Retry-After"))
	}
	var users int
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM users WHERE email = 'third@acme.test'`).Scan(&users); err != nil || users != 0 {
		t.Fatalf("users %d, %v", users, err)
	}
}

// TestSignupIdempotencyKeysAreScopedByEmail: a signup's Idempotency-Key
// belongs to the email it signs up, so two companies using the README's
// fixed key both sign up, while a retry of one of them still replays.
func TestSignupIdempotencyKeysAreScopedByEmail(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	key := testenv.WithHeader("Idempotency-Key", "first-signup")
	signup := func(company, email string) map[string]any {
		return map[string]any{"company_name": company, "email": email, "password": "correct horse battery", "full_name": "Owner"}
	}
	var ada, bob, again testenv.Session
	env.Do(t, http.MethodPost, "/v1/signup", signup("Acme", "ada@acme.test"), key).Expect(t, http.StatusCreated).Decode(t, &ada)
	res := env.Do(t, http.MethodPost, "/v1/signup", signup("Globex", "bob@globex.test"), key).Expect(t, http.StatusCreated)
	res.Decode(t, &bob)
	if res.Header.Get("Idempotent-Replayed") != "" || bob.Organization.ID == ada.Organization.ID || bob.User.Email != "bob@globex.test" {
		t.Fatalf("another client's signup with the same key: %s", res.Body)
	}

	replay := env.Do(t, http.MethodPost, "/v1/signup", signup("Acme", "ada@acme.test"), key).Expect(t, http.StatusCreated)
	replay.Decode(t, &again)
	if replay.Header.Get("Idempotent-Replayed") != "true" || again.Organization.ID != ada.Organization.ID || again.User.ID != ada.User.ID {
		t.Fatalf("the same email, key and body were not replayed: %s", replay.Body)
	}
	// Emails are case-insensitive: the same address with another body reuses the key.
	if env.Do(t, http.MethodPost, "/v1/signup", signup("Other", "ADA@acme.test"), key).Expect(t, http.StatusConflict).Code(t) != "idempotency_key_reused" {
		t.Fatal("want idempotency_key_reused")
	}
	var orgs int
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM organizations`).Scan(&orgs); err != nil || orgs != 2 {
		t.Fatalf("organizations %d, %v; want 2", orgs, err)
	}
}
