package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// receiver is a webhook receiver in the test: it keeps every request and
// answers the statuses it was given in turn (200 once they run out).
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []receivedWebhook
	statuses []int
}

type receivedWebhook struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.requests = append(r.requests, receivedWebhook{header: req.Header.Clone(), body: body})
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status, r.statuses = r.statuses[0], r.statuses[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) received() []receivedWebhook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedWebhook(nil), r.requests...)
}

// waitForWebhooks waits until the receiver got n requests.
func (r *receiver) waitFor(t *testing.T, n int) []receivedWebhook {
	t.Helper()
	for i := 0; i < 200; i++ {
		if got := r.received(); len(got) >= n {
			return got
		}
		sleep()
	}
	t.Fatalf("the receiver got %d webhooks, want %d", len(r.received()), n)
	return nil
}

// createEndpoint registers url for events as staff and returns its id and secret.
func createEndpoint(t *testing.T, env *testenv.Env, staff, url string, events ...string) (string, string) {
	t.Helper()
	res := env.Do(t, http.MethodPost, "/v1/admin/webhook-endpoints", map[string]any{"url": url, "events": events},
		testenv.WithBearer(staff)).Expect(t, http.StatusCreated).Map(t)
	return res["id"].(string), res["secret"].(string)
}

// runDueRetries makes the webhook jobs whose retry is due by now (the
// services' clock, which their retries are scheduled on) run: River's own
// scheduler runs on the wall clock, which the test does not move. It
// returns how many it released.
func runDueRetries(t *testing.T, env *testenv.Env, now time.Time) int64 {
	t.Helper()
	tag, err := env.DB.Pool.Exec(context.Background(), `UPDATE river_job SET state = 'available', scheduled_at = now()
		WHERE kind = 'deliver_webhook' AND state = 'retryable' AND scheduled_at <= $1`, now)
	if err != nil {
		t.Fatal(err)
	}
	return tag.RowsAffected()
}

// waitForRetryable waits until n webhook jobs wait for a retry.
func waitForRetryable(t *testing.T, env *testenv.Env, n int) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if scalar[int](t, env, `SELECT count(*) FROM river_job WHERE kind = 'deliver_webhook' AND state = 'retryable'`) == n {
			return
		}
		sleep()
	}
	t.Fatalf("no %d webhook jobs waiting for a retry", n)
}

// webhookBody is a delivery's body.
type webhookBody struct {
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

func decodeWebhook(t *testing.T, w receivedWebhook) webhookBody {
	t.Helper()
	var b webhookBody
	if err := json.Unmarshal(w.body, &b); err != nil {
		t.Fatalf("webhook body %q: %v", w.body, err)
	}
	return b
}
