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

func TestLoginAnswersTheSameForUnknownEmailAndWrongPassword(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})

	s := env.Login(t, "ADA@acme.test", testenv.DefaultPassword)
	if s.Organization == nil || s.Organization.ID != owner.Organization.ID || *s.Role != "owner" || s.User.Staff {
		t.Fatalf("login session: %+v", s)
	}
	env.Do(t, http.MethodGet, "/v1/organization", nil, testenv.WithBearer(s.AccessToken)).Expect(t, http.StatusOK)

	wrong := env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": "ada@acme.test", "password": "not the password"}).
		Expect(t, http.StatusUnauthorized).Map(t)
	unknown := env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": "nobody@acme.test", "password": "not the password"}).
		Expect(t, http.StatusUnauthorized).Map(t)
	if wrong["detail"] != "invalid email or password" || unknown["detail"] != wrong["detail"] {
		t.Fatalf("different answers: %v / %v", wrong, unknown)
	}

	res := env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": "not an email", "password": ""}).Expect(t, http.StatusUnprocessableEntity)
	if fields := problemFields(t, res); !fields["email"] || !fields["password"] {
		t.Fatalf("fields %v", fields)
	}
	env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": "ada@acme.test", "password": "x", "remember": true}).Expect(t, http.StatusUnprocessableEntity)
	env.Do(t, http.MethodPost, "/v1/auth/login", testenv.Raw(`{"email":`)).Expect(t, http.StatusBadRequest)
	env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": "ada@acme.test", "password": strings.Repeat("x", 129)}).Expect(t, http.StatusUnprocessableEntity)
}

func TestLoginPicksTheAskedOrganization(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	first := env.Signup(t, testenv.SignupOptions{Email: "multi@acme.test"})
	second := env.Signup(t, testenv.SignupOptions{})
	env.VerifyEmail(t, second.User.Email)
	// multi@ joins the second organization through an invitation.
	env.Do(t, http.MethodPost, "/v1/organization/invitations", map[string]any{"email": "multi@acme.test", "role": "admin"},
		testenv.WithBearer(second.AccessToken)).Expect(t, http.StatusCreated)
	token := testenv.LinkToken(t, env.Mail.WaitFor(t, "multi@acme.test", "Join").Text)
	env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token}, testenv.WithBearer(first.AccessToken)).
		Expect(t, http.StatusCreated)

	def := env.Login(t, "multi@acme.test", testenv.DefaultPassword)
	if def.Organization.ID != first.Organization.ID {
		t.Fatalf("default organization %v, want the oldest membership %v", def.Organization.ID, first.Organization.ID)
	}
	var picked testenv.Session
	env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": "multi@acme.test", "password": testenv.DefaultPassword,
		"organization_id": second.Organization.ID}).Expect(t, http.StatusOK).Decode(t, &picked)
	if picked.Organization.ID != second.Organization.ID || *picked.Role != "admin" {
		t.Fatalf("picked %+v", picked)
	}
	me := env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(picked.AccessToken)).Expect(t, http.StatusOK).Map(t)
	if len(me["memberships"].([]any)) != 2 || me["role"] != "admin" {
		t.Fatalf("me %v", me)
	}

	stranger := env.Signup(t, testenv.SignupOptions{})
	env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": "multi@acme.test", "password": testenv.DefaultPassword,
		"organization_id": stranger.Organization.ID}).Expect(t, http.StatusNotFound)
	env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": "multi@acme.test", "password": testenv.DefaultPassword,
		"organization_id": "nope"}).Expect(t, http.StatusUnprocessableEntity)
}

func TestFailedLoginsAreLimitedPerEmail(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	other := env.Signup(t, testenv.SignupOptions{Email: "bob@acme.test"})

	for _, email := range []string{"ada@acme.test", "ghost@acme.test"} {
		for i := 0; i < 10; i++ {
			env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": email, "password": "wrong password " + strconv.Itoa(i)}).
				Expect(t, http.StatusUnauthorized)
		}
		res := env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": email, "password": testenv.DefaultPassword}).
			Expect(t, http.StatusTooManyRequests)
		secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 15*60 {
			t.Fatalf("%s: Retry-After %q", email, res.Header.Get("Retry-After"))
		}
	}
	// Another address is not affected, and successes do not count.
	for i := 0; i < 12; i++ {
		env.Login(t, "bob@acme.test", testenv.DefaultPassword)
	}
	_ = other
}

