package page_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/internal/web/page"
)

// testSite serves one page with a form that posts back.
func testSite(t *testing.T, secure bool) http.Handler {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	site, err := page.NewSite(page.Options{Secure: secure, DefaultLocale: mail.English})
	if err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{"hello.html": {Data: []byte(`{{define "title"}}{{.T "hello.title"}}{{end}}
{{define "content"}}<h1>{{.T "hello.title"}}</h1><p>{{.T "hello.missing"}}</p>
<form method="post"><input type="hidden" name="{{.CSRFField}}" value="{{.CSRF}}"></form>{{end}}`)}}
	pages, err := site.Templates(files, page.Catalog{"hello.title": {EN: "Hello", FR: "Bonjour"}})
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	site.MountAssets(r)
	g := site.Group(r, "/")
	g.GET("/hello", func(c *gin.Context) { pages.Render(c, http.StatusOK, "hello.html", nil) })
	g.POST("/hello", func(c *gin.Context) { c.String(http.StatusOK, "posted") })
	return r
}

// A text defined twice, by two parts of a catalog or by a part and the
// layout, would lose one of them silently: it is refused.
func TestATextDefinedTwiceIsRefused(t *testing.T) {
	site, err := page.NewSite(page.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hello := page.Catalog{"hello.title": {EN: "Hello", FR: "Bonjour"}}
	if _, err := site.Templates(nil, hello, page.Catalog{"hello.lead": {EN: "Hi", FR: "Salut"}}); err != nil {
		t.Fatalf("two parts without a shared key: %v", err)
	}
	for name, tc := range map[string]struct {
		parts []page.Catalog
		want  string
	}{
		"two parts":  {[]page.Catalog{hello, {"hello.title": {EN: "Hi", FR: "Salut"}}}, `page text "hello.title" is defined twice`},
		"the layout": {[]page.Catalog{hello, {"layout.skip": {EN: "Skip", FR: "Passer"}}}, `page text "layout.skip" is the layout's`},
	} {
		if _, err := site.Templates(nil, tc.parts...); err == nil || err.Error() != tc.want {
			t.Errorf("a key defined by %s: got %v, want %q", name, err, tc.want)
		}
	}
}

func get(t *testing.T, h http.Handler, path string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestAPageIsInTheVisitorsLanguage(t *testing.T) {
	h := testSite(t, false)
	for _, tc := range []struct {
		name, path, acceptLanguage, cookie, want, wantLang string
	}{
		{"default", "/hello", "", "", "<h1>Hello</h1>", `lang="en"`},
		{"browser", "/hello", "fr-CA,fr;q=0.9", "", "<h1>Bonjour</h1>", `lang="fr"`},
		{"switch beats browser", "/hello?lang=en", "fr", "", "<h1>Hello</h1>", `lang="en"`},
		{"remembered choice", "/hello", "en", "fr", "<h1>Bonjour</h1>", `lang="fr"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			header := map[string]string{"Accept-Language": tc.acceptLanguage}
			if tc.cookie != "" {
				header["Cookie"] = "onramp_lang=" + tc.cookie
			}
			w := get(t, h, tc.path, header)
			body := w.Body.String()
			if w.Code != http.StatusOK || !strings.Contains(body, tc.want) || !strings.Contains(body, tc.wantLang) {
				t.Fatalf("got %d:\n%s", w.Code, body)
			}
			if !strings.Contains(body, "[[hello.missing]]") {
				t.Error("a missing text should show as [[key]], for tests to find")
			}
			if got := w.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "form-action 'self'") {
				t.Errorf("CSP %q", csp)
			}
		})
	}
	w := get(t, h, "/hello?lang=fr&token=abc", nil)
	if !strings.Contains(w.Body.String(), `href="/hello?lang=en&amp;token=abc"`) {
		t.Errorf("the language switch should keep the page's token:\n%s", w.Body.String())
	}
	if !strings.Contains(w.Header().Get("Set-Cookie"), "onramp_lang=fr") {
		t.Errorf("the chosen language should be remembered: %q", w.Header().Get("Set-Cookie"))
	}
}

// csrfToken reads the page's token and cookie, as a browser would hold them.
func csrfToken(t *testing.T, h http.Handler, secure bool) (token string, cookie *http.Cookie) {
	t.Helper()
	w := get(t, h, "/hello", nil)
	for _, c := range w.Result().Cookies() {
		if strings.HasSuffix(c.Name, "onramp_csrf") {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Secure != secure {
		t.Fatalf("CSRF cookie %+v", cookie)
	}
	if secure && cookie.Name != "__Host-onramp_csrf" {
		t.Errorf("outside development the cookie is host-only: %s", cookie.Name)
	}
	body := w.Body.String()
	i := strings.Index(body, `name="csrf_token" value="`)
	if i < 0 {
		t.Fatalf("no token in the form:\n%s", body)
	}
	token = body[i+len(`name="csrf_token" value="`):]
	return token[:strings.IndexByte(token, '"')], cookie
}

func TestAFormPostNeedsTheTokenAndThisSite(t *testing.T) {
	for _, secure := range []bool{false, true} {
		h := testSite(t, secure)
		token, cookie := csrfToken(t, h, secure)
		post := func(form url.Values, header map[string]string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodPost, "/hello", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(cookie)
			for k, v := range header {
				req.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			return w
		}
		if w := post(url.Values{"csrf_token": {token}}, map[string]string{"Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"}); w.Code != http.StatusOK {
			t.Fatalf("secure=%v: the page's own post: %d %s", secure, w.Code, w.Body)
		}
		// What Chromium sends from a page whose Referrer-Policy is no-referrer.
		if w := post(url.Values{"csrf_token": {token}}, map[string]string{"Origin": "null", "Sec-Fetch-Site": "same-origin"}); w.Code != http.StatusOK {
			t.Fatalf("secure=%v: the page's own post with Origin: null: %d %s", secure, w.Code, w.Body)
		}
		for name, tc := range map[string]struct {
			form   url.Values
			header map[string]string
		}{
			"no token":                       {url.Values{}, nil},
			"another token":                  {url.Values{"csrf_token": {strings.Repeat("A", 43)}}, nil},
			"another origin":                 {url.Values{"csrf_token": {token}}, map[string]string{"Origin": "https://evil.test"}},
			"a cross-site post":              {url.Values{"csrf_token": {token}}, map[string]string{"Sec-Fetch-Site": "cross-site"}},
			"a cross-site post, Origin null": {url.Values{"csrf_token": {token}}, map[string]string{"Origin": "null", "Sec-Fetch-Site": "cross-site"}},
		} {
			w := post(tc.form, tc.header)
			if w.Code != http.StatusForbidden || strings.Contains(w.Body.String(), "posted") || !strings.Contains(w.Body.String(), "This form has expired") {
				t.Errorf("secure=%v, %s: %d %s", secure, name, w.Code, w.Body)
			}
		}
	}
}

func TestAssetsAreVersionedAndRevalidated(t *testing.T) {
	h := testSite(t, false)
	body := get(t, h, "/hello", nil).Body.String()
	i := strings.Index(body, `href="/assets/onramp.css?v=`)
	if i < 0 {
		t.Fatalf("no stylesheet link:\n%s", body)
	}
	href := body[i+len(`href="`):]
	href = href[:strings.IndexByte(href, '"')]
	w := get(t, h, href, nil)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/css") ||
		w.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("%s: %d %v", href, w.Code, w.Header())
	}
	if again := get(t, h, "/assets/onramp.css", map[string]string{"If-None-Match": w.Header().Get("ETag")}); again.Code != http.StatusNotModified {
		t.Errorf("a known ETag: %d", again.Code)
	}
	if old := get(t, h, "/assets/onramp.css?v=old", nil); old.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("an old version's URL must not be cached for long: %q", old.Header().Get("Cache-Control"))
	}
}
