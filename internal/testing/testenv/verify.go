package testenv

import (
	"net/http"
	"testing"
)

// VerifyEmail confirms an address the way its owner would: with the link
// of the verification email the service sent to it.
func (e *Env) VerifyEmail(t testing.TB, email string) {
	t.Helper()
	token := LinkToken(t, e.Mail.WaitFor(t, email, "Confirm your email address").Text)
	e.Do(t, http.MethodPost, "/v1/auth/verify-email", map[string]any{"token": token}).Expect(t, http.StatusNoContent)
}
