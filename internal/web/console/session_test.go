package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/testenv"
)

func TestConsoleWithoutASessionGoesToSignIn(t *testing.T) {
	env := testenv.New(t)
	v := newVisitor(t, env)
	p := v.get(t, "/console")
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/console/" {
		t.Fatalf("/console: %d to %q, want 303 to /console/", p.Status, p.Header.Get("Location"))
	}
	for _, path := range consolePages {
		expectLogin(t, v.get(t, path), path)
	}
	expectLogin(t, v.post(t, "/console/publish", nil), "POST /console/publish")
	login := v.get(t, "/console/login")
	expect(t, login, http.StatusOK, "sign-in page")
	if !strings.Contains(login.Body, "Sign in to the console") {
		t.Errorf("sign-in page says:\n%s", login.Body)
	}
}

// Customers' credentials open no console: the answer says why, no
// session cookie is set and the session Login opened is ended.
func TestConsoleRefusesCustomersAtSignIn(t *testing.T) {
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{})
	for _, lang := range []struct{ accept, want string }{
		{"en", "the console is for staff only"},
		{"fr", "la console lui est réservée"},
	} {
		v := newVisitor(t, env)
		v.header.Set("Accept-Language", lang.accept)
		p := v.post(t, "/console/login", url.Values{"email": {owner.User.Email}, "password": {testenv.DefaultPassword}})
		expect(t, p, http.StatusForbidden, "owner's sign-in")
		if !strings.Contains(p.Body, lang.want) {
			t.Errorf("%s: the refusal does not say %q:\n%s", lang.accept, lang.want, p.Body)
		}
		if c := v.cookie(t, "onramp_console"); c != "" {
			t.Errorf("an owner got a console cookie")
		}
		expectLogin(t, v.get(t, "/console/"), "owner after a refused sign-in")
	}
	var live int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM refresh_tokens r JOIN users u ON u.id = r.user_id
		WHERE u.email = $1 AND r.revoked_at IS NULL`, owner.User.Email).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if live != 1 { // the signup's own session, not the refused sign-ins'
		t.Errorf("the owner has %d live sessions, want 1 (the signup's)", live)
	}

	v := newVisitor(t, env)
	p := v.post(t, "/console/login", url.Values{"email": {owner.User.Email}, "password": {"wrong password here"}})
	expect(t, p, http.StatusUnauthorized, "wrong password")
	if !strings.Contains(p.Body, "This email and password do not match.") {
		t.Errorf("wrong password: %s", p.Body)
	}
}

// Only the console's cookie opens it: no bearer token does, whoever's.
func TestConsoleIgnoresBearerTokens(t *testing.T) {
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	_, member := env.NewMember(t, org.ID, "member")
	_, staffToken := env.StaffToken(t)
	for name, token := range map[string]string{"member": member, "owner": org.OwnerToken, "staff": staffToken} {
		v := newVisitor(t, env)
		v.header.Set("Authorization", "Bearer "+token)
		for _, path := range consolePages {
			expectLogin(t, v.get(t, path), name+"'s bearer token on "+path)
		}
	}
}

func TestConsoleDemotedStaffLosesAccessAtOnce(t *testing.T) {
	env := testenv.New(t)
	v, id := staffVisitor(t, env)
	expect(t, v.get(t, "/console/"), http.StatusOK, "staff on the console")
	if _, err := env.DB.Pool.Exec(context.Background(), `UPDATE users SET is_staff = false WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	expectLogin(t, v.get(t, "/console/"), "demoted staff")
	expectLogin(t, v.get(t, "/console/metrics"), "demoted staff")
}

func TestConsoleSignOutEndsTheSession(t *testing.T) {
	env := testenv.New(t)
	v, _ := staffVisitor(t, env)
	token := v.cookie(t, "onramp_console")
	p := v.post(t, "/console/logout", nil)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/console/login") {
		t.Fatalf("sign-out: %d to %q", p.Status, p.Header.Get("Location"))
	}
	expectLogin(t, v.get(t, "/console/"), "after signing out")
	// The old cookie, kept by someone, opens nothing either.
	stolen := newVisitor(t, env)
	stolen.header.Set("Cookie", "onramp_console="+token)
	expectLogin(t, stolen.get(t, "/console/"), "the signed-out cookie")
}

func TestConsoleFormsNeedTheCSRFToken(t *testing.T) {
	env := testenv.New(t)
	v, _ := staffVisitor(t, env)
	p := v.do(t, http.MethodPost, "/console/steps", url.Values{"key": {"invite_team"}, "title": {"Invite"}, "scope": {"organization"}, "completion": {"manual"}})
	expect(t, p, http.StatusForbidden, "a form without its token")
	p = v.do(t, http.MethodPost, "/console/steps", url.Values{"csrf_token": {"forged" + strings.Repeat("x", 37)}, "key": {"invite_team"},
		"title": {"Invite"}, "scope": {"organization"}, "completion": {"manual"}})
	expect(t, p, http.StatusForbidden, "a form with a forged token")
	if keys := draftKeys(t, env); len(keys) != 0 {
		t.Errorf("a refused form stored steps %v", keys)
	}
	expect(t, v.do(t, http.MethodPost, "/console/logout", url.Values{}), http.StatusForbidden, "sign-out without a token")
	expect(t, v.get(t, "/console/"), http.StatusOK, "still signed in")
}

func TestConsoleSessionCookie(t *testing.T) {
	t.Run("development", func(t *testing.T) {
		env := testenv.New(t)
		_, email := newStaff(t, env)
		v := newVisitor(t, env)
		p := v.post(t, "/console/login", url.Values{"email": {email}, "password": {staffPassword}})
		c := sessionCookie(t, p, "onramp_console")
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.Path != "/" {
			t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict, not Secure (plain http), Path=/", c)
		}
	})
	t.Run("production", func(t *testing.T) {
		env := testenv.New(t, func(c *config.Config) { c.Env = "production" })
		_, email := newStaff(t, env)
		v := newVisitor(t, env)
		// The test server is plain http: the Secure CSRF cookie is sent by hand.
		login := v.get(t, "/console/login")
		csrf := sessionCookie(t, login, "__Host-onramp_csrf")
		v.header.Set("Cookie", csrf.Name+"="+csrf.Value)
		p := v.do(t, http.MethodPost, "/console/login", url.Values{"email": {email}, "password": {staffPassword}, "csrf_token": {csrf.Value}})
		c := sessionCookie(t, p, "__Host-onramp_console")
		if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || !c.Secure || c.Path != "/" || c.Domain != "" {
			t.Errorf("cookie %+v: want __Host-, HttpOnly, SameSite=Strict, Secure, Path=/, no Domain", c)
		}
		v.header.Set("Cookie", csrf.Name+"="+csrf.Value+"; "+c.Name+"="+c.Value)
		expect(t, v.get(t, "/console/"), http.StatusOK, "the console with the secure cookie")
	})
}

func sessionCookie(t *testing.T, p page, name string) *http.Cookie {
	t.Helper()
	for _, c := range (&http.Response{Header: p.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no %s cookie in %d answer: %v\n%s", name, p.Status, p.Header["Set-Cookie"], p.Body)
	return nil
}
