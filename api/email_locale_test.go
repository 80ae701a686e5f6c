package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// A person who reads French gets their emails in French: the verification
// and reset emails to them, and the invitations they send (the invitee has
// said nothing yet; they most likely read what their colleague reads).
// Someone who said nothing gets English.
func TestEmailsAreWrittenInTheReadersLanguage(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ada := env.Signup(t, testenv.SignupOptions{Company: "Acmé", Email: "ada@acme.test", FullName: "Ada Lovelace"})
	env.Mail.WaitFor(t, ada.User.Email, "Confirm your email address")
	env.VerifyEmail(t, ada.User.Email)
	patchMe(t, env, ada.AccessToken, map[string]any{"locale": "fr"}).Expect(t, http.StatusOK)

	env.Do(t, http.MethodPost, "/v1/auth/password-reset", map[string]any{"email": ada.User.Email}).Expect(t, http.StatusAccepted)
	reset := env.Mail.WaitFor(t, ada.User.Email, "Réinitialisez votre mot de passe")
	for _, want := range []string{"Bonjour Ada Lovelace,", "ouvrez ce lien\u00a0:", "/reset-password?token=", "expire dans une heure"} {
		if !strings.Contains(reset.Text, want) {
			t.Errorf("the French reset email lacks %q:\n%s", want, reset.Text)
		}
	}

	invite(t, env, ada.AccessToken, "bob@acme.test", "member").Expect(t, http.StatusCreated)
	inv := env.Mail.WaitFor(t, "bob@acme.test", "Rejoignez Acmé sur Onramp")
	if !strings.Contains(inv.Text, "Ada Lovelace vous invite à rejoindre Acmé sur Onramp.") || !strings.Contains(inv.Text, "/accept-invitation?token=") {
		t.Errorf("the French invitation:\n%s", inv.Text)
	}

	// Back to English, and someone else who never said: English.
	patchMe(t, env, ada.AccessToken, map[string]any{"locale": "en"}).Expect(t, http.StatusOK)
	invite(t, env, ada.AccessToken, "carol@acme.test", "member").Expect(t, http.StatusCreated)
	if m := env.Mail.WaitFor(t, "carol@acme.test", "Join Acmé on Onramp"); !strings.Contains(m.Text, "Ada Lovelace invited you to join Acmé on Onramp.") {
		t.Errorf("the English invitation:\n%s", m.Text)
	}
	dan := env.Signup(t, testenv.SignupOptions{Company: "Globex", Email: "dan@globex.test", FullName: "Dan"})
	if m := env.Mail.WaitFor(t, dan.User.Email, "Confirm your email address"); !strings.Contains(m.Text, "Hello Dan,") {
		t.Errorf("the English verification email:\n%s", m.Text)
	}
}
