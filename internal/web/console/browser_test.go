package console_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/onramp/onramp/internal/testing/browser"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// A PM's session in Chromium on the demo data (make run's): sign in, read
// the funnel, write two steps, reorder them, publish and define
// activation; axe-core checks every console page on the way.
func TestConsoleInTheBrowser(t *testing.T) {
	env := testenv.New(t)
	demoData := seedDemo(t, env)
	_, email := newStaff(t, env)
	ctx := browser.New(t, 120*time.Second)
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		browser.Do(t, ctx, what, steps...)
	}
	open := func(path string) { t.Helper(); do("open "+path, chromedp.Navigate(env.URL+path+"?lang=en")) }

	open("/console/")
	if path := browser.Eval(t, ctx, "location.pathname"); path != "/console/login" {
		t.Fatalf("without a session the console shows %s", path)
	}
	browser.CheckAccessibility(t, ctx, "sign-in")
	do("sign in", chromedp.SendKeys(chromedp.CSS("#email"), email), chromedp.SendKeys(chromedp.CSS("#password"), staffPassword),
		chromedp.Click(chromedp.CSS("main button[type=submit]")))
	waitJS(t, ctx, `location.pathname === "/console/" && document.readyState === "complete"`)
	browser.CheckAccessibility(t, ctx, "checklist")

	// The demo's funnel: every stage has companies, and the first has all.
	open("/console/metrics")
	labels := browser.Eval(t, ctx, `[...document.querySelectorAll("svg[aria-labelledby^=funnel] .bar-label")].map(e => e.textContent).join("|")`)
	values := browser.Eval(t, ctx, `[...document.querySelectorAll("svg[aria-labelledby^=funnel] .bar-value")].map(e => e.textContent).join("|")`)
	if labels != "Signed up|Checkout started|Trial started|Paid|Step choose_plan|Step invite_teammate|Activated" {
		t.Errorf("funnel stages %q", labels)
	}
	if first := fmt.Sprintf("%d (100.0%%)", demoData.Companies); !strings.HasPrefix(values, first+"|") || strings.Contains(values, "|0 (") {
		t.Errorf("funnel values %q: want %s first, and no empty stage", values, first)
	}
	for i, width := range strings.Split(browser.Eval(t, ctx, `[...document.querySelectorAll("svg[aria-labelledby^=funnel] rect.bar")].map(e => e.getAttribute("width")).join("|")`), "|") {
		if width == "0" || width == "" {
			t.Errorf("the bar of stage %d is not drawn", i)
		}
	}
	browser.CheckAccessibility(t, ctx, "metrics")
	t.Logf("screenshot: %s", browser.Screenshot(t, ctx, "console.png"))
	open("/console/")

	for _, s := range []struct{ key, title string }{{"invite_team", "Invite your team"}, {"read_guide", "Read the welcome guide"}} {
		do("new step "+s.key, chromedp.Click(chromedp.CSS("a[href='/console/steps/new']")), chromedp.WaitVisible(chromedp.CSS("#key")))
		if s.key == "invite_team" {
			browser.CheckAccessibility(t, ctx, "new step")
		}
		do("write "+s.key, chromedp.SendKeys(chromedp.CSS("#key"), s.key), chromedp.SendKeys(chromedp.CSS("#title"), s.title),
			chromedp.SendKeys(chromedp.CSS("#fr_title"), "Titre de "+s.key),
			chromedp.Click(chromedp.CSS("main form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#step-"+s.key)))
	}
	do("move read_guide up", chromedp.Click(chromedp.CSS("#step-read_guide form:first-child button")))
	waitJS(t, ctx, `[...document.querySelectorAll("tbody tr")].slice(-2).map(r => r.id).join() === "step-read_guide,step-invite_team"`)
	browser.CheckAccessibility(t, ctx, "checklist, two steps more")
	do("publish", chromedp.Click(chromedp.CSS("form.publish button")))
	waitJS(t, ctx, `(document.querySelector("[role=status]") || {}).textContent === "A new version is published: companies move to it on their next visit."`)

	open("/console/activation")
	browser.CheckAccessibility(t, ctx, "activation")
	do("define activation", chromedp.Click(chromedp.CSS("input[name=required][value=invite_team]")),
		chromedp.SetValue(chromedp.CSS("#window_days"), "14"), chromedp.Click(chromedp.CSS("main form button[type=submit]")))
	waitJS(t, ctx, `(document.querySelector("[role=status]") || {}).textContent === "The activation definition is saved."`)

	open("/console/metrics")
	if labels := browser.Eval(t, ctx, `[...document.querySelectorAll("svg[aria-labelledby^=funnel] .bar-label")].map(e => e.textContent).join("|")`); !strings.HasSuffix(labels, "|Step invite_team|Activated") {
		t.Errorf("the funnel after the new activation: %q", labels)
	}

	for _, path := range []string{"/console/versions", "/console/nudges", "/console/nudges/new", "/console/audit", "/console/support"} {
		open(path)
		browser.CheckAccessibility(t, ctx, path)
	}
	do("find a company", chromedp.SendKeys(chromedp.CSS("#q"), "nobody@example.test"), chromedp.Click(chromedp.CSS("main form button")))
	waitJS(t, ctx, `(document.querySelector(".alert.error") || {}).textContent === "No company matches."`)
	browser.CheckAccessibility(t, ctx, "support, not found")

	do("sign out", chromedp.Click(chromedp.CSS("form.signout button")), chromedp.WaitVisible(chromedp.CSS("#email")))
	open("/console/metrics")
	if path := browser.Eval(t, ctx, "location.pathname"); path != "/console/login" {
		t.Errorf("after signing out the console shows %s", path)
	}
}

// waitJS polls predicate until it holds, across page loads (an
// evaluation during one fails and is tried again).
func waitJS(t *testing.T, ctx context.Context, predicate string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](predicate)); err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
	t.Fatalf("waiting for %s; the page:\n%s", predicate, body)
}
