package api

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/idempotency"
	"github.com/onramp/onramp/internal/testing/dbtest"
)

// idemRig serves POST /things behind idempotent(): the handler counts its
// runs and answers with the run number, or with the status the test asks
// for.
type idemRig struct {
	engine *gin.Engine
	runs   atomic.Int64
	status atomic.Int64
	gate   chan struct{} // when non-nil, the handler waits on it
}

func newIdemRig(t *testing.T) *idemRig {
	t.Helper()
	store, err := idempotency.NewStore(dbtest.New(t), []byte(strings.Repeat("k", idempotency.MinSecretLen)))
	if err != nil {
		t.Fatal(err)
	}
	r := &idemRig{}
	r.status.Store(201)
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(withRequestID(), withAccessLog(slog.New(slog.NewTextHandler(io.Discard, nil))), withRecovery(), withBodyLimit())
	e.POST("/things", func(c *gin.Context) {
		// Tests pass the principal in a header to exercise scoping.
		if org := c.GetHeader("X-Test-Org"); org != "" {
			c.Set(ctxPrincipal, auth.Principal{UserID: uuid.New(), OrgID: uuid.MustParse(org), Role: "owner"})
		}
	}, idempotent(store, "things"), func(c *gin.Context) {
		n := r.runs.Add(1)
		if r.gate != nil {
			<-r.gate
		}
		c.JSON(int(r.status.Load()), gin.H{"run": n})
	})
	r.engine = e
	return r
}

func (r *idemRig) post(key, body string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/things", bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	r.engine.ServeHTTP(w, req)
	return w
}

func TestIdempotentReplaysTheFirstResponse(t *testing.T) {
	t.Parallel()
	r := newIdemRig(t)
	first := r.post("k-1", `{"a":1}`)
	second := r.post("k-1", `{"a":1}`)
	if first.Code != 201 || second.Code != 201 {
		t.Fatalf("statuses %d, %d", first.Code, second.Code)
	}
	if first.Body.String() != second.Body.String() || r.runs.Load() != 1 {
		t.Fatalf("replay ran the handler again: %s vs %s (runs %d)", first.Body, second.Body, r.runs.Load())
	}
	if second.Header().Get("Idempotent-Replayed") != "true" || first.Header().Get("Idempotent-Replayed") != "" {
		t.Fatal("Idempotent-Replayed header wrong")
	}
	// Without a key, every request runs.
	r.post("", `{"a":1}`)
	r.post("", `{"a":1}`)
	if r.runs.Load() != 3 {
		t.Fatalf("runs %d, want 3", r.runs.Load())
	}
}

func TestIdempotentKeyWithAnotherBodyIsAConflict(t *testing.T) {
	t.Parallel()
	r := newIdemRig(t)
	r.post("k-2", `{"a":1}`)
	w := r.post("k-2", `{"a":2}`)
	if w.Code != http.StatusConflict || !bytes.Contains(w.Body.Bytes(), []byte(`"code":"idempotency_key_reused"`)) {
		t.Fatalf("got %d %s", w.Code, w.Body)
	}
	if r.runs.Load() != 1 {
		t.Fatalf("runs %d", r.runs.Load())
	}
}

func TestIdempotentFailedRequestIsRunAgain(t *testing.T) {
	t.Parallel()
	r := newIdemRig(t)
	r.status.Store(500)
	if w := r.post("k-3", `{}`); w.Code != 500 {
		t.Fatalf("first %d", w.Code)
	}
	r.status.Store(201)
	if w := r.post("k-3", `{}`); w.Code != 201 || w.Header().Get("Idempotent-Replayed") != "" {
		t.Fatalf("retry after a failure: %d replayed=%q", w.Code, w.Header().Get("Idempotent-Replayed"))
	}
	if r.runs.Load() != 2 {
		t.Fatalf("runs %d, want 2", r.runs.Load())
	}
}

func TestIdempotentKeysAreScopedByOrganization(t *testing.T) {
	t.Parallel()
	r := newIdemRig(t)
	a, b := uuid.NewString(), uuid.NewString()
	r.post("same", `{}`, "X-Test-Org", a)
	w := r.post("same", `{}`, "X-Test-Org", b)
	if w.Code != 201 || w.Header().Get("Idempotent-Replayed") != "" || r.runs.Load() != 2 {
		t.Fatalf("another organization got a replay: %d %s", w.Code, w.Body)
	}
}

func TestIdempotentConcurrentDuplicatesRunOnce(t *testing.T) {
	t.Parallel()
	r := newIdemRig(t)
	r.gate = make(chan struct{})
	var wg sync.WaitGroup
	codes := make([]int, 5)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = r.post("k-race", `{"x":true}`).Code
		}()
	}
	// Let the duplicates reach the store while the first request is held.
	for r.runs.Load() == 0 {
		gosched()
	}
	close(r.gate)
	wg.Wait()
	if r.runs.Load() != 1 {
		t.Fatalf("handler ran %d times", r.runs.Load())
	}
	ok := 0
	for _, c := range codes {
		switch c {
		case 201:
			ok++
		case 409:
		default:
			t.Fatalf("unexpected status %d", c)
		}
	}
	if ok < 1 {
		t.Fatalf("codes %v", codes)
	}
}

func TestIdempotentRejectsBadKeys(t *testing.T) {
	t.Parallel()
	r := newIdemRig(t)
	w := r.post(string(bytes.Repeat([]byte("k"), 256)), `{}`)
	if w.Code != 422 || r.runs.Load() != 0 {
		t.Fatalf("over-long key: %d", w.Code)
	}
}

func gosched() { time.Sleep(time.Millisecond) }
