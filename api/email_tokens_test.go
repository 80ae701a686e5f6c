package api_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/testing/testenv"
)

func TestVerificationResendAndExpiry(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	s := env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	first := testenv.LinkToken(t, env.Mail.WaitFor(t, "ada@acme.test", "Confirm your email").Text)
	var ttl float64
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT extract(epoch FROM expires_at - created_at) FROM email_tokens WHERE purpose = 'verify_email'`).Scan(&ttl); err != nil || ttl != 24*3600 {
		t.Fatalf("verification token lifetime %vs, %v; want 24 hours", ttl, err)
	}

	env.Do(t, http.MethodPost, "/v1/auth/verify-email/resend", nil).Expect(t, http.StatusUnauthorized)
	env.Do(t, http.MethodPost, "/v1/auth/verify-email/resend", nil, testenv.WithBearer(s.AccessToken)).Expect(t, http.StatusAccepted)
	waitForCount(t, env, "ada@acme.test", 2)

	// An expired link fails, even unused.
	if _, err := env.DB.Pool.Exec(t.Context(), `UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = sha256($1::bytea)`, []byte(first)); err != nil {
		t.Fatal(err)
	}
	env.Do(t, http.MethodPost, "/v1/auth/verify-email", map[string]any{"token": first}).Expect(t, http.StatusUnprocessableEntity)

	var second string
	for _, m := range env.Mail.Messages() {
		if tok := testenv.LinkToken(t, m.Text); m.To[0] == "ada@acme.test" && tok != first {
			second = tok
		}
	}
	env.Do(t, http.MethodPost, "/v1/auth/verify-email", map[string]any{"token": second}).Expect(t, http.StatusNoContent)
	env.Do(t, http.MethodPost, "/v1/auth/verify-email", map[string]any{"token": second}).Expect(t, http.StatusUnprocessableEntity)
	if env.Do(t, http.MethodPost, "/v1/auth/verify-email/resend", nil, testenv.WithBearer(s.AccessToken)).Expect(t, http.StatusConflict).Code(t) != "email_already_verified" {
		t.Fatal("wrong code")
	}
	env.Do(t, http.MethodPost, "/v1/auth/verify-email", map[string]any{"token": "made-up"}).Expect(t, http.StatusUnprocessableEntity)
	env.Do(t, http.MethodPost, "/v1/auth/verify-email", map[string]any{}).Expect(t, http.StatusUnprocessableEntity)
}

func TestVerificationResendIsLimited(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	s := env.Signup(t, testenv.SignupOptions{})
	for i := 0; i < 5; i++ {
		env.Do(t, http.MethodPost, "/v1/auth/verify-email/resend", nil, testenv.WithBearer(s.AccessToken)).Expect(t, http.StatusAccepted)
	}
	res := env.Do(t, http.MethodPost, "/v1/auth/verify-email/resend", nil, testenv.WithBearer(s.AccessToken)).Expect(t, http.StatusTooManyRequests)
	if res.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}

func TestPasswordResetForUnknownEmailSendsNothing(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	env.Do(t, http.MethodPost, "/v1/auth/password-reset", map[string]any{"email": "ghost@acme.test"}).Expect(t, http.StatusAccepted)
	env.Do(t, http.MethodPost, "/v1/auth/password-reset", map[string]any{"email": "ada@acme.test"}).Expect(t, http.StatusAccepted)
	env.Mail.WaitFor(t, "ada@acme.test", "Reset your password")
	waitForJobs(t, env, "password_reset_request")
	var requests, queued int
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FILTER (WHERE kind = 'password_reset_request'),
		count(*) FILTER (WHERE args->'message'->>'to' = 'ghost@acme.test') FROM river_job`).Scan(&requests, &queued); err != nil {
		t.Fatal(err)
	}
	if requests != 2 {
		t.Fatalf("%d reset requests queued, want one per request, known address or not", requests)
	}
	if queued != 0 || env.Mail.Count("ghost@acme.test") != 0 {
		t.Fatalf("an email was queued (%d) or sent (%d) for an unknown address", queued, env.Mail.Count("ghost@acme.test"))
	}
	env.Do(t, http.MethodPost, "/v1/auth/password-reset", map[string]any{"email": "nope"}).Expect(t, http.StatusUnprocessableEntity)
}