// behindProxy starts a service behind a trusted load balancer, so that
// tests can speak as several clients (X-Forwarded-For).
func behindProxy(t *testing.T) *testenv.Env {
	t.Helper()
	return testenv.New(t, func(c *config.Config) { c.TrustedProxies = []string{"127.0.0.1"} })
}

func loginFrom(t *testing.T, env *testenv.Env, client, email, password string) *testenv.Response {
	t.Helper()
	return env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": email, "password": password},
		testenv.WithHeader("X-Forwarded-For", client))
}

func expectRetryAfter(t *testing.T, res *testenv.Response, max time.Duration) {
	t.Helper()
	secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
	if err != nil || secs < 1 || time.Duration(secs)*time.Second > max {
		t.Fatalf("Retry-After %q, want 1 s to %v", res.Header.Get("Retry-After"), max)
	}
}

// TestFailedLoginsLockOutTheFailingClientOnly: a third party hammering an
// address with wrong passwords is refused, and the owner, signing in from
// another client, is not.
func TestFailedLoginsLockOutTheFailingClientOnly(t *testing.T) {
	t.Parallel()
	env := behindProxy(t)
	env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	const attacker, owner, bystander = "203.0.113.66", "198.51.100.7", "192.0.2.10"

	for i := 0; i < 10; i++ {
		loginFrom(t, env, attacker, "ada@acme.test", "wrong password "+strconv.Itoa(i)).Expect(t, http.StatusUnauthorized)
	}
	// The contract's limit holds for the client doing the failing, even
	// with the right password now.
	expectRetryAfter(t, loginFrom(t, env, attacker, "ada@acme.test", testenv.DefaultPassword).Expect(t, http.StatusTooManyRequests), 15*time.Minute)
	loginFrom(t, env, owner, "ada@acme.test", testenv.DefaultPassword).Expect(t, http.StatusOK)

	// While the address is under attack, a client that fails on it once
	// waits too: guessing from many clients gets one try per client.
	loginFrom(t, env, bystander, "ada@acme.test", "another wrong password").Expect(t, http.StatusUnauthorized)
	expectRetryAfter(t, loginFrom(t, env, bystander, "ada@acme.test", testenv.DefaultPassword).Expect(t, http.StatusTooManyRequests), 15*time.Minute)
	loginFrom(t, env, owner, "ada@acme.test", testenv.DefaultPassword).Expect(t, http.StatusOK)
	expectRetryAfter(t, loginFrom(t, env, attacker, "ada@acme.test", "wrong password").Expect(t, http.StatusTooManyRequests), 15*time.Minute)
}

// TestFailedLoginsAreLimitedPerClientAcrossEmails: one client trying a
// password on many addresses is refused too, and only that client.
func TestFailedLoginsAreLimitedPerClientAcrossEmails(t *testing.T) {
	t.Parallel()
	env := behindProxy(t)
	env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	const sprayer, owner = "203.0.113.99", "198.51.100.7"
	statuses := parallel(50, func(i int) int {
		return loginFrom(t, env, sprayer, fmt.Sprintf("user%d@acme.test", i), "Summer2026!").Status
	})
	if count(statuses, http.StatusUnauthorized) != 50 {
		t.Fatalf("statuses %v: want 50 × 401 before the client limit", statuses)
	}
	expectRetryAfter(t, loginFrom(t, env, sprayer, "ada@acme.test", "Summer2026!").Expect(t, http.StatusTooManyRequests), 15*time.Minute)
	loginFrom(t, env, sprayer, "ada@acme.test", testenv.DefaultPassword).Expect(t, http.StatusTooManyRequests)
	loginFrom(t, env, owner, "ada@acme.test", testenv.DefaultPassword).Expect(t, http.StatusOK)
	loginFrom(t, env, owner, "user1@acme.test", "Summer2026!").Expect(t, http.StatusUnauthorized)
}

func TestRefreshRotatesAndReuseRevokesTheFamily(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	s0 := env.Signup(t, testenv.SignupOptions{})

	refresh := func(tok string) *testenv.Response {
		return env.Do(t, http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": tok})
	}
	var s1 testenv.Session
	refresh(s0.RefreshToken).Expect(t, http.StatusOK).Decode(t, &s1)
	if s1.RefreshToken == s0.RefreshToken || s1.Organization.ID != s0.Organization.ID || *s1.Role != "owner" {
		t.Fatalf("rotation: %+v", s1)
	}
	env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(s1.AccessToken)).Expect(t, http.StatusOK)
	var s2 testenv.Session
	refresh(s1.RefreshToken).Expect(t, http.StatusOK).Decode(t, &s2)

	// s0 was rotated: presenting it again is reuse. It is refused and the
	// whole family dies, the newest token included.
	refresh(s0.RefreshToken).Expect(t, http.StatusUnauthorized)
	refresh(s2.RefreshToken).Expect(t, http.StatusUnauthorized)

	// Another session of the same user is untouched.
	other := env.Login(t, s0.User.Email, testenv.DefaultPassword)
	refresh(other.RefreshToken).Expect(t, http.StatusOK)

	refresh("not-a-token").Expect(t, http.StatusUnauthorized)
	env.Do(t, http.MethodPost, "/v1/auth/refresh", map[string]any{}).Expect(t, http.StatusUnprocessableEntity)
}

