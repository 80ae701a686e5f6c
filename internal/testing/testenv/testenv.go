// Package testenv starts the whole service for HTTP tests: the real router
// and services on an httptest.Server over a fresh PostgreSQL database, with
// every response validated against openapi.yaml.
package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/app"
	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/internal/testing/mailtest"
	"github.com/onramp/onramp/internal/testing/stripemock"
)

// Env is one running service instance for one test.
type Env struct {
	URL    string
	DB     *database.DB
	App    *app.App
	Config *config.Config
	Log    *LogBuffer        // everything the service logged
	Mail   *mailtest.Server  // every email the service sent
	Stripe *stripemock.Proxy // every request the service sent to Stripe

	client *http.Client
	spec   *specValidator
}

// Option adjusts the configuration before the service starts.
type Option func(*config.Config)

// New starts a service for t on a fresh database; it stops when t ends.
func New(t testing.TB, opts ...Option) *Env {
	t.Helper()
	return NewOn(t, dbtest.New(t), opts...)
}

// NewOn starts a service for t on db (e.g. one reached through a proxy the
// test can cut); it stops when t ends.
func NewOn(t testing.TB, db *database.DB, opts ...Option) *Env {
	t.Helper()

	key, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	unsubscribeKey := make([]byte, 32)
	_, _ = rand.Read(unsubscribeKey)
	public, _ := url.Parse("http://onramp.test")
	smtp := mailtest.Start(t)
	cfg := &config.Config{
		Env:             "development",
		HTTPAddr:        "127.0.0.1:0",
		PublicURL:       public,
		JWTKey:          key,
		UnsubscribeKey:  unsubscribeKey,
		PastDueGrace:    7 * 24 * time.Hour,
		SignupRateLimit: 0,
		LogLevel:        slog.LevelDebug,
		LogFormat:       "json",
		SMTPURL:         smtp.URL,
		MailFrom:        "Onramp <no-reply@onramp.test>",
		JobPollInterval: 50 * time.Millisecond,
		APIKeyRateLimit: 60_000,
		// Webhook receivers in tests are httptest servers on loopback.
		WebhookAllowPrivate: true,
	}
	stripe := setupStripe(t, cfg)
	for _, o := range opts {
		o(cfg)
	}

	logs := &LogBuffer{}
	log := slog.New(slog.NewJSONHandler(io.MultiWriter(logs, testWriter(t)), &slog.HandlerOptions{Level: slog.LevelDebug}))

	ctx := context.Background()
	a, err := app.New(ctx, cfg, db, log)
	if err != nil {
		t.Fatalf("assemble app: %v", err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatalf("start app: %v", err)
	}
	srv := httptest.NewServer(a.Router)
	t.Cleanup(func() {
		srv.Close()
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Stop(stopCtx); err != nil {
			t.Logf("stop app: %v", err)
		}
	})

	return &Env{
		URL:    srv.URL,
		DB:     db,
		App:    a,
		Config: cfg,
		Log:    logs,
		Mail:   smtp,
		Stripe: stripe,
		// Redirects are answers to check, not to follow (a 303 to Stripe's
		// billing portal must not leave the machine).
		client: &http.Client{Transport: srv.Client().Transport, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
		spec: loadSpec(t),
	}
}

// Response is a completed request, already validated against the spec.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode unmarshals the body into v.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %d response %q: %v", r.Status, r.Body, err)
	}
}

// Map is the body as a JSON object.
func (r *Response) Map(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.Decode(t, &m)
	return m
}

// Code is a problem response's `code`.
func (r *Response) Code(t testing.TB) string {
	t.Helper()
	code, _ := r.Map(t)["code"].(string)
	return code
}

// RequestOption adjusts one request.
type RequestOption func(*http.Request)

// WithBearer sends an access token.
func WithBearer(token string) RequestOption {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// WithTimeout gives up on the request after d, as a client would: a
// server that waits instead of answering fails the test.
func WithTimeout(d time.Duration) RequestOption {
	return func(r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		time.AfterFunc(d, cancel)
		*r = *r.WithContext(ctx)
	}
}

// WithHeader sets a header.
func WithHeader(key, value string) RequestOption {
	return func(r *http.Request) { r.Header.Set(key, value) }
}

// Raw marks a body to be sent as-is rather than JSON-encoded.
type Raw []byte

// Do sends a request. body is JSON-encoded unless it is nil or Raw. The
// response is validated against openapi.yaml; a mismatch fails the test.
func (e *Env) Do(t testing.TB, method, path string, body any, opts ...RequestOption) *Response {
	t.Helper()
	var reader io.Reader
	var raw []byte
	switch b := body.(type) {
	case nil:
	case Raw:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatalf("encode request body: %v", err)
		}
	}
	if raw != nil {
		reader = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.URL+path, reader)
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(req)
	}
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	resBody, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read response of %s %s: %v", method, path, err)
	}
	out := &Response{Status: res.StatusCode, Header: res.Header, Body: resBody}
	e.spec.validate(t, req, raw, out)
	return out
}

// Expect fails the test unless the response has the given status.
func (r *Response) Expect(t testing.TB, status int) *Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	return r
}

// testWriter sends service logs to the test's log only with -v, so a
// failing test shows what the service said without drowning passing runs.
func testWriter(t testing.TB) io.Writer {
	if os.Getenv("ONRAMP_TEST_LOGS") == "" {
		return io.Discard
	}
	return tWriter{t}
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// LinkToken is the token= value of the first link in an email body.
func LinkToken(t testing.TB, text string) string {
	t.Helper()
	for _, field := range strings.Fields(text) {
		u, err := url.Parse(field)
		if err != nil || u.Scheme == "" {
			continue
		}
		if tok := u.Query().Get("token"); tok != "" {
			return tok
		}
	}
	t.Fatalf("no link with a token in:\n%s", text)
	return ""
}
