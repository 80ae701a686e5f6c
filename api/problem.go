package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// Problem is an RFC 9457 problem details body. Code repeats the machine
// reason (e.g. "seats_exhausted") so clients need not parse Type.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Code      string              `json:"code,omitempty"`
	Errors    []apperr.FieldError `json:"errors,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
}

const problemContentType = "application/problem+json"

var statusOf = map[apperr.Code]int{
	apperr.CodeMalformed:    http.StatusBadRequest,
	apperr.CodeUnauthorized: http.StatusUnauthorized,
	apperr.CodeForbidden:    http.StatusForbidden,
	apperr.CodeNotFound:     http.StatusNotFound,
	apperr.CodeConflict:     http.StatusConflict,
	apperr.CodeTooLarge:     http.StatusRequestEntityTooLarge,
	apperr.CodeInvalid:      http.StatusUnprocessableEntity,
	apperr.CodeRateLimited:  http.StatusTooManyRequests,
	apperr.CodeUnavailable:  http.StatusServiceUnavailable,
}

// problemType is the type URI for a problem code. URNs name the problem
// without pretending to be a page that can be fetched.
func problemType(code string) string { return "urn:onramp:problem:" + code }

// fail answers err as a problem and stops the handler chain. Expected errors
// (apperr) show their message; anything else is logged with the request id
// and answered with a bare "Internal error".
func fail(c *gin.Context, err error) {
	if e, ok := apperr.As(err); ok {
		status, known := statusOf[e.Code]
		if !known {
			status = http.StatusInternalServerError
		}
		code := e.Reason
		if code == "" {
			code = string(e.Code)
		}
		if e.RetryAfter > 0 {
			secs := int(e.RetryAfter.Seconds() + 0.999)
			c.Header("Retry-After", strconv.Itoa(secs))
		}
		writeProblem(c, Problem{Type: problemType(code), Title: http.StatusText(status), Status: status, Detail: e.Message, Code: code, Errors: e.Fields})
		return
	}
	if errors.Is(err, context.Canceled) && c.Request.Context().Err() != nil {
		// The client hung up (or the server is shutting down) while the
		// request waited: nobody reads an answer, and it is not a fault of
		// ours to log as one. 499 is what the access log then shows, as
		// nginx names it.
		logFor(c).Info("request abandoned by the client", "err", err)
		c.AbortWithStatus(statusClientClosedRequest)
		return
	}
	if database.Unreachable(err) {
		logFor(c).Error("dependency unavailable", "err", err)
		fail(c, apperr.DependencyUnavailable("The database is unavailable; try again shortly.", databaseRetryAfter))
		return
	}
	logFor(c).Error("internal error", "err", err)
	writeProblem(c, Problem{Type: problemType("internal"), Title: http.StatusText(http.StatusInternalServerError), Status: http.StatusInternalServerError, Detail: "Internal error", Code: "internal"})
}

// failStatus answers a problem for a bare HTTP status (404 route, 405...).
func failStatus(c *gin.Context, status int, code, detail string) {
	writeProblem(c, Problem{Type: problemType(code), Title: http.StatusText(status), Status: status, Detail: detail, Code: code})
}

func writeProblem(c *gin.Context, p Problem) {
	p.RequestID = requestID(c)
	c.Header("Content-Type", problemContentType)
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatus(p.Status)
	c.Render(p.Status, problemRender{p})
}

// statusClientClosedRequest is nginx's status for a request whose client
// went away before the answer.
const statusClientClosedRequest = 499

// databaseRetryAfter is when a client is told to try again while the
// database is unreachable: a restart or a failover takes seconds.
const databaseRetryAfter = 5 * time.Second
