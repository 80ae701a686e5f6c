package browser_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/onramp/onramp/internal/testing/browser"
)

// The accessibility check itself: it passes a plain page and names what a
// page without alt text and labels breaks.
func TestAxeFindsSeriousViolations(t *testing.T) {
	t.Parallel()
	pages := map[string]string{
		"/good": `<!doctype html><html lang="en"><head><title>Good</title></head><body><main><h1>Hello</h1>
<form><label for="e">Email</label><input id="e" type="email"></form></main></body></html>`,
		"/bad": `<!doctype html><html lang="en"><head><title>Bad</title></head><body><main><h1>Hello</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><form><input type="email"></form></main></body></html>`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(pages[r.URL.Path]))
	}))
	defer srv.Close()
	ctx := browser.New(t, 60*time.Second)

	browser.Do(t, ctx, "open /good", chromedp.Navigate(srv.URL+"/good"))
	if bad := browser.SeriousViolations(t, ctx, "/good"); len(bad) > 0 {
		t.Errorf("a plain page: %v", bad)
	}
	browser.Do(t, ctx, "open /bad", chromedp.Navigate(srv.URL+"/bad"))
	bad := strings.Join(browser.SeriousViolations(t, ctx, "/bad"), "\n")
	for _, rule := range []string{"image-alt", "label"} {
		if !strings.Contains(bad, rule) {
			t.Errorf("axe did not report %s:\n%s", rule, bad)
		}
	}
}
