package accounts_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/fakeclock"
	"github.com/onramp/onramp/internal/testing/testenv"
)

func signupForm(email string) url.Values {
	return url.Values{"company_name": {"Acme Santé"}, "full_name": {"Ada Lovelace"}, "email": {email},
		"password": {"correct horse battery"}, "plan": {"standalone-monthly"}, "seats": {"12"},
		"utm_source": {"newsletter"}, "utm_campaign": {"spring"}}
}

func TestTheSignupPageShowsThePlansInTheVisitorsLanguage(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	for lang, texts := range map[string][]string{
		"en": {"Start with Onramp", "€15.00 per seat / month", "€150.00 per seat / year", "14-day free trial", "3 to 500 seats",
			"10 to 128 characters", `name="utm_source" value="newsletter"`},
		"fr": {"Commencer avec Onramp", "15,00\u00a0€ / siège / mois", "150,00\u00a0€ / siège / an", "14 jours d’essai gratuit",
			"De 3 à 500 sièges", "Entre 10 et 128 caractères", `name="utm_source" value="newsletter"`},
	} {
		v := newVisitor(t, env, lang)
		p := v.get(t, "/signup?utm_source=newsletter&utm_medium=email&utm_campaign=spring").expect(t, http.StatusOK, texts...)
		if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://checkout.stripe.com") {
			t.Errorf("the form's answer goes to Checkout, which form-action must allow: %q", csp)
		}
	}
}

// A valid form creates the account, opens Checkout for it, and sends the
// buyer there; the campaign and the buyer's language are kept.
func TestSignupSendsTheBuyerToCheckout(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	v := newVisitor(t, env, "fr")
	v.get(t, "/signup")
	p := v.post(t, "/signup", signupForm("ada@acme.test")).expect(t, http.StatusSeeOther)

	var orgID, stored, source, locale string
	var seats int
	err := env.DB.Pool.QueryRow(t.Context(), `SELECT o.id::text, c.url, c.seats, coalesce(o.utm_source, ''), coalesce(u.locale, '')
		FROM organizations o JOIN checkout_sessions c ON c.organization_id = o.id
		JOIN memberships m ON m.organization_id = o.id JOIN users u ON u.id = m.user_id WHERE u.email = 'ada@acme.test'`).
		Scan(&orgID, &stored, &seats, &source, &locale)
	if err != nil {
		t.Fatalf("no account with a Checkout session: %v", err)
	}
	if p.Header.Get("Location") != stored || seats != 12 || source != "newsletter" || locale != "fr" {
		t.Fatalf("sent to %q, stored %q for %d seats; utm_source %q, locale %q", p.Header.Get("Location"), stored, seats, source, locale)
	}
	if sent := env.Stripe.Find("POST", "/v1/checkout/sessions"); len(sent) != 1 || !strings.Contains(sent[0].Form.Get("success_url"), "/checkout/success?session_id=") {
		t.Fatalf("Checkout sessions opened: %+v", sent)
	}
}

func TestSignupErrorsAreShownBesideTheirFields(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.Signup(t, testenv.SignupOptions{Email: "taken@acme.test"})
	bad := url.Values{"company_name": {" "}, "full_name": {"Ada"}, "email": {"not an email"}, "password": {"short"},
		"plan": {"standalone-monthly"}, "seats": {"2"}}
	for lang, texts := range map[string][]string{
		"en": {"Please correct the following:", "This field is required.", "Enter an email address", "Use 10 to 128 characters.",
			"On the Standalone plan, choose from 3 to 500 seats."},
		"fr": {"Merci de corriger ce qui suit :", "Ce champ est obligatoire.", "Saisissez une adresse e-mail", "Utilisez entre 10 et 128 caractères.",
			"Avec la formule Standalone, choisissez entre 3 et 500 sièges."},
	} {
		v := newVisitor(t, env, lang)
		v.get(t, "/signup")
		p := v.post(t, "/signup", bad).expect(t, http.StatusUnprocessableEntity, texts...)
		for _, field := range []string{"company_name", "email", "password", "seats"} {
			if !matches(`id="`+field+`"[^>]*aria-invalid="true"`, p.Body) || !strings.Contains(p.Body, `id="`+field+`-error"`) {
				t.Errorf("%s: %s is not marked invalid with its message:\n%s", lang, field, p.Body)
			}
		}
		if !strings.Contains(p.Body, `value="not an email"`) || !strings.Contains(p.Body, `value="Ada"`) || strings.Contains(p.Body, "short") {
			t.Errorf("%s: the values typed are kept, never the password:\n%s", lang, p.Body)
		}

		taken := signupForm("Taken@Acme.test")
		v.post(t, "/signup", taken).expect(t, http.StatusConflict, map[string]string{
			"en": "An account already uses this email address.", "fr": "Un compte utilise déjà cette adresse e-mail."}[lang])
	}
	if n := count(t, env, `SELECT count(*) FROM organizations`); n != 1 {
		t.Fatalf("%d organizations: a refused form must create nothing", n)
	}
	// A form without its CSRF token is refused, and creates nothing.
	v := newVisitor(t, env, "en")
	v.get(t, "/signup")
	v.postRaw(t, "/signup", signupForm("nocsrf@acme.test")).expect(t, http.StatusForbidden)
	if n := count(t, env, `SELECT count(*) FROM users WHERE email = 'nocsrf@acme.test'`); n != 0 {
		t.Fatal("a post without the CSRF token created an account")
	}
}

