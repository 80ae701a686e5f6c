package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/internal/web/page"
	"github.com/onramp/onramp/onboarding"
	"github.com/onramp/onramp/onboarding/nudge"
)

// The metrics screen: the funnel, weekly activation cohorts, seats and
// members' retention over a date range, optionally for one utm_source
// (retention covers every source: its rollups are not split by one).

type metricsPage struct {
	frame
	Range     dateRange
	UTMSource string
	Funnel    *onboarding.Funnel
	Stages    []stageRow
	Cohorts   []cohortRow
	Seats     *onboarding.SeatMetrics
	Retention []retentionRow // nil when filtered by source
	Weeks     []int
	Charts    map[string]*barChart
}

// stageRow is a funnel stage as the table shows it.
type stageRow struct {
	Label, FromPrevious, FromStart string
	Count                          int64
}

type cohortRow struct {
	onboarding.Cohort
	Rate, Heat, Median string
}

var rangeFields = map[string]fieldText{
	"from":       {"from", "range.err.date"},
	"to":         {"to", "range.err.to"},
	"utm_source": {"utm_source", "range.err.source"},
}

func (c *console) metrics(ctx *gin.Context) {
	p := metricsPage{frame: frame{Nav: "metrics"}, Range: c.readRange(ctx), UTMSource: strings.TrimSpace(ctx.Query("utm_source")),
		Charts: map[string]*barChart{}}
	if !p.Range.ok() {
		c.render(ctx, http.StatusUnprocessableEntity, "metrics.html", p)
		return
	}
	q := onboarding.MetricsQuery{From: p.Range.FromTime, To: p.Range.ToTime, UTMSource: p.UTMSource, Interval: "week"}
	err := c.loadMetrics(ctx, &p, q)
	if err != nil {
		fields, _, ok := c.userError(ctx, err, rangeFields)
		if !ok || fields == nil {
			c.site.Failed(ctx, err)
			return
		}
		p.Range.Errors = fields
		c.render(ctx, http.StatusUnprocessableEntity, "metrics.html", p)
		return
	}
	c.render(ctx, http.StatusOK, "metrics.html", p)
}

func (c *console) loadMetrics(ctx *gin.Context, p *metricsPage, q onboarding.MetricsQuery) error {
	lang := page.Language(ctx)
	rc := ctx.Request.Context()
	funnel, err := c.Onboarding.Funnel(rc, q)
	if err != nil {
		return err
	}
	p.Funnel = &funnel
	figures := make([]figure, 0, len(funnel.Stages))
	for _, s := range funnel.Stages {
		row := stageRow{Label: c.stageLabel(ctx, s), Count: s.Count,
			FromPrevious: percent(lang, s.ConversionFromPrevious), FromStart: percent(lang, s.ConversionFromStart)}
		p.Stages = append(p.Stages, row)
		figures = append(figures, figure{Label: row.Label, Count: float64(s.Count),
			Value: fmt.Sprintf("%d (%s)", s.Count, row.FromStart)})
	}
	p.Charts["funnel"] = newBarChart("funnel", c.pages.Text(ctx, "metrics.funnel"), c.pages.Text(ctx, "metrics.funnel.desc"), figures)

	cohorts, err := c.Onboarding.Cohorts(rc, q)
	if err != nil {
		return err
	}
	for _, co := range cohorts {
		row := cohortRow{Cohort: co, Rate: percent(lang, co.ActivationRate), Heat: heat(co.ActivationRate), Median: "–"}
		if co.MedianHoursToActivate != nil {
			row.Median = decimal(lang, *co.MedianHoursToActivate)
		}
		p.Cohorts = append(p.Cohorts, row)
	}

	seats, err := c.Onboarding.Seats(rc, onboarding.SeatsQuery{MetricsQuery: q})
	if err != nil {
		return err
	}
	p.Seats = &seats
	p.Charts["seats"] = newBarChart("seats", c.pages.Text(ctx, "metrics.seats"), c.pages.Text(ctx, "metrics.seats.desc"), c.seatFigures(ctx, seats))

	if q.UTMSource == "" {
		r, err := c.Onboarding.Retention(rc, onboarding.RetentionQuery{From: q.From, To: q.To, Interval: "week"})
		if err != nil {
			return err
		}
		p.Retention = retentionRows(lang, r)
		for k := 0; k <= retentionWeeks; k++ {
			p.Weeks = append(p.Weeks, k)
		}
	}
	return nil
}

// stageLabel names a funnel stage in the visitor's language.
func (c *console) stageLabel(ctx *gin.Context, s onboarding.Stage) string {
	if s.StepKey != "" {
		return fmt.Sprintf(c.pages.Text(ctx, "metrics.stage.step"), s.StepKey)
	}
	if c.pages.Has("metrics.stage." + s.Name) {
		return c.pages.Text(ctx, "metrics.stage."+s.Name)
	}
	return s.Name
}

func (c *console) seatFigures(ctx *gin.Context, m onboarding.SeatMetrics) []figure {
	held := c.pages.Text(ctx, "metrics.suppressed")
	count := func(key string, n *int) figure {
		if n == nil {
			return figure{Label: c.pages.Text(ctx, key), Value: held, Missing: true}
		}
		return figure{Label: c.pages.Text(ctx, key), Count: float64(*n), Value: strconv.Itoa(*n)}
	}
	return []figure{
		count("metrics.seats.organizations", &m.Organizations),
		count("metrics.seats.paid", &m.SeatsPaid),
		count("metrics.seats.invited", &m.MembersInvited),
		count("metrics.seats.joined", &m.MembersJoined),
		count("metrics.seats.started", m.MembersStarted),
		count("metrics.seats.active", m.MembersActive28d),
	}
}

// retentionRow is a join-week cohort: each week's share of its members
// still active, shaded, or a dash for a share held back.
type retentionRow struct {
	Start   string
	Members int
	Cells   []retentionCell
}

type retentionCell struct{ Text, Heat string }

// retentionWeeks is the last week after joining that retention follows.
const retentionWeeks = 12

func retentionRows(lang mail.Locale, r onboarding.Retention) []retentionRow {
	rows := make([]retentionRow, 0, len(r.Cohorts))
	for _, co := range r.Cohorts {
		row := retentionRow{Start: co.Start.Format("2006-01-02"), Members: co.Members}
		for _, s := range co.Retained {
			cell := retentionCell{Text: "–", Heat: "heat-none"}
			if s != nil {
				cell = retentionCell{Text: percent(lang, *s), Heat: heat(*s)}
			}
			row.Cells = append(row.Cells, cell)
		}
		// Weeks not begun yet: empty cells keep the table's rows whole.
		for len(row.Cells) <= retentionWeeks {
			row.Cells = append(row.Cells, retentionCell{Heat: "heat-later"})
		}
		rows = append(rows, row)
	}
	return rows
}

// effectChart compares the conversion of those reminded with those held
// out, when both are known.
func (c *console) effectChart(ctx *gin.Context, e nudge.Effect) *barChart {
	if e.ConversionSent == nil || e.ConversionHeldOut == nil {
		return nil
	}
	lang := page.Language(ctx)
	return newBarChart("effect", c.pages.Text(ctx, "effect.chart"), c.pages.Text(ctx, "effect.chart.desc"), []figure{
		{Label: c.pages.Text(ctx, "effect.sent"), Count: *e.ConversionSent, Value: percent(lang, *e.ConversionSent)},
		{Label: c.pages.Text(ctx, "effect.held_out"), Count: *e.ConversionHeldOut, Value: percent(lang, *e.ConversionHeldOut)},
	})
}
