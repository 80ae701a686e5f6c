package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
)

const (
	requestIDHeader = "X-Request-Id"
	ctxRequestID    = "onramp.request_id"
	ctxLogger       = "onramp.logger"
	maxBodyBytes    = 1 << 20
)

// withRequestID takes the caller's X-Request-Id when it is a sane token, or
// makes one, and echoes it on the response.
func withRequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(requestIDHeader)
		if !validRequestID(id) {
			id = uuid.Must(uuid.NewV7()).String()
		}
		c.Set(ctxRequestID, id)
		c.Header(requestIDHeader, id)
		c.Next()
	}
}

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if r < 0x21 || r > 0x7e { // printable ASCII, no spaces: safe in logs and headers
			return false
		}
	}
	return true
}

func requestID(c *gin.Context) string { return c.GetString(ctxRequestID) }

// logFor is the request's logger, carrying its request id.
func logFor(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(ctxLogger); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}

// withAccessLog writes exactly one line per request once it is answered.
func withAccessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		reqLog := log.With("request_id", requestID(c))
		c.Set(ctxLogger, reqLog)
		c.Next()

		status := c.Writer.Status()
		// The route template, never the path (nor its query): a path names
		// what a person did ("…/steps/first_session_booked/complete"). A
		// member's request names their organization only: no user id, and
		// no address, which in a small company would tell who used the
		// service, and when. Anonymous requests (sign-ups, sign-ins, the
		// webhook) keep the client's address, which abuse is traced by.
		attrs := []any{
			"method", methodOf(c),
			"route", routeOf(c),
			"status", status,
			"duration_ms", float64(time.Since(start).Microseconds()) / 1000,
			"bytes", c.Writer.Size(),
		}
		if p, ok := principalFrom(c); ok && p.HasOrg() {
			attrs = append(attrs, "organization_id", p.OrgID.String())
		} else if !ok {
			attrs = append(attrs, "client_ip", c.ClientIP())
		}
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		reqLog.Log(c.Request.Context(), level, "request", attrs...)
	}
}

// withRecovery turns a panic into a logged stack and a 500 problem; the
// stack never reaches the client.
func withRecovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logFor(c).Error("panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if !c.Writer.Written() {
					failStatus(c, http.StatusInternalServerError, "internal", "Internal error")
				} else {
					c.Abort()
				}
			}
		}()
		c.Next()
	}
}

// withBodyLimit refuses bodies over maxBodyBytes: at once when the length is
// declared, and while reading otherwise (decodeJSON turns that into a 413).
func withBodyLimit() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > maxBodyBytes {
			fail(c, tooLarge())
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes)
		c.Next()
	}
}

// httpMetrics counts requests and their latency by route and status.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests answered, by method, route and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "HTTP request latency, by method, route and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"method", "route", "status"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

func (m *httpMetrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		labels := prometheus.Labels{"method": methodOf(c), "route": routeOf(c), "status": strconv.Itoa(c.Writer.Status())}
		m.requests.With(labels).Inc()
		m.duration.With(labels).Observe(time.Since(start).Seconds())
	}
}

// knownMethods are the methods metrics and logs name; clients may send any
// token as a method, and each new label value is a new series kept forever.
var knownMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
}

// methodOf is the request's method for metrics and logs: one of
// knownMethods, or "other".
func methodOf(c *gin.Context) string {
	if slices.Contains(knownMethods, c.Request.Method) {
		return c.Request.Method
	}
	return "other"
}

// routeOf is the route template (e.g. /v1/organization/members/:user_id), so
// metrics and logs group by route, not by id; every path the router does not
// serve is one value, whatever the client made up.
func routeOf(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}
