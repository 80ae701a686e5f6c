// Package stripemock runs stripe-mock for tests: one process per test
// binary on a free loopback port, and a recording proxy in front of it so
// tests can assert what the service sent to Stripe (stripe-mock itself is
// stateless and remembers nothing).
package stripemock

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"testing"
	"time"
)

var (
	once    sync.Once
	baseURL string
	errBoot error
)

// URL is the base URL of this test binary's stripe-mock, started on first
// use. It fails t when the binary cannot be found or does not start.
func URL(t testing.TB) string {
	t.Helper()
	u, err := Start()
	if err != nil {
		t.Fatalf("stripe-mock: %v", err)
	}
	return u
}

// Start starts stripe-mock once per process and returns its base URL. The
// process dies with the test binary (see procattr_linux.go).
func Start() (string, error) {
	once.Do(func() { baseURL, errBoot = start() })
	return baseURL, errBoot
}

var listening = regexp.MustCompile(`Listening for HTTP at address: (\S+)`)

func start() (string, error) {
	bin, err := binary()
	if err != nil {
		return "", err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return "", err
	}
	// Both ports are picked by the kernel: no fixed port, no collision
	// between test binaries running at once.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0", "-strict-version-check")
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.SysProcAttr = procAttr()

	started := make(chan error, 1)
	go func() {
		// The parent-death signal is tied to the thread that forked the
		// child, so that thread is pinned and stays alive as long as the
		// child does.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		pw.Close()
	}()
	if err := <-started; err != nil {
		return "", fmt.Errorf("start %s: %w", bin, err)
	}

	addr := make(chan string, 1)
	var logged []string
	var mu sync.Mutex
	go func() {
		sc := bufio.NewScanner(pr)
		found := false
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			logged = append(logged, line)
			mu.Unlock()
			if m := listening.FindStringSubmatch(line); m != nil && !found {
				found = true
				addr <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case a := <-addr:
		return "http://" + a, nil
	case <-time.After(30 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		return "", fmt.Errorf("%s did not report its HTTP address within 30s; it said: %v", bin, logged)
	}
}

// binary is $STRIPE_MOCK_BIN, else .tools/bin/stripe-mock of the module
// (found by walking up to go.mod), as `make tools` installs it.
func binary() (string, error) {
	if b := os.Getenv("STRIPE_MOCK_BIN"); b != "" {
		if _, err := os.Stat(b); err != nil {
			return "", fmt.Errorf("STRIPE_MOCK_BIN=%s: %w", b, err)
		}
		return b, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			b := filepath.Join(dir, ".tools", "bin", "stripe-mock")
			if _, err := os.Stat(b); err != nil {
				return "", fmt.Errorf("%s not found: run `make tools` (or set STRIPE_MOCK_BIN)", b)
			}
			return b, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory and STRIPE_MOCK_BIN unset: cannot find stripe-mock")
		}
		dir = parent
	}
}
