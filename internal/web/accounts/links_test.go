package accounts_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// tokenUsed reports whether an emailed token of the user has been used.
func tokensUsed(t *testing.T, env *testenv.Env, email, purpose string) int {
	t.Helper()
	return count(t, env, `SELECT count(*) FROM email_tokens e JOIN users u ON u.id = e.user_id
		WHERE u.email = $1 AND e.purpose = $2 AND e.used_at IS NOT NULL`, email, purpose)
}

func verified(t *testing.T, env *testenv.Env, email string) bool {
	t.Helper()
	return count(t, env, `SELECT count(*) FROM users WHERE email = $1 AND email_verified_at IS NOT NULL`, email) == 1
}

// Opening the link changes nothing (mail scanners open links); the form's
// POST, with its CSRF token, confirms the address; the link then is dead.
func TestVerifyingAnEmailTakesTheFormsPost(t *testing.T) {
	t.Parallel()
	appURL, _ := url.Parse("https://app.acme.test/home")
	env := testenv.New(t, func(c *config.Config) { c.AppURL = appURL })
	env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	token := testenv.LinkToken(t, env.Mail.WaitFor(t, "ada@acme.test", "Confirm your email address").Text)
	link := "/verify-email?token=" + url.QueryEscape(token)

	for lang, texts := range map[string][]string{
		"en": {"Confirm your email address", "Confirm my address", `href="/verify-email?lang=fr&amp;token=` + url.QueryEscape(token) + `"`},
		"fr": {"Confirmez votre adresse e-mail", "Confirmer mon adresse", `href="/verify-email?lang=en&amp;token=` + url.QueryEscape(token) + `"`},
	} {
		v := newVisitor(t, env, lang)
		for range 2 {
			v.get(t, link).expect(t, http.StatusOK, texts...)
		}
		v.postRaw(t, link, url.Values{}).expect(t, http.StatusForbidden)
	}
	if verified(t, env, "ada@acme.test") || tokensUsed(t, env, "ada@acme.test", "verify_email") != 0 {
		t.Fatal("opening the link or posting without CSRF confirmed the address")
	}

	v := newVisitor(t, env, "fr")
	v.get(t, link)
	// With APP_URL set, the app is where people go once done, told what happened.
	if done := v.post(t, link, url.Values{}).expect(t, http.StatusSeeOther); done.Header.Get("Location") != "https://app.acme.test/home?onramp=email_verified" {
		t.Fatalf("once confirmed, sent to %q", done.Header.Get("Location"))
	}
	if !verified(t, env, "ada@acme.test") {
		t.Fatal("the address is not verified")
	}
	v.get(t, link).expect(t, http.StatusGone, "Ce lien ne fonctionne plus", "il faut être connecté")
	v.post(t, link, url.Values{}).expect(t, http.StatusGone)
	newVisitor(t, env, "en").get(t, "/verify-email?token=nonsense").expect(t, http.StatusGone, "This link no longer works", "you need to be signed in")
	if strings.Contains(env.Log.String(), token) {
		t.Fatal("the token is in the service's log")
	}
}

