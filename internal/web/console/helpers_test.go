package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/internal/demo"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// visitor is a browser without JavaScript: it keeps cookies, follows no
// redirect, and sends each form with the CSRF token its cookie holds.
type visitor struct {
	env    *testenv.Env
	client *http.Client
	header http.Header // sent with every request
}

func newVisitor(t *testing.T, env *testenv.Env) *visitor {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &visitor{env: env, header: http.Header{}, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	Status int
	Header http.Header
	Body   string
}

func (v *visitor) do(t *testing.T, method, path string, form url.Values) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, v.env.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range v.header {
		req.Header[k] = vs
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := v.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

func (v *visitor) get(t *testing.T, path string) page {
	t.Helper()
	return v.do(t, http.MethodGet, path, nil)
}

// post sends form with the CSRF token (fetching a page first for one).
func (v *visitor) post(t *testing.T, path string, form url.Values) page {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", v.cookie(t, "onramp_csrf"))
	return v.do(t, http.MethodPost, path, form)
}

func (v *visitor) cookie(t *testing.T, name string) string {
	t.Helper()
	u, _ := url.Parse(v.env.URL)
	for _, c := range v.client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	if name == "onramp_csrf" {
		v.get(t, "/console/login")
		for _, c := range v.client.Jar.Cookies(u) {
			if c.Name == name {
				return c.Value
			}
		}
	}
	return ""
}

const staffPassword = "a staff password 42"

// newStaff makes a staff user as `onramp staff create` does.
func newStaff(t *testing.T, env *testenv.Env) (uuid.UUID, string) {
	t.Helper()
	email := "pm-" + uuid.NewString()[:8] + "@onramp.test"
	u, err := env.App.Accounts.CreateStaff(context.Background(), email, staffPassword, "Pat PM")
	if err != nil {
		t.Fatal(err)
	}
	return u.ID, email
}

// signIn signs v in to the console; it must work.
func (v *visitor) signIn(t *testing.T, email, password string) {
	t.Helper()
	p := v.post(t, "/console/login", url.Values{"email": {email}, "password": {password}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/console/" {
		t.Fatalf("sign-in answered %d (%s), want 303 to /console/: %s", p.Status, p.Header.Get("Location"), p.Body)
	}
}

// staffVisitor is a staff user signed in to the console.
func staffVisitor(t *testing.T, env *testenv.Env) (*visitor, uuid.UUID) {
	t.Helper()
	id, email := newStaff(t, env)
	v := newVisitor(t, env)
	v.signIn(t, email, staffPassword)
	return v, id
}

func expectLogin(t *testing.T, p page, what string) {
	t.Helper()
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/console/login" {
		t.Fatalf("%s: %d to %q, want 303 to /console/login", what, p.Status, p.Header.Get("Location"))
	}
}

func expect(t *testing.T, p page, status int, what string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: status %d, want %d; body:\n%s", what, p.Status, status, p.Body)
	}
}

func draftKeys(t *testing.T, env *testenv.Env) []string {
	t.Helper()
	steps, err := env.App.Onboarding.DraftSteps(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{}
	for _, s := range steps {
		keys = append(keys, s.Key)
	}
	return keys
}

// consolePages are every page a staff user can open.
var consolePages = []string{"/console/", "/console/steps/new", "/console/versions", "/console/activation", "/console/nudges",
	"/console/nudges/new", "/console/metrics", "/console/audit", "/console/support"}

// seedDemo fills env's database with make run's demo data, through the
// service's own Stripe (stripe-mock) and plans.
func seedDemo(t *testing.T, env *testenv.Env) demo.Summary {
	t.Helper()
	catalog, err := billing.LoadCatalog(env.Config.PlansFile)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := demo.Seed(context.Background(), demo.Config{DB: env.DB, Catalog: catalog, Clock: env.Config.Clock,
		Stripe: billing.NewStripeClient(env.Config.StripeSecretKey, env.Config.StripeAPIBase, 0, slog.New(slog.DiscardHandler))})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}
