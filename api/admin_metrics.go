package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/onboarding"
)

// adminMetricsHandlers serve the funnel, activation cohorts, seat metrics
// and members' retention.
type adminMetricsHandlers struct{ svc *onboarding.Service }

// metricsQuery reads ?from&to (RFC 3339 times or YYYY-MM-DD dates, UTC, in
// years 0001-9999 once in UTC, so the answer can repeat them), ?utm_source
// and ?interval.
func metricsQuery(c *gin.Context) (onboarding.MetricsQuery, error) {
	var v apperr.Validator
	q := onboarding.MetricsQuery{UTMSource: c.Query("utm_source"), Interval: c.Query("interval")}
	var ok bool
	q.From, ok = parseTimeParam(c.Query("from"))
	v.Check(ok, "from", "must be an RFC 3339 time or a YYYY-MM-DD date, in years 0001-9999 in UTC")
	q.To, ok = parseTimeParam(c.Query("to"))
	v.Check(ok, "to", "must be an RFC 3339 time or a YYYY-MM-DD date, in years 0001-9999 in UTC")
	why := textProblem(q.UTMSource)
	v.Check(why == "", "utm_source", why)
	return q, v.Err()
}

func parseTimeParam(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true // required-ness is checked by the service
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t, err = time.Parse(time.DateOnly, s)
	}
	year := t.UTC().Year()
	return t, err == nil && year >= 1 && year <= 9999
}

func (h adminMetricsHandlers) funnel(c *gin.Context) {
	q, err := metricsQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	f, err := h.svc.Funnel(c.Request.Context(), q)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, f)
}

func (h adminMetricsHandlers) cohorts(c *gin.Context) {
	q, err := metricsQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	cohorts, err := h.svc.Cohorts(c.Request.Context(), q)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, gin.H{"from": q.From.UTC(), "to": q.To.UTC(), "interval": q.Interval, "cohorts": cohorts})
}

// seats serves the seat metrics: ?from&to&utm_source as the funnel, and
// ?plan_id.
func (h adminMetricsHandlers) seats(c *gin.Context) {
	q, err := metricsQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	m, err := h.svc.Seats(c.Request.Context(), onboarding.SeatsQuery{MetricsQuery: q, PlanID: c.Query("plan_id")})
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, m)
}

// retention serves members' retention by join week: ?from&to&interval as
// the cohorts, and ?event. Its rollups are not split by source: a
// utm_source is refused rather than silently ignored.
func (h adminMetricsHandlers) retention(c *gin.Context) {
	q, err := metricsQuery(c)
	if err != nil {
		fail(c, err)
		return
	}
	if q.UTMSource != "" {
		fail(c, apperr.InvalidField("utm_source", "retention covers every organization; it cannot be filtered by source"))
		return
	}
	r, err := h.svc.Retention(c.Request.Context(), onboarding.RetentionQuery{From: q.From, To: q.To, Interval: q.Interval, Event: c.Query("event")})
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, r)
}
