package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/testing/testenv"
	"github.com/onramp/onramp/internal/unsubscribe"
)

// unsubscribePath is the path and query of email's unsubscribe link, as
// the service would put it in a nudge's List-Unsubscribe header.
func unsubscribePath(t *testing.T, env *testenv.Env, email string) string {
	t.Helper()
	u, err := url.Parse(env.App.Unsubscribe.URL(email, unsubscribe.OnboardingTips))
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

// oneClick is the POST a mail provider sends for RFC 8058's button.
func oneClick(t *testing.T, env *testenv.Env, path string, opts ...testenv.RequestOption) *testenv.Response {
	t.Helper()
	opts = append([]testenv.RequestOption{testenv.WithHeader("Content-Type", "application/x-www-form-urlencoded")}, opts...)
	return env.Do(t, http.MethodPost, path, testenv.Raw("List-Unsubscribe=One-Click"), opts...)
}

func optOuts(t *testing.T, env *testenv.Env, email string) int {
	t.Helper()
	return scalar[int](t, env, `SELECT count(*) FROM notification_opt_outs
		WHERE email_hash = sha256(convert_to(lower($1), 'UTF8')) AND category = 'onboarding_tips'`, email)
}

func onboardingTips(t *testing.T, env *testenv.Env, token string) bool {
	t.Helper()
	var prefs struct {
		OnboardingTips *bool `json:"onboarding_tips"`
	}
	env.Do(t, http.MethodGet, "/v1/me/notification-preferences", nil, testenv.WithBearer(token)).Expect(t, http.StatusOK).Decode(t, &prefs)
	if prefs.OnboardingTips == nil {
		t.Fatal("no onboarding_tips in the preferences")
	}
	return *prefs.OnboardingTips
}

// assertPrivatePage: the token is in the URL, so neither a cache nor a
// Referer keeps it, and the page loads and runs nothing.
func assertPrivatePage(t *testing.T, res *testenv.Response) {
	t.Helper()
	if got := res.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("Cache-Control %q, Referrer-Policy %q", res.Header.Get("Cache-Control"), res.Header.Get("Referrer-Policy"))
	}
	csp := cspOf(res.Header)
	if !slices.Equal(csp["default-src"], []string{"'none'"}) || !slices.Equal(csp["form-action"], []string{"'self'"}) ||
		!slices.Equal(csp["frame-ancestors"], []string{"'none'"}) || csp["script-src"] != nil || len(csp["style-src"]) != 1 ||
		!strings.HasPrefix(csp["style-src"][0], "'sha256-") {
		t.Errorf("Content-Security-Policy %q", res.Header.Get("Content-Security-Policy"))
	}
}

// The link in a nudge: opening it asks and changes nothing; the one-click
// POST opts out at once, and again is fine; the person's preferences show
// it, and turning tips back on removes the opt-out.
func TestUnsubscribeLinkOptsOutInOneClick(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ada := env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test", FullName: "Ada"})
	path := unsubscribePath(t, env, ada.User.Email)
	if !onboardingTips(t, env, ada.AccessToken) {
		t.Fatal("onboarding tips should be on by default")
	}

	page := env.Do(t, http.MethodGet, path, nil, testenv.WithHeader("Accept-Language", "fr-FR,fr;q=0.9")).Expect(t, http.StatusOK)
	assertPrivatePage(t, page)
	body := string(page.Body)
	token := strings.TrimPrefix(path, "/v1/unsubscribe?token=")
	for _, want := range []string{`<html lang="fr">`, "Me désabonner", `<form method="post" action="?token=` + token + `">`} {
		if !strings.Contains(body, want) {
			t.Errorf("the French page lacks %q:\n%s", want, body)
		}
	}
	env.Do(t, http.MethodGet, path, nil).Expect(t, http.StatusOK)
	if n := optOuts(t, env, ada.User.Email); n != 0 {
		t.Fatalf("opening the page recorded %d opt-outs; it must ask first", n)
	}

	var res struct {
		Category   string `json:"category"`
		Subscribed *bool  `json:"subscribed"`
	}
	oneClick(t, env, path).Expect(t, http.StatusOK).Decode(t, &res)
	if res.Category != "onboarding_tips" || res.Subscribed == nil || *res.Subscribed {
		t.Errorf("answer %+v, want onboarding_tips unsubscribed", res)
	}
	if optOuts(t, env, ada.User.Email) != 1 || onboardingTips(t, env, ada.AccessToken) {
		t.Fatal("the one-click POST did not opt out")
	}
	first := scalar[time.Time](t, env, `SELECT opted_out_at FROM notification_opt_outs`)
	oneClick(t, env, path).Expect(t, http.StatusOK)
	if optOuts(t, env, ada.User.Email) != 1 || !scalar[time.Time](t, env, `SELECT opted_out_at FROM notification_opt_outs`).Equal(first) {
		t.Error("a second POST changed the opt-out")
	}

	// The page's own button: a browser gets a page back.
	done := env.Do(t, http.MethodPost, path, nil, testenv.WithHeader("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")).Expect(t, http.StatusOK)
	assertPrivatePage(t, done)
	if !strings.Contains(string(done.Body), "You are unsubscribed") {
		t.Errorf("the confirmation page:\n%s", done.Body)
	}

	var prefs map[string]any
	env.Do(t, http.MethodPut, "/v1/me/notification-preferences", map[string]any{"onboarding_tips": true}, testenv.WithBearer(ada.AccessToken)).
		Expect(t, http.StatusOK).Decode(t, &prefs)
	if prefs["onboarding_tips"] != true || optOuts(t, env, ada.User.Email) != 0 || !onboardingTips(t, env, ada.AccessToken) {
		t.Fatalf("opting back in: %v, %d opt-outs", prefs, optOuts(t, env, ada.User.Email))
	}
}

