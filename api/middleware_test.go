package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/testing/logtest"
)

// middlewareRig serves a panicking route and a JSON-decoding route behind
// the production middleware chain, logging into a buffer.
func middlewareRig(t *testing.T) (*gin.Engine, *logtest.Buffer) {
	t.Helper()
	logs := &logtest.Buffer{}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.Use(withRequestID(), withAccessLog(slog.New(slog.NewJSONHandler(logs, nil))), withRecovery(), withBodyLimit())
	e.GET("/boom", func(c *gin.Context) { panic("database password is hunter2") })
	e.POST("/echo", func(c *gin.Context) {
		var v map[string]any
		if err := decodeJSON(c, &v); err != nil {
			fail(c, err)
			return
		}
		c.JSON(200, v)
	})
	return e, logs
}

func TestPanicAnswersAProblemAndLogsTheStack(t *testing.T) {
	t.Parallel()
	e, logs := middlewareRig(t)
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest("GET", "/boom", nil))
	if w.Code != 500 || w.Header().Get("Content-Type") != problemContentType {
		t.Fatalf("got %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	if strings.Contains(w.Body.String(), "hunter2") || strings.Contains(w.Body.String(), "goroutine") {
		t.Fatalf("panic details reached the client: %s", w.Body)
	}
	var p Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Code != "internal" || p.RequestID == "" {
		t.Fatalf("problem %+v (%v)", p, err)
	}
	if !strings.Contains(logs.String(), `"msg":"panic"`) || !strings.Contains(logs.String(), "goroutine") {
		t.Fatalf("panic and stack not logged:\n%s", logs.String())
	}
	var requestLines int
	for _, l := range logs.Lines() {
		if l["msg"] == "request" && l["status"] == float64(500) && l["request_id"] == p.RequestID {
			requestLines++
		}
	}
	if requestLines != 1 {
		t.Fatalf("want exactly one request line with status 500, got %d:\n%s", requestLines, logs.String())
	}
}

func TestBodyOverOneMebibyteIs413(t *testing.T) {
	t.Parallel()
	e, _ := middlewareRig(t)
	big := `{"x":"` + strings.Repeat("a", maxBodyBytes) + `"}`
	// Declared length over the limit: refused before reading.
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest("POST", "/echo", strings.NewReader(big)))
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("declared length: %d %s", w.Code, w.Body)
	}
	// Unknown length (chunked): refused while reading.
	req := httptest.NewRequest("POST", "/echo", struct{ *bytes.Reader }{bytes.NewReader([]byte(big))})
	req.ContentLength = -1
	w = httptest.NewRecorder()
	e.ServeHTTP(w, req)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("streamed body: %d %s", w.Code, w.Body)
	}
}

func TestDecodeErrorsAreProblems(t *testing.T) {
	t.Parallel()
	e, _ := middlewareRig(t)
	for body, want := range map[string]struct {
		status int
		field  string
	}{
		`{"a":`:           {400, ""},
		``:                {400, ""},
		`[1,2]`:           {400, ""},
		`{"a":1} {"b":2}`: {400, ""},
		// Text PostgreSQL cannot store, wherever it is.
		`{"a":"x\u0000"}`:                 {422, "a"},
		`{"a":["ok",{"b":"\ud800"}]}`:     {422, "a[1].b"},
		`{"a":[[1],["\udc00"]]}`:          {422, "a[1][0]"},
		"{\"a\":{\"b\":\"\xff\"}}":        {422, "a.b"},
		`{"a":{"b\u0000":1}}`:             {422, "a"},
		`{"a\u0000":1}`:                   {422, ""},
		`{"a":"\ud83d\ude00 \\u0000 \""}`: {200, ""}, // a surrogate pair, an escaped backslash
	} {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, httptest.NewRequest("POST", "/echo", strings.NewReader(body)))
		if w.Code == 200 && want.status == 200 {
			continue
		}
		var p Problem
		if w.Code != want.status || w.Header().Get("Content-Type") != problemContentType || json.Unmarshal(w.Body.Bytes(), &p) != nil {
			t.Errorf("%q: got %d %s", body, w.Code, w.Body)
			continue
		}
		if want.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != want.field) {
			t.Errorf("%q: errors %+v, want one on %q", body, p.Errors, want.field)
		}
	}
}

// A request its client abandoned while it waited is not an internal error:
// no "internal error" line at error level, and 499 in the access log.
func TestAbandonedRequestIsNotAnInternalError(t *testing.T) {
	t.Parallel()
	e, logs := middlewareRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	e.GET("/wait", func(c *gin.Context) {
		cancel() // the client hangs up while the handler waits on a lookup
		<-c.Request.Context().Done()
		fail(c, fmt.Errorf("check current access: %w", c.Request.Context().Err()))
	})
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest("GET", "/wait", nil).WithContext(ctx))
	if w.Code != statusClientClosedRequest {
		t.Fatalf("status %d, want %d", w.Code, statusClientClosedRequest)
	}
	for _, l := range logs.Lines() {
		if l["level"] == "ERROR" {
			t.Fatalf("an abandoned request was logged as an error: %v", l)
		}
	}
}
