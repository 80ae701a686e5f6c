package onboarding

import (
	"context"
	"math"
	"time"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
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
	q.check(&v, cohorts)
	return v.Err()
}

// check records in v what is wrong with the range and the source; with
// cohorts, with the interval too. The member metrics add their own checks
// to the same validator, so a caller sees every problem at once.
func (q MetricsQuery) check(v *apperr.Validator, cohorts bool) {
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
	// Computing: the activation definition changed and the funnel's
	// rollups are being recomputed for it; meanwhile the counts come from
	// the milestone rows (exact, slower).
	Computing bool `json:"computing"`
}

// Funnel counts, among organizations that signed up in the range, those
// that reached each stage and every stage before it: signed_up,
// checkout_started, trial_started (or paid without a trial), paid, each
// required step of the activation definition
// (named step:<key>), activated. Conversions are fractions from 0 to 1; a
// conversion whose denominator is 0 is 0. It sums the daily rollups, or,
// while they are recomputed after a definition change, counts the
// milestone rows (and says so: Computing).
func (s *Service) Funnel(ctx context.Context, q MetricsQuery) (Funnel, error) {
	if err := q.validate(false); err != nil {
		return Funnel{}, err
	}
	var def Definition
	var counts []int64
	var ready bool
	// One snapshot: the definition, whether the rollups follow it, and
	// the rollups agree.
	err := s.db.InSnapshot(ctx, func(tx *database.Tx) error {
		var err error
		if def, err = s.store.activationDefinition(ctx, tx.SQL()); err != nil {
			return err
		}
		if ready, err = s.store.funnelStagesReady(ctx, tx.SQL(), def.RequiredSteps); err != nil {
			return err
		}
		counts, err = s.store.funnelCounts(ctx, tx.SQL(), q, def.RequiredSteps, ready)
		return err
	})
	if err != nil {
		return Funnel{}, err
	}
	stages := []Stage{{Name: "signed_up"}, {Name: "checkout_started"}, {Name: "trial_started"}, {Name: "paid"}}
	for _, key := range def.RequiredSteps {
		stages = append(stages, Stage{Name: "step:" + key, StepKey: key})
	}
	stages = append(stages, Stage{Name: "activated"})
	for i := range stages {
		stages[i].Count = counts[i]
		stages[i].ConversionFromStart = ratio(stages[i].Count, stages[0].Count)
		if i == 0 {
			stages[i].ConversionFromPrevious = ratio(stages[0].Count, stages[0].Count)
		} else {
			stages[i].ConversionFromPrevious = ratio(stages[i].Count, stages[i-1].Count)
		}
	}
	f := Funnel{From: q.From.UTC(), To: q.To.UTC(), Stages: stages, Computing: !ready}
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
// is over activated organizations, null when fewer than MIN_GROUP_SIZE are.
func (s *Service) Cohorts(ctx context.Context, q MetricsQuery) ([]Cohort, error) {
	if err := q.validate(true); err != nil {
		return nil, err
	}
	rows, err := s.store.cohortRows(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]Cohort, len(rows))
	for i, r := range rows {
		c := r.Cohort
		c.ActivationRate = ratio(c.Activated, c.SignedUp)
		// A median over fewer organizations than the group floor is close
		// to one company's own time, which member thresholds may have set
		// (the k-th member's booking): it is not shown.
		if r.median.Valid && c.Activated >= int64(s.minGroupSize) {
			m := math.Round(r.median.Float64*100) / 100
			c.MedianHoursToActivate = &m
		}
		out[i] = c
	}
	return out, nil
}
