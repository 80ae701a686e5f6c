package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/testing/dbtest"
)

// TestServeAnswersAndShutsDownGracefully starts `onramp serve` on a free
// port, checks it answers, then cancels its context as SIGTERM does and
// expects a clean exit with the shutdown logged.
func TestServeAnswersAndShutsDownGracefully(t *testing.T) {
	t.Parallel()
	env := getenvFrom(map[string]string{
		"DATABASE_URL":      dbtest.NewURL(t),
		"HTTP_ADDR":         "127.0.0.1:0",
		"PLANS_FILE":        "testdata/plans.yaml",
		"STRIPE_API_BASE":   "http://127.0.0.1:1", // never called by this test
		"STRIPE_SECRET_KEY": "sk_test_unused",
	})
	logR, logW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"serve"}, env, io.Discard, logW)
		logW.Close()
	}()

	lines := make(chan map[string]any, 100)
	go func() {
		sc := bufio.NewScanner(logR)
		for sc.Scan() {
			var m map[string]any
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				lines <- m
			}
		}
		close(lines)
	}()
	addr := ""
	deadline := time.After(30 * time.Second)
	for addr == "" {
		select {
		case m, ok := <-lines:
			if !ok {
				t.Fatalf("serve exited before listening (exit %d)", <-exit)
			}
			if m["msg"] == "serving" {
				addr, _ = m["addr"].(string)
			}
		case <-deadline:
			t.Fatal("serve did not log its address within 30s")
		}
	}

	res, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("healthz %d", res.StatusCode)
	}

	cancel() // what SIGTERM does through signal.NotifyContext
	var sawShutdown, sawStopped bool
	for m := range lines {
		switch m["msg"] {
		case "shutting down":
			sawShutdown = true
		case "stopped":
			sawStopped = true
		}
	}
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("exit %d after shutdown", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not return after shutdown")
	}
	if !sawShutdown || !sawStopped {
		t.Fatalf("shutdown not logged (shutting down=%v, stopped=%v)", sawShutdown, sawStopped)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("server still answering after shutdown: %v", err)
	}
}