// A token that does not verify changes nothing and says nothing about
// whose it was: a 422 problem to a client, a page to a browser.
func TestABrokenUnsubscribeLinkIsRefused(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	path := unsubscribePath(t, env, "ada@acme.test")
	last := path[len(path)-1]
	other := byte('A')
	if last == 'A' {
		other = 'B'
	}
	for name, bad := range map[string]string{
		"tampered":  path[:len(path)-1] + string(other),
		"truncated": path[:len(path)-3],
		"missing":   "/v1/unsubscribe",
		"empty":     "/v1/unsubscribe?token=",
	} {
		res := oneClick(t, env, bad).Expect(t, http.StatusUnprocessableEntity)
		if res.Header.Get("Content-Type") != "application/problem+json" || !problemFields(t, res)["token"] {
			t.Errorf("%s: %s %s", name, res.Header.Get("Content-Type"), res.Body)
		}
		// "acme.test" cannot occur by chance in a hex request id.
		if strings.Contains(strings.ToLower(string(res.Body)), "acme.test") {
			t.Errorf("%s: the problem names the person: %s", name, res.Body)
		}
		page := env.Do(t, http.MethodGet, bad, nil).Expect(t, http.StatusUnprocessableEntity)
		assertPrivatePage(t, page)
		if body := string(page.Body); !strings.Contains(body, "This link does not work") || strings.Contains(body, "<form") {
			t.Errorf("%s: the page:\n%s", name, body)
		}
	}
	if n := scalar[int](t, env, `SELECT count(*) FROM notification_opt_outs`); n != 0 {
		t.Fatalf("broken links recorded %d opt-outs", n)
	}
}

func TestNotificationPreferencesAreValidatedAndExported(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ada := env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	for name, body := range map[string]any{
		"missing":  map[string]any{},
		"null":     map[string]any{"onboarding_tips": nil},
		"not bool": map[string]any{"onboarding_tips": "no"},
	} {
		res := env.Do(t, http.MethodPut, "/v1/me/notification-preferences", body, testenv.WithBearer(ada.AccessToken)).
			Expect(t, http.StatusUnprocessableEntity)
		if !problemFields(t, res)["onboarding_tips"] {
			t.Errorf("%s: %s", name, res.Body)
		}
	}
	if optOuts(t, env, ada.User.Email) != 0 {
		t.Fatal("a refused update opted out")
	}
	env.Do(t, http.MethodPut, "/v1/me/notification-preferences", map[string]any{"onboarding_tips": false}, testenv.WithBearer(ada.AccessToken)).
		Expect(t, http.StatusOK)
	var export struct {
		NotificationPreferences map[string]bool `json:"notification_preferences"`
	}
	env.Do(t, http.MethodGet, "/v1/me/export", nil, testenv.WithBearer(ada.AccessToken)).Expect(t, http.StatusOK).Decode(t, &export)
	if tips, ok := export.NotificationPreferences["onboarding_tips"]; !ok || tips {
		t.Errorf("the export shows %v, want onboarding_tips false", export.NotificationPreferences)
	}
	env.Do(t, http.MethodGet, "/v1/me/notification-preferences", nil).Expect(t, http.StatusUnauthorized)
}

// The opt-out belongs to the address: an invitee who unsubscribes before
// accepting stays unsubscribed as a member, and the opt-out outlives the
// account's erasure without keeping the address.
func TestAnOptOutHoldsBeforeTheAccountAndAfterItsErasure(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{Company: "Acme"})
	env.VerifyEmail(t, owner.User.Email)

	oneClick(t, env, unsubscribePath(t, env, "Bob@Acme.test")).Expect(t, http.StatusOK)
	bob := joinAsNewUser(t, env, owner, "bob@acme.test", "Bob")
	if onboardingTips(t, env, bob.AccessToken) {
		t.Fatal("the opt-out made as an invitee does not hold for the member")
	}

	env.Do(t, http.MethodDelete, "/v1/me", map[string]any{"password": testenv.DefaultPassword}, testenv.WithBearer(bob.AccessToken)).
		Expect(t, http.StatusNoContent)
	if optOuts(t, env, "bob@acme.test") != 1 {
		t.Error("the erasure dropped the opt-out")
	}
	if n := rowsMentioning(t, env, "bob@acme.test")["notification_opt_outs"]; n != 0 {
		t.Errorf("notification_opt_outs keeps the address in %d rows", n)
	}
}
