package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/browser"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// hostPage is a customer's page on another origin, embedding the element
// the way the README shows.
const hostPage = `<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><title>Espace salarié</title>
<style>onramp-checklist { --onramp-accent: #6b2bd9; max-width: 32rem; } onramp-checklist::part(title) { letter-spacing: .02em; }</style>
<script src="%[1]s/sdk/onramp-checklist.js" defer></script></head>
<body>
<main><h1>Bienvenue</h1><onramp-checklist></onramp-checklist></main>
<script>document.querySelector("onramp-checklist").tokenProvider = async () => %[2]q;</script>
</body></html>`

func TestChecklistElementInABrowser(t *testing.T) {
	t.Parallel()
	var page string
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(page))
	}))
	defer host.Close()
	env := testenv.New(t, func(c *config.Config) { c.CORSOrigins = []string{host.URL} })
	_, staff := env.StaffToken(t)
	guide := manualStep("read_guide", true)
	guide["scope"], guide["description"] = "member", "Five minutes to find your way around."
	guide["translations"] = frenchText("Lire le guide de bienvenue", "Cinq minutes pour vous repérer.")
	first := eventStep("book_session", "session_booked", 1, true)
	first["scope"], first["translations"] = "member", frenchText("Réserver une première séance", "Avec une ou un psychologue.")
	publishSteps(t, env, staff, first, guide)
	org := env.NewOrg(t, testenv.OrgOptions{})
	member, token := env.NewMember(t, org.ID, "member")
	if _, err := env.DB.Pool.Exec(context.Background(), `UPDATE users SET locale = 'fr' WHERE id = $1`, member); err != nil {
		t.Fatal(err)
	}
	page = fmt.Sprintf(hostPage, env.URL, token)

	ctx := browser.New(t, 90*time.Second)

	const root = `document.querySelector("onramp-checklist").shadowRoot`
	eval := func(what string) string { t.Helper(); return browser.Eval(t, ctx, what) }
	wait := func(predicate string) { t.Helper(); browser.WaitFor(t, ctx, predicate) }
	if err := chromedp.Do(ctx, chromedp.Navigate(host.URL)); err != nil {
		t.Fatalf("load the page: %v", err)
	}
	wait(root + `.querySelectorAll("li").length === 2`)
	titles := eval(`[...` + root + `.querySelectorAll("[part~=step-title]")].map(e => e.textContent).join("|")`)
	if titles != "Réserver une première séance|Lire le guide de bienvenue" {
		t.Fatalf("steps %q, want the French ones", titles)
	}
	label := eval(root + `.querySelector("[part~=complete-button]").getAttribute("aria-label")`)
	progress := eval(root + `.querySelector("[role=progressbar]").getAttribute("aria-valuetext")`)
	if label != "Marquer « Lire le guide de bienvenue » comme fait" || progress != "0 sur 2 terminée" {
		t.Fatalf("button label %q, progress %q: want French words", label, progress)
	}
	// Only the manual step has a button: the event step completes by itself.
	if n := eval(`String(` + root + `.querySelectorAll("[part~=complete-button]").length)`); n != "1" {
		t.Fatalf("%s complete buttons, want 1", n)
	}

	// Ticked with the keyboard: focus the button, press Enter.
	eval(root + `.querySelector("[part~=complete-button]").focus() || ""`)
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	wait(root + `.querySelector('li[data-key="read_guide"]').dataset.status === "completed"`)
	if focused := eval(`(` + root + `.activeElement || {dataset: {}}).dataset.key || ""`); focused != "read_guide" {
		t.Errorf("focus is on %q after ticking, want the step it ticked", focused)
	}
	wait(root + `.querySelector("[part~=message]:last-of-type").textContent !== ""`)
	t.Logf("screenshot: %s", browser.Screenshot(t, ctx, "onramp-checklist.png"))
	if status, _, _, _ := checklist(t, env, token).step(t, "read_guide"); status != "completed" {
		t.Fatalf("the server has the step %s, want completed", status)
	}

	// Dismissed: the element hides itself, and the server remembers.
	eval(root + `.querySelector("[part~=dismiss-button]").click() || ""`)
	wait(`document.querySelector("onramp-checklist").hidden`)
	if !checklist(t, env, token).Dismissed {
		t.Fatal("the server's checklist is not dismissed")
	}
}

func TestChecklistScriptIsCachedAndCORSIsRestricted(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.CORSOrigins = []string{"https://app.customer.test"} })
	res := env.Do(t, http.MethodGet, "/sdk/onramp-checklist.js", nil).Expect(t, http.StatusOK)
	etag := res.Header.Get("ETag")
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") || etag == "" || res.Header.Get("Cache-Control") != "public, max-age=86400" ||
		!strings.Contains(string(res.Body), `customElements.define("onramp-checklist"`) {
		t.Fatalf("script headers %v", res.Header)
	}
	env.Do(t, http.MethodGet, "/sdk/onramp-checklist.js", nil, testenv.WithHeader("If-None-Match", etag)).Expect(t, http.StatusNotModified)
	versioned := env.Do(t, http.MethodGet, "/sdk/onramp-checklist.js?v="+strings.Trim(etag, `"`), nil).Expect(t, http.StatusOK)
	if versioned.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("versioned script Cache-Control %q", versioned.Header.Get("Cache-Control"))
	}

	org := env.NewOrg(t, testenv.OrgOptions{})
	preflight := func(origin, path string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, env.URL+path, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	ok := preflight("https://app.customer.test", "/v1/onboarding/checklist/dismiss")
	if ok.StatusCode != http.StatusNoContent || ok.Header.Get("Access-Control-Allow-Origin") != "https://app.customer.test" ||
		!strings.Contains(ok.Header.Get("Access-Control-Allow-Headers"), "Authorization") || ok.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("preflight from the allowed origin: %d %v", ok.StatusCode, ok.Header)
	}
	for _, refused := range []*http.Response{preflight("https://evil.test", "/v1/onboarding/checklist"), preflight("https://app.customer.test", "/v1/organization/members")} {
		if refused.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("CORS allowed for %s: %v", refused.Request.URL, refused.Header)
		}
	}
	got := env.Do(t, http.MethodGet, "/v1/onboarding/checklist", nil, testenv.WithBearer(org.OwnerToken), testenv.WithHeader("Origin", "https://app.customer.test")).
		Expect(t, http.StatusOK)
	if got.Header.Get("Access-Control-Allow-Origin") != "https://app.customer.test" || !strings.Contains(got.Header.Get("Vary"), "Origin") {
		t.Fatalf("checklist from the allowed origin: %v", got.Header)
	}
}
