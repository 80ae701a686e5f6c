package accounts_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// visitor is a browser as far as the pages can tell: it keeps cookies,
// says which language it reads, and posts a page's form with that page's
// CSRF token. It follows no redirect: a redirect is an answer to check.
type visitor struct {
	env    *testenv.Env
	client *http.Client
	lang   string
	csrf   string // the token of the last page shown
}

func newVisitor(t *testing.T, env *testenv.Env, lang string) *visitor {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &visitor{env: env, lang: lang, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is one answer of the site.
type page struct {
	Status int
	Header http.Header
	Body   string
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (v *visitor) do(t *testing.T, req *http.Request) page {
	t.Helper()
	req.Header.Set("Accept-Language", v.lang)
	res, err := v.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	p := page{Status: res.StatusCode, Header: res.Header, Body: string(b)}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		// Every text of every page exists in the visitor's language.
		if i := strings.Index(p.Body, "[["); i >= 0 {
			t.Errorf("%s %s in %s shows a missing text: %s", req.Method, req.URL.Path, v.lang, p.Body[i:min(len(p.Body), i+60)])
		}
		if m := csrfField.FindStringSubmatch(p.Body); m != nil {
			v.csrf = m[1]
		}
	}
	return p
}

func (v *visitor) get(t *testing.T, path string) page {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, v.env.URL+path, nil)
	return v.do(t, req)
}

// post sends form with the last page's CSRF token.
func (v *visitor) post(t *testing.T, path string, form url.Values) page {
	t.Helper()
	form.Set("csrf_token", v.csrf)
	return v.postRaw(t, path, form)
}

// postRaw sends form as it is.
func (v *visitor) postRaw(t *testing.T, path string, form url.Values) page {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, v.env.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return v.do(t, req)
}

// expect fails t unless the page has status and says every one of texts.
func (p page) expect(t *testing.T, status int, texts ...string) page {
	t.Helper()
	if p.Status != status {
		t.Fatalf("status %d, want %d:\n%s", p.Status, status, p.Body)
	}
	for _, text := range texts {
		if !strings.Contains(p.Body, text) {
			t.Fatalf("the page does not say %q:\n%s", text, p.Body)
		}
	}
	return p
}

// count is the answer of a counting query.
func count(t *testing.T, env *testenv.Env, query string, args ...any) int {
	t.Helper()
	var n int
	if err := env.DB.Pool.QueryRow(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
