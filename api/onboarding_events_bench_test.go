package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// BenchmarkPostEvents measures POST /v1/events through the real router and
// database: batches of 500 events, each batch one member's (as
// bench/onboarding sends them), from 8 concurrent clients spread over 16
// organizations. An organization step, a member step and an activation
// definition count the events, so progress, member counters and activation
// all move. One op is one batch.
//
//	go test -run '^$' -bench BenchmarkPostEvents -benchtime 400x ./api/
func BenchmarkPostEvents(b *testing.B) { benchmarkPostEvents(b, 16, false) }

// BenchmarkPostEventsWithActivationWebhook is BenchmarkPostEvents with a
// webhook endpoint subscribed to activations and organization steps: the
// outbox's cost on the same traffic, its deliveries included (a local
// receiver, in this process).
//
//	go test -run '^$' -bench 'BenchmarkPostEvents(WithActivationWebhook)?$' -benchtime 400x ./api/
func BenchmarkPostEventsWithActivationWebhook(b *testing.B) { benchmarkPostEvents(b, 16, true) }

// BenchmarkPostEventsEachActivating is the outbox's worst case: every
// batch is the first of its own organization, completes its step and
// activates it, so with the webhook on every batch writes two messages
// and their deliveries.
//
//	go test -run '^$' -bench BenchmarkPostEventsEachActivating -benchtime 400x ./api/
func BenchmarkPostEventsEachActivating(b *testing.B) {
	for _, webhook := range []bool{false, true} {
		b.Run(fmt.Sprintf("webhook=%v", webhook), func(b *testing.B) { benchmarkPostEvents(b, b.N, webhook) })
	}
}

func benchmarkPostEvents(b *testing.B, orgs int, webhook bool) {
	env := testenv.New(b)
	_, staff := env.StaffToken(b)
	for _, step := range []map[string]any{
		{"key": "three_sessions", "title": "Book three sessions", "required": true,
			"completion": map[string]any{"type": "event", "event": "session_booked", "count": 3}},
		{"key": "first_session_booked", "title": "Book a session", "required": false, "scope": "member",
			"completion": map[string]any{"type": "event", "event": "session_booked", "count": 1}},
	} {
		env.Do(b, "POST", "/v1/admin/onboarding/steps", step, testenv.WithBearer(staff)).Expect(b, http.StatusCreated)
	}
	env.Do(b, "POST", "/v1/admin/onboarding/versions", nil, testenv.WithBearer(staff)).Expect(b, http.StatusCreated)
	env.Do(b, "PUT", "/v1/admin/activation", map[string]any{"required_steps": []string{"three_sessions"}, "window_days": 30},
		testenv.WithBearer(staff)).Expect(b, http.StatusOK)
	if webhook {
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
		b.Cleanup(receiver.Close)
		env.Do(b, "POST", "/v1/admin/webhook-endpoints", map[string]any{"url": receiver.URL,
			"events": []string{"organization.activated", "organization.step_completed"}}, testenv.WithBearer(staff)).Expect(b, http.StatusCreated)
	}
	membersPerOrg := 4
	if orgs >= b.N {
		membersPerOrg = 1 // one batch per organization
	}
	var tokens []string
	for range orgs {
		org := env.NewOrg(b, testenv.OrgOptions{})
		for range membersPerOrg {
			_, token := env.NewMember(b, org.ID, "member")
			tokens = append(tokens, token)
		}
	}
	// Bodies are built up front: the clock measures the server.
	names := []string{"app_opened", "page_viewed", "session_booked", "session_booked", "app_opened"}
	now := time.Now().UTC()
	bodies := make([][]byte, b.N)
	for i := range bodies {
		events := make([]map[string]any, 500)
		for k := range events {
			events[k] = map[string]any{"id": uuid.NewString(), "name": names[k%len(names)],
				"timestamp": now.Add(-time.Duration(i*500+k) * time.Millisecond).Format(time.RFC3339Nano)}
			if k%10 == 0 {
				events[k]["properties"] = map[string]any{"page": fmt.Sprintf("/p/%d", k), "plan": "pro"}
			}
		}
		bodies[i], _ = json.Marshal(map[string]any{"events": events})
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var next, failed atomic.Int64
	b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0))) // 8 clients
	dbName := currentDatabase(b, env)
	goBefore, pgBefore := processCPU(b), backendsCPU(dbName)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			req, _ := http.NewRequest("POST", env.URL+"/v1/events", bytes.NewReader(bodies[i]))
			req.Header.Set("Authorization", "Bearer "+tokens[int(i)%len(tokens)])
			req.Header.Set("Content-Type", "application/json")
			res, err := client.Do(req)
			if err != nil {
				failed.Add(1)
				continue
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusAccepted {
				failed.Add(1)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(500*b.N)/b.Elapsed().Seconds(), "events/s")
	// CPU per batch, which contention for the machine does not change:
	// this process's (the server and the clients) and the database
	// backends'.
	b.ReportMetric(float64((processCPU(b)-goBefore).Microseconds())/float64(b.N), "go-cpu-µs/op")
	b.ReportMetric(float64((backendsCPU(dbName)-pgBefore).Microseconds())/float64(b.N), "pg-cpu-µs/op")
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d batches failed", n)
	}
	var recorded int
	if err := env.DB.Pool.QueryRow(b.Context(), `SELECT coalesce(sum(count), 0) FROM onboarding_event_counts WHERE name = ANY($1)`, names).Scan(&recorded); err != nil {
		b.Fatal(err)
	}
	if recorded != 500*b.N {
		b.Fatalf("%d events counted, want %d", recorded, 500*b.N)
	}
}

func currentDatabase(b *testing.B, env *testenv.Env) string {
	var name string
	if err := env.DB.Pool.QueryRow(b.Context(), `SELECT current_database()`).Scan(&name); err != nil {
		b.Fatal(err)
	}
	return name
}

// processCPU is the CPU time this process used so far.
func processCPU(b *testing.B) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// backendsCPU is the CPU time the PostgreSQL backends serving database
// used so far, from /proc (0 when the server runs elsewhere).
func backendsCPU(database string) time.Duration {
	const ticksPerSecond = 100 // USER_HZ
	var total time.Duration
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		cmdline, err := os.ReadFile("/proc/" + d.Name() + "/cmdline")
		if err != nil || !bytes.HasPrefix(cmdline, []byte("postgres: ")) || !bytes.Contains(cmdline, []byte(" "+database+" ")) {
			continue
		}
		stat, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		// The fields after the command's closing parenthesis: utime and
		// stime are the 12th and 13th.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 13 {
			continue
		}
		utime, _ := strconv.ParseInt(fields[11], 10, 64)
		stime, _ := strconv.ParseInt(fields[12], 10, 64)
		total += time.Duration(utime+stime) * time.Second / ticksPerSecond
	}
	return total
}