func TestResettingAPasswordTakesTheFormsPost(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	s := env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	env.Do(t, http.MethodPost, "/v1/auth/password-reset", map[string]any{"email": "ada@acme.test"}).Expect(t, http.StatusAccepted)
	token := testenv.LinkToken(t, env.Mail.WaitFor(t, "ada@acme.test", "Reset your password").Text)
	link := "/reset-password?token=" + url.QueryEscape(token)
	hash := func() string {
		var h string
		if err := env.DB.Pool.QueryRow(t.Context(), `SELECT password_hash FROM users WHERE id = $1`, s.User.ID).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	before := hash()

	for lang, texts := range map[string][]string{
		"en": {"Choose a new password", "The two passwords are not the same.", "Use 10 to 128 characters."},
		"fr": {"Choisissez un nouveau mot de passe", "Les deux mots de passe ne sont pas identiques.", "Utilisez entre 10 et 128 caractères."},
	} {
		v := newVisitor(t, env, lang)
		v.get(t, link).expect(t, http.StatusOK, texts[0])
		v.postRaw(t, link, url.Values{"password": {"a brand new password"}, "password_confirm": {"a brand new password"}}).expect(t, http.StatusForbidden)
		p := v.post(t, link, url.Values{"password": {"short"}, "password_confirm": {"shorter"}}).expect(t, http.StatusUnprocessableEntity, texts[1:]...)
		if !matches(`id="password"[^>]*aria-invalid="true"`, p.Body) || !matches(`id="password_confirm"[^>]*aria-invalid="true"`, p.Body) {
			t.Errorf("%s: the fields are not marked invalid:\n%s", lang, p.Body)
		}
		v.post(t, link, url.Values{"password": {"short"}, "password_confirm": {"short"}}).expect(t, http.StatusUnprocessableEntity, texts[2])
	}
	if hash() != before || tokensUsed(t, env, "ada@acme.test", "password_reset") != 0 {
		t.Fatal("the password changed, or the token was used, before a valid post")
	}

	v := newVisitor(t, env, "en")
	v.get(t, link)
	v.post(t, link, url.Values{"password": {"a brand new password"}, "password_confirm": {"a brand new password"}}).
		expect(t, http.StatusOK, "Your password is changed")
	env.Login(t, "ada@acme.test", "a brand new password")
	v.get(t, link).expect(t, http.StatusGone, "Forgot your password?")
}

func TestAcceptingAnInvitationTakesTheFormsPost(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{Company: "Acme Santé", Email: "ada@acme.test"})
	env.VerifyEmail(t, "ada@acme.test")
	env.Do(t, http.MethodPost, "/v1/organization/invitations", map[string]any{"email": "bob@acme.test", "locale": "fr"},
		testenv.WithBearer(owner.AccessToken)).Expect(t, http.StatusCreated)
	token := testenv.LinkToken(t, env.Mail.WaitFor(t, "bob@acme.test", "Acme Santé").Text)
	link := "/accept-invitation?token=" + url.QueryEscape(token)
	accepted := func() int {
		return count(t, env, `SELECT count(*) FROM invitations WHERE email = 'bob@acme.test' AND accepted_at IS NOT NULL`)
	}

	for lang, texts := range map[string][]string{
		"en": {"Join Acme Santé on Onramp", "bob@acme.test", "This field is required.", "Use 10 to 128 characters."},
		"fr": {"Rejoindre Acme Santé sur Onramp", "bob@acme.test", "Ce champ est obligatoire.", "Utilisez entre 10 et 128 caractères."},
	} {
		v := newVisitor(t, env, lang)
		v.get(t, link).expect(t, http.StatusOK, texts[:2]...)
		v.postRaw(t, link, url.Values{"full_name": {"Bob"}, "password": {"a long enough password"}}).expect(t, http.StatusForbidden)
		v.post(t, link, url.Values{"full_name": {""}, "password": {"short"}}).expect(t, http.StatusUnprocessableEntity, texts...)
	}
	if accepted() != 0 || count(t, env, `SELECT count(*) FROM users WHERE email = 'bob@acme.test'`) != 0 {
		t.Fatal("the invitation was used before a valid post")
	}

	v := newVisitor(t, env, "fr")
	v.get(t, link)
	v.post(t, link, url.Values{"full_name": {"Bob Martin"}, "password": {"a long enough password"}}).
		expect(t, http.StatusOK, "Vous faites désormais partie de Acme Santé.")
	if accepted() != 1 {
		t.Fatal("the invitation is not accepted")
	}
	env.Login(t, "bob@acme.test", "a long enough password")
	v.get(t, link).expect(t, http.StatusGone, "Cette invitation a déjà été acceptée")
}

func TestCheckoutSuccessSaysWhatComesNext(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	newVisitor(t, env, "en").get(t, "/checkout/success?session_id=cs_test_123").
		expect(t, http.StatusOK, "Thank you!", "confirm your email address", "invite your team")
	newVisitor(t, env, "fr").get(t, "/checkout/success?session_id=cs_test_123").expect(t, http.StatusOK, "Merci !", "inviter votre équipe")
	// Without the signup's cookie, the cancel page cannot offer Checkout
	// again; it says how to come back.
	p := newVisitor(t, env, "fr").get(t, "/checkout/cancel").expect(t, http.StatusOK, "Rien n’a été débité", "connectez-vous à l’application")
	if strings.Contains(p.Body, "/signup/checkout") {
		t.Fatal("the cancel page offers Checkout to a browser that did not sign up")
	}
}
