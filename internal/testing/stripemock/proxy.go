package stripemock

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
)

var bootReport sync.Once

// Request is one call the service made to Stripe.
type Request struct {
	Method         string
	Path           string
	Query          url.Values
	Form           url.Values // the decoded form body of POSTs
	IdempotencyKey string
	StripeVersion  string
	Status         int    // what was answered
	Response       []byte // the body answered
}

// Proxy sits between the service and stripe-mock, recording every request,
// and can answer chosen requests with a failure instead of forwarding them.
type Proxy struct {
	URL string

	mu       sync.Mutex
	requests []Request
	failures []failure
	holds    []*hold
	answers  []answer
}

// answer replaces stripe-mock for one route: stateless, stripe-mock cannot
// answer a lookup with what an earlier call created, which real Stripe does.
type answer struct {
	method, path string
	respond      func(Request) (int, any)
}

// hold keeps one request waiting before it reaches stripe-mock.
type hold struct {
	method, pathPrefix string
	taken              bool
	arrived, released  chan struct{}
	release            sync.Once
}

type failure struct {
	method, pathPrefix string
	status             int
	remaining          int
}

// NewProxy starts a recording proxy for t. stripe-mock itself is started
// lazily, on the first request that reaches it, so tests that never call
// Stripe never start it.
func NewProxy(t testing.TB) *Proxy {
	p := &Proxy{}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(srv.Close)
	// Runs before srv.Close: a held request must not keep Close waiting.
	t.Cleanup(p.releaseAll)
	p.URL = srv.URL
	return p
}

// Hold makes the next request of method to a path starting with
// pathPrefix wait before it reaches stripe-mock: arrived is closed once it
// is waiting, and it goes on when release is called (or the test ends).
// Tests use it to act while the service is in the middle of a Stripe call.
func (p *Proxy) Hold(method, pathPrefix string) (arrived <-chan struct{}, release func()) {
	h := &hold{method: method, pathPrefix: pathPrefix, arrived: make(chan struct{}), released: make(chan struct{})}
	p.mu.Lock()
	p.holds = append(p.holds, h)
	p.mu.Unlock()
	return h.arrived, func() { h.release.Do(func() { close(h.released) }) }
}

func (p *Proxy) takeHold(method, path string) *hold {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range p.holds {
		if !h.taken && h.method == method && strings.HasPrefix(path, h.pathPrefix) {
			h.taken = true
			return h
		}
	}
	return nil
}

func (p *Proxy) releaseAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, h := range p.holds {
		h.release.Do(func() { close(h.released) })
	}
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rec := Request{
		Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(),
		IdempotencyKey: r.Header.Get("Idempotency-Key"), StripeVersion: r.Header.Get("Stripe-Version"),
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		rec.Form, _ = url.ParseQuery(string(body))
	}
	if h := p.takeHold(r.Method, r.URL.Path); h != nil {
		close(h.arrived)
		select {
		case <-h.released:
		case <-r.Context().Done():
		}
	}
	if respond := p.answerFor(r.Method, r.URL.Path); respond != nil {
		status, body := respond(rec)
		raw, err := json.Marshal(body)
		if err != nil {
			status, raw = http.StatusInternalServerError, []byte(`{"error":{"type":"api_error","message":"stripemock: the answer does not encode"}}`)
		}
		rec.Status, rec.Response = status, raw
		p.record(rec)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(raw)
		return
	}
	if status, ok := p.takeFailure(r.Method, r.URL.Path); ok {
		rec.Status = status
		p.record(rec)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `{"error":{"type":"api_error","message":"injected failure"}}`)
		return
	}
	base, err := Start()
	if err != nil {
		// The service under test only sees a 502 and answers 503: say why here.
		bootReport.Do(func() { fmt.Fprintf(os.Stderr, "stripemock: cannot start stripe-mock: %v\n", err) })
		rec.Status = http.StatusBadGateway
		p.record(rec)
		http.Error(w, "stripe-mock: "+err.Error(), http.StatusBadGateway)
		return
	}
	target, _ := url.Parse(base)
	rp := httputil.NewSingleHostReverseProxy(target)
	r.Body = io.NopCloser(bytes.NewReader(body))
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	rp.ServeHTTP(sw, r)
	rec.Status, rec.Response = sw.status, sw.body.Bytes()
	p.record(rec)
}

func (p *Proxy) record(r Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, r)
}

func (p *Proxy) takeFailure(method, path string) (int, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.failures {
		f := &p.failures[i]
		if f.remaining > 0 && f.method == method && strings.HasPrefix(path, f.pathPrefix) {
			f.remaining--
			return f.status, true
		}
	}
	return 0, false
}

// Fail answers the next n requests of method to paths starting with
// pathPrefix with status, without reaching stripe-mock (stripe-go retries
// 5xx answers, so count its retries in n).
func (p *Proxy) Fail(method, pathPrefix string, status, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failures = append(p.failures, failure{method: method, pathPrefix: pathPrefix, status: status, remaining: n})
}

// Requests are every request received so far.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Request, len(p.requests))
	copy(out, p.requests)
	return out
}

// Find is the requests of method whose path starts with pathPrefix.
func (p *Proxy) Find(method, pathPrefix string) []Request {
	var out []Request
	for _, r := range p.Requests() {
		if r.Method == method && strings.HasPrefix(r.Path, pathPrefix) {
			out = append(out, r)
		}
	}
	return out
}

// Answer makes every later request of method to exactly path (whatever
// its query) answered by respond, a status and a body to encode as JSON,
// instead of stripe-mock. Tests use it to play back what real Stripe
// would answer, such as a list holding an object made earlier.
func (p *Proxy) Answer(method, path string, respond func(Request) (int, any)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.answers = append(p.answers, answer{method: method, path: path, respond: respond})
}

func (p *Proxy) answerFor(method, path string) func(Request) (int, any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range p.answers {
		if a.method == method && a.path == path {
			return a.respond
		}
	}
	return nil
}

// statusWriter keeps the status and body stripe-mock answered.
type statusWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