// A signup refused for the whole form (too many from this network) says
// why in the summary, rather than "please correct" over nothing to
// correct.
func TestARateLimitedSignupSaysSo(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.SignupRateLimit = 1 })
	env.Signup(t, testenv.SignupOptions{Email: "first@acme.test"}) // from this test's one address
	for lang, tc := range map[string]struct{ said, notSaid string }{
		"en": {"Too many accounts were created from your network in the last hour.", "Please correct the following:"},
		"fr": {"Trop de comptes ont été créés depuis votre réseau au cours de la dernière heure.", "Merci de corriger ce qui suit :"},
	} {
		v := newVisitor(t, env, lang)
		v.get(t, "/signup")
		p := v.post(t, "/signup", signupForm(lang+"@acme.test")).expect(t, http.StatusTooManyRequests)
		if !matches(`id="form-problems">\s*<p><strong>`+regexp.QuoteMeta(tc.said), p.Body) || strings.Contains(p.Body, tc.notSaid) {
			t.Errorf("%s: the summary should lead with the rate limit:\n%s", lang, p.Body)
		}
	}
	if n := count(t, env, `SELECT count(*) FROM organizations`); n != 1 {
		t.Fatalf("%d organizations: a rate-limited signup must create nothing", n)
	}
}

// With Stripe down, the account exists but Checkout cannot open: the
// buyer is told so, and this browser may open Checkout again for that
// organization, for an hour, and for nothing else.
func TestABuyerIsNotLostWhenCheckoutCannotOpen(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Now())
	env := testenv.New(t, func(c *config.Config) { c.Clock = clock })
	env.Stripe.Fail("POST", "/v1/customers", 503, 3) // the first try and stripe-go's two retries
	v := newVisitor(t, env, "en")
	v.get(t, "/signup")
	v.post(t, "/signup", signupForm("ada@acme.test")).expect(t, http.StatusServiceUnavailable,
		"Your account is ready", "Nothing was charged", "Try the payment page again")
	if n := count(t, env, `SELECT count(*) FROM organizations`); n != 1 {
		t.Fatalf("%d organizations after signup", n)
	}
	if n := count(t, env, `SELECT count(*) FROM checkout_sessions`); n != 0 {
		t.Fatalf("%d Checkout sessions though Stripe was down", n)
	}

	// Another browser (no cookie) cannot, nor can this one without CSRF.
	other := newVisitor(t, env, "en")
	other.get(t, "/signup")
	other.post(t, "/signup/checkout", url.Values{}).expect(t, http.StatusGone, "sign in to the app")
	v.postRaw(t, "/signup/checkout", url.Values{}).expect(t, http.StatusForbidden)

	p := v.post(t, "/signup/checkout", url.Values{}).expect(t, http.StatusSeeOther)
	var stored string
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT url FROM checkout_sessions`).Scan(&stored); err != nil || p.Header.Get("Location") != stored {
		t.Fatalf("sent to %q, stored %q (%v)", p.Header.Get("Location"), stored, err)
	}
	// Back from Checkout without paying, within the hour: it offers to go back.
	v.get(t, "/checkout/cancel").expect(t, http.StatusOK, "Nothing was charged", "Back to the payment page")

	clock.Set(clock.Now().Add(time.Hour))
	v.get(t, "/checkout/cancel").expect(t, http.StatusOK, "sign in to the app")
	if p := v.get(t, "/checkout/cancel"); strings.Contains(p.Body, "Back to the payment page") {
		t.Fatal("an hour later the cancel page still offers Checkout")
	}
	v.post(t, "/signup/checkout", url.Values{}).expect(t, http.StatusGone)
}

func matches(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }

// A double click sends the signup form twice; the browser shows the
// second answer. It must be the first's: the redirect to the one Checkout
// session of the one account, not "this email is already used". The
// second post arrives while the first waits on Stripe.
func TestADoubleSubmittedSignupOpensOneAccountAndOneCheckout(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	v := newVisitor(t, env, "en")
	blank := v.get(t, "/signup").expect(t, http.StatusOK, `name="form_key" value="`)
	key := regexp.MustCompile(`name="form_key" value="([^"]+)"`).FindStringSubmatch(blank.Body)[1]
	form := signupForm("ada@acme.test")
	form.Set("form_key", key)

	arrived, release := env.Stripe.Hold("POST", "/v1/checkout/sessions")
	answers := make(chan page, 2)
	go func() { answers <- v.post(t, "/signup", cloneValues(form)) }()
	<-arrived // the first post made the account and is opening Checkout
	go func() { answers <- v.post(t, "/signup", cloneValues(form)) }()
	release()
	first, second := <-answers, <-answers
	for _, p := range []page{first, second} {
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != first.Header.Get("Location") || first.Header.Get("Location") == "" {
			t.Fatalf("answers %d %q and %d %q: want the same redirect to Checkout twice",
				first.Status, first.Header.Get("Location"), second.Status, second.Header.Get("Location"))
		}
	}
	if n := count(t, env, `SELECT count(*) FROM organizations WHERE name = 'Acme Santé'`); n != 1 {
		t.Fatalf("%d organizations, want 1", n)
	}
	if sent := env.Stripe.Find("POST", "/v1/checkout/sessions"); len(sent) != 1 {
		t.Fatalf("%d Checkout sessions opened, want 1", len(sent))
	}

	// Sent again later (a reload), the same answer; the same key with
	// other values (the buyer went back and changed the form) is a new
	// signup, refused on its own terms.
	v.post(t, "/signup", cloneValues(form)).expect(t, http.StatusSeeOther)
	changed := cloneValues(form)
	changed.Set("seats", "20")
	v.post(t, "/signup", changed).expect(t, http.StatusConflict, "already")
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
