package console

import (
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// dateRange is a from/to form (YYYY-MM-DD, UTC); the metrics and a
// nudge's effect read one. By default: the last 12 weeks up to tomorrow,
// so today's signups count.
type dateRange struct {
	From, To         string // as typed, shown again
	FromTime, ToTime time.Time
	Errors           fieldErrors
}

const defaultWeeks = 12

func (c *console) readRange(ctx *gin.Context) dateRange {
	today := c.Accounts.Now().UTC().Truncate(24 * time.Hour)
	r := dateRange{From: strings.TrimSpace(ctx.Query("from")), To: strings.TrimSpace(ctx.Query("to")), Errors: fieldErrors{}}
	if r.From == "" {
		r.From = today.AddDate(0, 0, -7*defaultWeeks+1).Format(time.DateOnly)
	}
	if r.To == "" {
		r.To = today.AddDate(0, 0, 1).Format(time.DateOnly)
	}
	var err error
	if r.FromTime, err = time.Parse(time.DateOnly, r.From); err != nil {
		r.Errors["from"] = c.pages.Text(ctx, "range.err.date")
	}
	if r.ToTime, err = time.Parse(time.DateOnly, r.To); err != nil {
		r.Errors["to"] = c.pages.Text(ctx, "range.err.date")
	}
	return r
}

// ok reports whether the dates parsed (the services check the rest).
func (r dateRange) ok() bool { return len(r.Errors) == 0 }
