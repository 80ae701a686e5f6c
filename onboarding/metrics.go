package onboarding

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/onramp/onramp/internal/apperr"
)

// MaxMetricsRange bounds a metrics query (about three years).
const MaxMetricsRange = 1100 * 24 * time.Hour

// MetricsQuery selects organizations that signed up in [From, To), from one
// utm_source when UTMSource is set.
type MetricsQuery struct {
	From, To  time.Time
	UTMSource string
	Interval  string // cohorts only: week or month
}

func (q MetricsQuery) validate(cohorts bool) error {
	var v apperr.Validator
	v.Check(!q.From.IsZero(), "from", "is required")
	v.Check(!q.To.IsZero(), "to", "is required")
	if !q.From.IsZero() && !q.To.IsZero() {
		v.Check(q.From.Before(q.To), "to", "must be after from")
		v.Check(q.To.Sub(q.From) <= MaxMetricsRange, "to", "the range may span at most 1100 days")
	}
	v.Check(len(q.UTMSource) <= 200, "utm_source", "must be at most 200 characters")
	if cohorts {
		v.Check(q.Interval == "week" || q.Interval == "month", "interval", "must be week or month")
	}
	return v.Err()
}

// Stage is one funnel stage.
type Stage struct {
	Name                   string  `json:"name"`
	StepKey                string  `json:"step_key,omitempty"`
	Count                  int64   `json:"count"`
	ConversionFromPrevious float64 `json:"conversion_from_previous"`
	ConversionFromStart    float64 `json:"conversion_from_start"`
}

// Funnel is the stages organizations reached.
type Funnel struct {
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	UTMSource *string   `json:"utm_source"`
	Stages    []Stage   `json:"stages"`
}

// Funnel counts, among organizations that signed up in the range, those
// that reached each stage and every stage before it: signed_up,
// checkout_started, paid, each required step of the activation definition
// (named step:<key>), activated. Conversions are fractions from 0 to 1; a
// conversion whose denominator is 0 is 0. It reads only the
// per-organization milestone rows.
func (s *Service) Funnel(ctx context.Context, q MetricsQuery) (Funnel, error) {
	if err := q.validate(false); err != nil {
		return Funnel{}, err
	}
	db := s.db.SQL()
	def, err := activationDefinition(ctx, db)
	if err != nil {
		return Funnel{}, err
	}
	stages := []Stage{{Name: "signed_up"}, {Name: "checkout_started"}, {Name: "paid"}}
	conds := []string{"true", "checkout_started_at IS NOT NULL", "paid_at IS NOT NULL"}
	args := []any{q.From, q.To}
	for _, key := range def.RequiredSteps {
		args = append(args, key)
		stages = append(stages, Stage{Name: "step:" + key, StepKey: key})
		conds = append(conds, fmt.Sprintf("completed_steps @> ARRAY[$%d::text]", len(args)))
	}
	stages = append(stages, Stage{Name: "activated"})
	conds = append(conds, "activated_at IS NOT NULL")

	cols := make([]string, len(conds))
	for i := range conds {
		cols[i] = "count(*) FILTER (WHERE " + strings.Join(conds[:i+1], " AND ") + ")"
	}
	where := "signed_up_at >= $1 AND signed_up_at < $2"
	if q.UTMSource != "" {
		args = append(args, q.UTMSource)
		where += " AND utm_source = $" + strconv.Itoa(len(args))
	}
	dest := make([]any, len(stages))
	for i := range stages {
		dest[i] = &stages[i].Count
	}
	query := "SELECT " + strings.Join(cols, ", ") + " FROM onboarding_organizations WHERE " + where
	if err := db.QueryRowContext(ctx, query, args...).Scan(dest...); err != nil {
		return Funnel{}, fmt.Errorf("compute funnel: %w", err)
	}
	for i := range stages {
		stages[i].ConversionFromStart = ratio(stages[i].Count, stages[0].Count)
		if i == 0 {
			stages[i].ConversionFromPrevious = ratio(stages[0].Count, stages[0].Count)
		} else {
			stages[i].ConversionFromPrevious = ratio(stages[i].Count, stages[i-1].Count)
		}
	}
	f := Funnel{From: q.From.UTC(), To: q.To.UTC(), Stages: stages}
	if q.UTMSource != "" {
		f.UTMSource = &q.UTMSource
	}
	return f, nil
}

// ratio is n/d rounded to 4 decimals, 0 when d is 0.
func ratio(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(d)*10000) / 10000
}

// Cohort is the organizations that signed up in one week or month.
type Cohort struct {
	Start                 time.Time `json:"start"`
	SignedUp              int64     `json:"signed_up"`
	Paid                  int64     `json:"paid"`
	Activated             int64     `json:"activated"`
	ActivationRate        float64   `json:"activation_rate"`
	MedianHoursToActivate *float64  `json:"median_hours_to_activate"`
}

// Cohorts groups organizations that signed up in the range by the UTC week
// (starting Monday) or month of their signup, every period of the range
// included (empty ones with zeros); the first and last may be partial.
// activation_rate is activated/signed_up (0 for an empty cohort); the median
// is over activated organizations, null when there are none.
func (s *Service) Cohorts(ctx context.Context, q MetricsQuery) ([]Cohort, error) {
	if err := q.validate(true); err != nil {
		return nil, err
	}
	args := []any{q.From, q.To, q.Interval}
	where := ""
	if q.UTMSource != "" {
		args = append(args, q.UTMSource)
		where = "AND utm_source = $4"
	}
	// One index range scan per period (no sort of every organization).
	rows, err := s.db.SQL().QueryContext(ctx, `
		WITH buckets AS (
		    SELECT start, start + ('1 ' || $3::text)::interval AS stop
		    FROM generate_series(
		        date_trunc($3::text, $1::timestamptz AT TIME ZONE 'UTC'),
		        $2::timestamptz AT TIME ZONE 'UTC' - interval '1 microsecond',
		        ('1 ' || $3::text)::interval) AS start
		)
		SELECT b.start AT TIME ZONE 'UTC', c.signed_up, c.paid, c.activated, c.median
		FROM buckets b CROSS JOIN LATERAL (
		    SELECT count(*) AS signed_up, count(paid_at) AS paid, count(activated_at) AS activated,
		           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM activated_at - signed_up_at) / 3600) AS median
		    FROM onboarding_organizations
		    WHERE signed_up_at >= greatest($1::timestamptz, b.start AT TIME ZONE 'UTC')
		      AND signed_up_at < least($2::timestamptz, b.stop AT TIME ZONE 'UTC') `+where+`
		) AS c
		ORDER BY b.start`, args...)
	if err != nil {
		return nil, fmt.Errorf("compute cohorts: %w", err)
	}
	defer rows.Close()
	out := []Cohort{}
	for rows.Next() {
		var c Cohort
		var median sql.NullFloat64
		if err := rows.Scan(&c.Start, &c.SignedUp, &c.Paid, &c.Activated, &median); err != nil {
			return nil, fmt.Errorf("compute cohorts: %w", err)
		}
		c.Start = c.Start.UTC()
		c.ActivationRate = ratio(c.Activated, c.SignedUp)
		if median.Valid {
			m := math.Round(median.Float64*100) / 100
			c.MedianHoursToActivate = &m
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
