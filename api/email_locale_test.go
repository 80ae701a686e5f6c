package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/mail"
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

// A buyer whose browser prefers French gets their first email in French;
// a locale in the body wins over the header; an unknown one is refused
// with nothing created.
func TestSignupTakesTheOwnersLanguage(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	body := func(email string) map[string]any {
		return map[string]any{"company_name": "Acmé", "email": email, "password": testenv.DefaultPassword, "full_name": "Camille Dupont"}
	}
	french := testenv.WithHeader("Accept-Language", "fr-CA,fr;q=0.9,en;q=0.5")
	env.Do(t, http.MethodPost, "/v1/signup", body("camille@acme.test"), french).Expect(t, http.StatusCreated)
	if m := env.Mail.WaitFor(t, "camille@acme.test", "Confirmez votre adresse e-mail"); !strings.Contains(m.Text, "Bonjour Camille Dupont,") {
		t.Errorf("the French verification email:\n%s", m.Text)
	}
	if got := scalar[string](t, env, `SELECT locale FROM users WHERE email = 'camille@acme.test'`); got != "fr" {
		t.Errorf("stored locale %q, want fr", got)
	}

	english := body("ines@acme.test")
	english["locale"] = "en"
	env.Do(t, http.MethodPost, "/v1/signup", english, french).Expect(t, http.StatusCreated)
	env.Mail.WaitFor(t, "ines@acme.test", "Confirm your email address")

	env.Do(t, http.MethodPost, "/v1/signup", body("hans@acme.test"), testenv.WithHeader("Accept-Language", "de-DE")).Expect(t, http.StatusCreated)
	if got := scalar[string](t, env, `SELECT locale FROM users WHERE email = 'hans@acme.test'`); got != "en" {
		t.Errorf("a language we do not write in stored %q, want DEFAULT_LOCALE (en)", got)
	}

	bad := body("zoe@acme.test")
	bad["locale"] = "de"
	env.Do(t, http.MethodPost, "/v1/signup", bad).Expect(t, http.StatusUnprocessableEntity)
	if n := scalar[int](t, env, `SELECT count(*) FROM users WHERE email = 'zoe@acme.test'`); n != 0 {
		t.Error("a refused signup created a user")
	}
}

// DEFAULT_LOCALE is the language of whoever has not said theirs: a signup
// with neither a locale nor a usable Accept-Language stores it (GET /v1/me
// shows it), and someone whose language is unsaid gets emails in it.
func TestTheDefaultLocaleServesWhoeverSaidNothing(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.DefaultLocale = mail.French })
	body := map[string]any{"company_name": "Acme", "email": "ada@acme.test", "password": testenv.DefaultPassword, "full_name": "Ada"}
	var s testenv.Session
	env.Do(t, http.MethodPost, "/v1/signup", body, testenv.WithHeader("Accept-Language", "de-DE")).Expect(t, http.StatusCreated).Decode(t, &s)
	env.Mail.WaitFor(t, "ada@acme.test", "Confirmez votre adresse e-mail")
	me := env.Do(t, http.MethodGet, "/v1/me", nil, testenv.WithBearer(s.AccessToken)).Expect(t, http.StatusOK).Map(t)
	if got := me["user"].(map[string]any)["locale"]; got != "fr" {
		t.Errorf("GET /v1/me locale %v, want fr", got)
	}

	// Cleared ("not said" again): emails still come in DEFAULT_LOCALE.
	patchMe(t, env, s.AccessToken, map[string]any{"locale": nil}).Expect(t, http.StatusOK)
	env.Do(t, http.MethodPost, "/v1/auth/password-reset", map[string]any{"email": "ada@acme.test"}).Expect(t, http.StatusAccepted)
	env.Mail.WaitFor(t, "ada@acme.test", "Réinitialisez votre mot de passe")
}
