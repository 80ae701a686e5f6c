package api_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// TestEveryResponseForbidsSniffingAndFraming: answers, errors, pages and
// assets alike tell the browser not to guess their type and not to render
// them inside another site's frame.
func TestEveryResponseForbidsSniffingAndFraming(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/healthz", http.StatusOK},
		{"GET", "/metrics", http.StatusOK},
		{"GET", "/openapi.yaml", http.StatusOK},
		{"GET", "/docs", http.StatusOK},
		{"GET", "/docs/swagger-ui.css", http.StatusOK},
		{"GET", "/docs/", http.StatusMovedPermanently},
		{"GET", "/v1/me", http.StatusUnauthorized},
		{"GET", "/v1/nope", http.StatusNotFound},
		{"GET", "/healthz/", http.StatusNotFound},
		{"DELETE", "/healthz", http.StatusMethodNotAllowed},
	} {
		res := sendRaw(t, c.method, env.URL+c.path)
		if res.Status != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, res.Status, c.status)
		}
		if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s: X-Content-Type-Options %q", c.method, c.path, got)
		}
		if got := cspOf(res.Header)["frame-ancestors"]; !slices.Equal(got, []string{"'none'"}) {
			t.Errorf("%s %s: frame-ancestors %q (policy %q)", c.method, c.path, got, res.Header.Get("Content-Security-Policy"))
		}
	}
}

var (
	externalScript = regexp.MustCompile(`<script src="([^"]+)"></script>`)
	inlineScript   = regexp.MustCompile(`(?s)<script>(.*?)</script>`)
	stylesheet     = regexp.MustCompile(`<link rel="stylesheet" type="text/css" href="([^"]+)">`)
	inlineStyle    = regexp.MustCompile(`(?s)<style>.*?</style>`)
)

// TestDocsPageRunsUnderItsPolicy reads the docs page the way a browser
// enforcing its Content-Security-Policy would: every script and stylesheet
// it uses must be allowed by the policy (inline scripts by their hash, not
// by 'unsafe-inline'), and must be served with a type nosniff accepts;
// Swagger UI then fetches the spec and draws data: icons.
func TestDocsPageRunsUnderItsPolicy(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	res := env.Do(t, "GET", "/docs", nil).Expect(t, http.StatusOK)
	page := string(res.Body)
	csp := cspOf(res.Header)
	if slices.Contains(csp["script-src"], "'unsafe-inline'") || slices.Contains(csp["script-src"], "'unsafe-eval'") {
		t.Fatalf("script-src %q lets injected scripts run", csp["script-src"])
	}

	scripts := externalScript.FindAllStringSubmatch(page, -1)
	inline := inlineScript.FindAllStringSubmatch(page, -1)
	if len(scripts) == 0 || len(inline) == 0 || !strings.Contains(page, "SwaggerUIBundle(") {
		t.Fatalf("not the Swagger UI page this test knows: %.500s", page)
	}
	for _, s := range scripts {
		allowSameOrigin(t, csp, "script-src", s[1])
		assertServedAs(t, env, s[1], "text/javascript", "application/javascript")
	}
	for _, s := range inline {
		sum := sha256.Sum256([]byte(s[1]))
		hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
		if !slices.Contains(csp["script-src"], hash) {
			t.Errorf("inline script %.60q is not allowed by script-src %q", s[1], csp["script-src"])
		}
	}
	sheets := stylesheet.FindAllStringSubmatch(page, -1)
	if len(sheets) == 0 {
		t.Fatal("the page links no stylesheet")
	}
	for _, s := range sheets {
		allowSameOrigin(t, csp, "style-src", s[1])
		assertServedAs(t, env, s[1], "text/css")
	}
	// Swagger UI sets style attributes as it renders, so inline styles
	// are allowed; a style cannot run code.
	if inlineStyle.MatchString(page) && !slices.Contains(csp["style-src"], "'unsafe-inline'") {
		t.Errorf("the page's <style> is not allowed by style-src %q", csp["style-src"])
	}
	if !slices.Contains(csp["connect-src"], "'self'") {
		t.Errorf("connect-src %q: the page cannot fetch /openapi.yaml", csp["connect-src"])
	}
	if !slices.Contains(csp["img-src"], "'self'") || !slices.Contains(csp["img-src"], "data:") {
		t.Errorf("img-src %q: the favicon or the stylesheet's data: icons are blocked", csp["img-src"])
	}
}

// allowSameOrigin fails t unless src is a path on this server that
// directive allows.
func allowSameOrigin(t *testing.T, csp map[string][]string, directive, src string) {
	t.Helper()
	if !strings.HasPrefix(src, "/") || strings.HasPrefix(src, "//") {
		t.Errorf("%s is not served by this server", src)
	}
	if !slices.Contains(csp[directive], "'self'") {
		t.Errorf("%s %q does not allow %s", directive, csp[directive], src)
	}
}

// assertServedAs fetches an asset and checks its type: under nosniff a
// browser refuses a script or stylesheet served with another type.
func assertServedAs(t *testing.T, env *testenv.Env, path string, mediaTypes ...string) {
	t.Helper()
	res := sendRaw(t, "GET", env.URL+path)
	got, _, _ := strings.Cut(res.Header.Get("Content-Type"), ";")
	if res.Status != http.StatusOK || !slices.Contains(mediaTypes, got) {
		t.Errorf("%s: %d %q, want 200 and one of %q", path, res.Status, got, mediaTypes)
	}
}

// cspOf splits a Content-Security-Policy header into its directives.
func cspOf(h http.Header) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(h.Get("Content-Security-Policy"), ";") {
		if f := strings.Fields(d); len(f) > 0 {
			out[f[0]] = f[1:]
		}
	}
	return out
}
