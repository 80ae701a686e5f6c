package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/testing/testenv"
)

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.Do(t, "GET", "/healthz", nil).Expect(t, http.StatusOK)
	res := env.Do(t, "GET", "/readyz", nil).Expect(t, http.StatusOK)
	if res.Header.Get("X-Request-Id") == "" {
		t.Fatal("no X-Request-Id on the response")
	}
}

func TestReadinessFailsWhenDatabaseIsDown(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.DB.Pool.Close() // the pool refuses every query from now on
	res := env.Do(t, "GET", "/readyz", nil).Expect(t, http.StatusServiceUnavailable)
	if got := res.Header.Get("Content-Type"); got != "application/problem+json" {
		t.Fatalf("content type %q", got)
	}
}

func TestRequestIDIsEchoedAndLogged(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	res := env.Do(t, "GET", "/healthz", nil, testenv.WithHeader("X-Request-Id", "req-abc-123"))
	if got := res.Header.Get("X-Request-Id"); got != "req-abc-123" {
		t.Fatalf("X-Request-Id %q, want the caller's", got)
	}
	var line map[string]any
	for _, l := range env.Log.Lines() {
		if l["msg"] == "request" && l["request_id"] == "req-abc-123" {
			line = l
		}
	}
	if line == nil {
		t.Fatalf("no request log line with the request id; logs:\n%s", env.Log.String())
	}
	if line["status"] != float64(200) || line["route"] != "/healthz" || line["duration_ms"] == nil {
		t.Fatalf("request log line lacks status/route/duration: %v", line)
	}
}

func TestUnknownRouteIsProblem(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	res, err := http.Get(env.URL + "/v1/nope")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 404 || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

func TestMetricsCountRequestsByRouteAndStatus(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.Do(t, "GET", "/healthz", nil)
	res := env.Do(t, "GET", "/metrics", nil).Expect(t, http.StatusOK)
	want := `http_requests_total{method="GET",route="/healthz",status="200"} 1`
	if !strings.Contains(string(res.Body), want) {
		t.Fatalf("metrics lack %q", want)
	}
	if !strings.Contains(string(res.Body), `http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200"`) {
		t.Fatal("metrics lack the latency histogram")
	}
}

// TestMetricsLabelsStayBounded: methods and paths a client makes up are
// counted under one label value each, so no client can grow /metrics (or
// the access log) by sending them.
func TestMetricsLabelsStayBounded(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	before := len(env.Do(t, "GET", "/metrics", nil).Expect(t, http.StatusOK).Body)
	for i := range 5 {
		method := fmt.Sprintf("MADEUP%d%s", i, strings.Repeat("X", 10_000))
		if res := sendRaw(t, method, env.URL+"/healthz"); res.Status != http.StatusMethodNotAllowed {
			t.Fatalf("made-up method: %d %s", res.Status, res.Body)
		}
		if res := sendRaw(t, "GET", env.URL+"/v1/made-up/"+uuid.NewString()); res.Status != http.StatusNotFound {
			t.Fatalf("made-up path: %d %s", res.Status, res.Body)
		}
	}
	metrics := string(env.Do(t, "GET", "/metrics", nil).Expect(t, http.StatusOK).Body)
	if strings.Contains(metrics, "MADEUP") || strings.Contains(metrics, "/v1/made-up/") {
		t.Fatalf("a made-up method or path became a label; /metrics grew from %d to %d bytes", before, len(metrics))
	}
	for _, want := range []string{
		`http_requests_total{method="other",route="unmatched",status="405"} 5`,
		`http_requests_total{method="GET",route="unmatched",status="404"} 5`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	for _, l := range env.Log.Lines() {
		if l["msg"] == "request" && l["status"] == float64(405) && (l["method"] != "other" || l["route"] != "unmatched") {
			t.Fatalf("access log line keeps the made-up method or route: %.200v", l)
		}
	}
}

func TestSpecAndDocsAreServed(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	spec := env.Do(t, "GET", "/openapi.yaml", nil).Expect(t, http.StatusOK)
	if !strings.HasPrefix(string(spec.Body), "openapi: 3.1") {
		t.Fatalf("unexpected spec: %.40s", spec.Body)
	}
	docs := env.Do(t, "GET", "/docs", nil).Expect(t, http.StatusOK)
	if !strings.Contains(string(docs.Body), "swagger") || strings.Contains(string(docs.Body), "cdn") {
		t.Fatalf("docs page does not look like the embedded Swagger UI: %.300s", docs.Body)
	}
	// The page lives at /docs, as the contract says; its assets below it.
	if res := sendRaw(t, "GET", env.URL+"/docs/"); res.Status != http.StatusMovedPermanently || res.Header.Get("Location") != "/docs" {
		t.Fatalf("/docs/: %d to %q, want a redirect to /docs", res.Status, res.Header.Get("Location"))
	}
}

func TestJWKSPublishesTheSigningKey(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	var set struct {
		Keys []struct{ Kid, Kty, Crv, Alg string }
	}
	env.Do(t, "GET", "/.well-known/jwks.json", nil).Expect(t, http.StatusOK).Decode(t, &set)
	if len(set.Keys) != 1 || set.Keys[0].Kty != "OKP" || set.Keys[0].Crv != "Ed25519" || set.Keys[0].Alg != "EdDSA" || set.Keys[0].Kid == "" {
		t.Fatalf("unexpected key set %+v", set)
	}
}

// /metrics shows the instance's connection pool: a request that used the
// database has acquired a connection, and the pool's size is there.
func TestMetricsShowTheConnectionPool(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.Do(t, "GET", "/readyz", nil).Expect(t, http.StatusOK)
	body := string(env.Do(t, "GET", "/metrics", nil).Expect(t, http.StatusOK).Body)
	for _, want := range []string{`onramp_db_pool_connections{state="idle"}`, `onramp_db_pool_max_connections 20`, "onramp_db_pool_acquire_wait_seconds_total"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(body, "onramp_db_pool_acquires_total 0\n") {
		t.Error("no connection was ever acquired, though /readyz pinged the database")
	}
}
