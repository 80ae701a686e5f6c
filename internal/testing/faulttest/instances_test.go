//go:build faulttest

// Package faulttest is `make fault-test`: three `onramp serve` processes on
// one PostgreSQL cluster of its own, driven at once while one of them is
// killed and restarted and PostgreSQL itself restarts, then checked for
// what must hold whatever happened: every accepted event counted once,
// every Stripe webhook applied once, every email and nudge sent once, no
// 5xx outside the outages, no request left hanging.
package faulttest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// repoRoot is the module's root, where scripts/ and cmd/ are.
func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// cluster is the test's own PostgreSQL cluster (scripts/pg-cluster).
type cluster struct {
	root, dir, url string
}

func startCluster(t *testing.T, root string) *cluster {
	t.Helper()
	c := &cluster{root: root, dir: t.TempDir()}
	out, err := exec.Command(filepath.Join(root, "scripts/pg-cluster"), "start", c.dir, "onramp_fault").Output()
	if err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	c.url = strings.TrimSpace(string(out))
	t.Cleanup(func() {
		_ = exec.Command(filepath.Join(root, "scripts/pg-cluster"), "stop", c.dir).Run()
		if real, err := filepath.EvalSymlinks(filepath.Join(c.dir, "cluster")); err == nil {
			_ = os.RemoveAll(real)
		}
	})
	return c
}

// restart is `pg_ctl restart -m fast`: every connection is closed, and
// new ones are refused until it is back.
func (c *cluster) restart() error {
	out, err := exec.Command(filepath.Join(c.root, "scripts/pg-cluster"), "restart", c.dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("restart PostgreSQL: %v: %s", err, out)
	}
	return nil
}

// instance is one `onramp serve` process.
type instance struct {
	name, addr, bin, logPath string
	env                      []string

	mu  sync.Mutex
	cmd *exec.Cmd
}

func (in *instance) url() string { return "http://" + in.addr }

func (in *instance) start(t *testing.T) {
	t.Helper()
	logFile, err := os.OpenFile(in.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(in.bin, "serve")
	cmd.Env = in.env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", in.name, err)
	}
	go func() { _ = cmd.Wait(); logFile.Close() }()
	in.mu.Lock()
	in.cmd = cmd
	in.mu.Unlock()
	waitReady(t, in)
}

// kill is SIGKILL: no shutdown, requests in flight cut.
func (in *instance) kill() {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cmd != nil {
		_ = in.cmd.Process.Kill()
	}
}

// stop is SIGTERM, the graceful shutdown.
func (in *instance) stop() {
	in.mu.Lock()
	cmd := in.cmd
	in.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Signal(os.Interrupt)
	}
}

func waitReady(t *testing.T, in *instance) {
	t.Helper()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := client.Get(in.url() + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never became ready (log: %s)", in.name, in.logPath)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func randomSecret(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// run runs bin with args and env, failing the test with its output.
func run(t *testing.T, ctx context.Context, env []string, bin string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out)
}
