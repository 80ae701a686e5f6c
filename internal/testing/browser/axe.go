package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeScript is axe-core's axe.min.js: AXE_CORE_JS, else where `make
// test` installs it (.tools/axe/node_modules/axe-core/axe.min.js at the
// module's root).
func axeScript(t testing.TB) string {
	t.Helper()
	path := os.Getenv("AXE_CORE_JS")
	if path == "" {
		_, file, _, _ := runtime.Caller(0)
		path = filepath.Join(filepath.Dir(file), "..", "..", "..", ".tools", "axe", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("axe-core is missing (%v): `make test` installs it with npm (make axe)", err)
	}
	return string(b)
}

// violation is one rule an element breaks, as axe reports it.
type violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// CheckAccessibility runs axe-core on the page shown and fails t for
// every serious or critical violation.
func CheckAccessibility(t testing.TB, ctx context.Context, page string) {
	t.Helper()
	if bad := SeriousViolations(t, ctx, page); len(bad) > 0 {
		t.Errorf("axe-core on %s:\n  %s", page, strings.Join(bad, "\n  "))
	}
}

// SeriousViolations runs axe-core on the page shown and lists its serious
// and critical violations (the page's Content-Security-Policy does not
// apply: the script goes in through the DevTools protocol).
func SeriousViolations(t testing.TB, ctx context.Context, page string) []string {
	t.Helper()
	err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeScript(t)))
	var raw string
	if err == nil {
		raw, err = chromedp.Run(ctx, chromedp.Evaluate[string](
			`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	}
	if err != nil {
		t.Fatalf("axe on %s: %v", page, err)
	}
	var found []violation
	if err := json.Unmarshal([]byte(raw), &found); err != nil {
		t.Fatalf("axe's answer on %s: %v", page, err)
	}
	var bad []string
	for _, v := range found {
		if v.Impact == "serious" || v.Impact == "critical" {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, fmt.Sprint(n.Target...))
			}
			bad = append(bad, fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(where, ", ")))
		}
	}
	return bad
}