func TestPasswordResetConfirmChangesPasswordAndRevokesSessions(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	s := env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	other := env.Login(t, "ada@acme.test", testenv.DefaultPassword)
	// A lockout ends with the reset.
	for i := 0; i < 10; i++ {
		env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": "ada@acme.test", "password": "wrong password"}).Expect(t, http.StatusUnauthorized)
	}

	env.Do(t, http.MethodPost, "/v1/auth/password-reset", map[string]any{"email": "Ada@Acme.test"}).Expect(t, http.StatusAccepted)
	msg := env.Mail.WaitFor(t, "ada@acme.test", "Reset your password")
	token := testenv.LinkToken(t, msg.Text)

	res := env.Do(t, http.MethodPost, "/v1/auth/password-reset/confirm", map[string]any{"token": token, "new_password": "short"}).
		Expect(t, http.StatusUnprocessableEntity)
	if !problemFields(t, res)["new_password"] {
		t.Fatalf("fields: %s", res.Body)
	}
	env.Do(t, http.MethodPost, "/v1/auth/password-reset/confirm", map[string]any{"token": token, "new_password": "a brand new long password"}).
		Expect(t, http.StatusNoContent)
	// Single use.
	env.Do(t, http.MethodPost, "/v1/auth/password-reset/confirm", map[string]any{"token": token, "new_password": "yet another password"}).
		Expect(t, http.StatusUnprocessableEntity)

	for _, rt := range []string{s.RefreshToken, other.RefreshToken} {
		env.Do(t, http.MethodPost, "/v1/auth/refresh", map[string]any{"refresh_token": rt}).Expect(t, http.StatusUnauthorized)
	}
	env.Do(t, http.MethodPost, "/v1/auth/login", map[string]any{"email": "ada@acme.test", "password": testenv.DefaultPassword}).
		Expect(t, http.StatusUnauthorized)
	after := env.Login(t, "ada@acme.test", "a brand new long password")
	if !after.User.EmailVerified {
		t.Fatal("a reset through the emailed link should verify the address")
	}
}

func TestPasswordResetTokenExpires(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	env.Do(t, http.MethodPost, "/v1/auth/password-reset", map[string]any{"email": "ada@acme.test"}).Expect(t, http.StatusAccepted)
	token := testenv.LinkToken(t, env.Mail.WaitFor(t, "ada@acme.test", "Reset your password").Text)
	var ttl float64
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT extract(epoch FROM expires_at - created_at) FROM email_tokens WHERE purpose = 'password_reset'`).Scan(&ttl); err != nil || ttl != 3600 {
		t.Fatalf("reset token lifetime %vs, %v; want 1 hour", ttl, err)
	}
	if _, err := env.DB.Pool.Exec(t.Context(), `UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE purpose = 'password_reset'`); err != nil {
		t.Fatal(err)
	}
	env.Do(t, http.MethodPost, "/v1/auth/password-reset/confirm", map[string]any{"token": token, "new_password": "a brand new long password"}).
		Expect(t, http.StatusUnprocessableEntity)
	env.Login(t, "ada@acme.test", testenv.DefaultPassword)
}

// waitForJobs waits until every job of kind has run.
func waitForJobs(t *testing.T, env *testenv.Env, kind string) {
	t.Helper()
	for i := 0; i < 200; i++ {
		var pending int
		if err := env.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM river_job WHERE kind = $1 AND finalized_at IS NULL`, kind).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			return
		}
		sleep()
	}
	t.Fatalf("%s jobs still pending", kind)
}

// waitForCount waits until n emails reached to.
func waitForCount(t *testing.T, env *testenv.Env, to string, n int) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if env.Mail.Count(to) >= n {
			return
		}
		sleep()
	}
	t.Fatalf("%d emails to %s, want %d", env.Mail.Count(to), to, n)
}

func TestPasswordResetEmailsAreLimitedQuietly(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	// Each request waits for the one before to be answered: a request for
	// an address with one still waiting would only join it.
	for i := 0; i < 7; i++ {
		env.Do(t, http.MethodPost, "/v1/auth/password-reset", map[string]any{"email": "ada@acme.test"}).Expect(t, http.StatusAccepted)
		waitForJobs(t, env, "password_reset_request")
	}
	var queued int
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT count(*) FROM river_job WHERE args->'message'->>'subject' = 'Reset your password'`).Scan(&queued); err != nil {
		t.Fatal(err)
	}
	if queued != 5 {
		t.Fatalf("%d reset emails queued, want 5 (the hourly limit)", queued)
	}
}

// TestPasswordResetRequestsAreLimitedPerClient: one client asks for at most
// 20 reset links an hour, then 429 with Retry-After, for addresses with an
// account and without alike (so the 429 tells nothing about the address);
// other clients are not refused.
func TestPasswordResetRequestsAreLimitedPerClient(t *testing.T) {
	t.Parallel()
	env := behindProxy(t)
	env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	reset := func(client, email string) *testenv.Response {
		return env.Do(t, http.MethodPost, "/v1/auth/password-reset", map[string]any{"email": email}, testenv.WithHeader("X-Forwarded-For", client))
	}
	const flooder, owner = "203.0.113.5", "198.51.100.7"
	for i := 0; i < 20; i++ {
		reset(flooder, fmt.Sprintf("ghost%d@acme.test", i)).Expect(t, http.StatusAccepted)
	}
	expectRetryAfter(t, reset(flooder, "ada@acme.test").Expect(t, http.StatusTooManyRequests), time.Hour)
	expectRetryAfter(t, reset(flooder, "ghost@acme.test").Expect(t, http.StatusTooManyRequests), time.Hour)
	reset(owner, "ada@acme.test").Expect(t, http.StatusAccepted)
	if n := countRows(t, env, `SELECT count(*) FROM river_job WHERE kind = 'password_reset_request'`); n != 21 {
		t.Fatalf("%d reset requests queued, want 21 (20 from the flooder, 1 from the owner)", n)
	}
}