func TestRacingRefreshesOfOneTokenCannotBothSucceed(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	s := env.Signup(t, testenv.SignupOptions{})
	statuses := parallel(5, func(int) int {
		return env.Do(t, http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": s.RefreshToken}).Status
	})
	if count(statuses, http.StatusOK)+count(statuses, http.StatusUnauthorized) != len(statuses) {
		t.Fatalf("statuses %v", statuses)
	}
	ok := count(statuses, http.StatusOK)
	if ok > 1 {
		t.Fatalf("%d racing refreshes of one token succeeded", ok)
	}
	var live int
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL AND rotated_at IS NULL`, s.User.ID).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if live != 0 {
		t.Fatalf("%d usable refresh tokens left after a reuse; want the family revoked", live)
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	s := env.Signup(t, testenv.SignupOptions{})
	other := env.Signup(t, testenv.SignupOptions{})

	env.Do(t, http.MethodPost, "/v1/auth/logout", map[string]any{"refresh_token": s.RefreshToken}).Expect(t, http.StatusUnauthorized)
	// Someone else's refresh token is not touched.
	env.Do(t, http.MethodPost, "/v1/auth/logout", map[string]any{"refresh_token": other.RefreshToken}, testenv.WithBearer(s.AccessToken)).
		Expect(t, http.StatusNoContent)
	env.Do(t, http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": other.RefreshToken}).Expect(t, http.StatusOK)

	env.Do(t, http.MethodPost, "/v1/auth/logout", map[string]any{"refresh_token": s.RefreshToken}, testenv.WithBearer(s.AccessToken)).
		Expect(t, http.StatusNoContent)
	env.Do(t, http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": s.RefreshToken}).Expect(t, http.StatusUnauthorized)
	// The session's access token ended with it.
	env.Do(t, http.MethodPost, "/v1/auth/logout", map[string]any{"refresh_token": s.RefreshToken}, testenv.WithBearer(s.AccessToken)).
		Expect(t, http.StatusUnauthorized)
	// Idempotent, from another session of the user.
	again := env.Login(t, s.User.Email, testenv.DefaultPassword)
	env.Do(t, http.MethodPost, "/v1/auth/logout", map[string]any{"refresh_token": s.RefreshToken}, testenv.WithBearer(again.AccessToken)).
		Expect(t, http.StatusNoContent)
	env.Do(t, http.MethodPost, "/v1/auth/logout", map[string]any{}, testenv.WithBearer(again.AccessToken)).Expect(t, http.StatusUnprocessableEntity)
}

// problemFields are the fields a 422 problem names.
func problemFields(t *testing.T, res *testenv.Response) map[string]bool {
	t.Helper()
	var p struct {
		Errors []struct{ Field string } `json:"errors"`
	}
	res.Decode(t, &p)
	out := map[string]bool{}
	for _, e := range p.Errors {
		out[e.Field] = true
	}
	return out
}

// TestFailedLoginsCountAnIPv6NetworkAsOneClient: a client that rotates
// through the addresses of its /64 is still one client, so it cannot dodge
// the per-email cap with a fresh address per guess; another /64 is another
// client.
func TestFailedLoginsCountAnIPv6NetworkAsOneClient(t *testing.T) {
	t.Parallel()
	env := behindProxy(t)
	env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	for i := 1; i <= 10; i++ {
		loginFrom(t, env, fmt.Sprintf("2001:db8:1:2::%x", i), "ada@acme.test", "wrong password "+strconv.Itoa(i)).Expect(t, http.StatusUnauthorized)
	}
	expectRetryAfter(t, loginFrom(t, env, "2001:db8:1:2:ffff::1", "ada@acme.test", "yet another guess").Expect(t, http.StatusTooManyRequests), 15*time.Minute)
	loginFrom(t, env, "2001:db8:1:3::1", "ada@acme.test", testenv.DefaultPassword).Expect(t, http.StatusOK)
}
