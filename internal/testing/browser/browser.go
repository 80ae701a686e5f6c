// Package browser drives Debian's chromium from Go tests (chromedp), for
// the pages and the <onramp-checklist> element, and checks pages with
// axe-core. `make test` installs chromium and axe-core when missing; a
// test skips, saying why, only when chromium cannot be had.
package browser

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path finds Debian's chromium, or skips t.
func Path(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skip("no Chromium for the browser tests: `make test` installs Debian's (apt-get install -y chromium), which needs root or passwordless sudo")
	return ""
}

// New starts a headless chromium for t, closed when t ends; every action
// in the returned context is bounded by timeout.
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	// As root (CI, the dev container), Chromium runs only without its
	// sandbox. Background networking off: this machine reaches no other.
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(Path(t)), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1200, 900), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser now, so a failure is the browser's
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Do runs steps, failing t with what was being done.
func Do(t testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// Eval evaluates a JavaScript expression that yields a string.
func Eval(t testing.TB, ctx context.Context, expression string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expression))
	if err != nil {
		t.Fatalf("%s: %v", expression, err)
	}
	return v
}

// WaitFor polls a JavaScript predicate until it is true (20 s at most).
func WaitFor(t testing.TB, ctx context.Context, predicate string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](predicate, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("waiting for %s: %v", predicate, err)
	}
}

// Screenshot saves the whole page as PNG and returns its path: under
// SCREENSHOTS_DIR when set (`make screenshots` sets docs/screenshots, the
// README's pictures), else in the test's own temporary directory, so a
// test run leaves the work tree as it was.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := os.Getenv("SCREENSHOTS_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
