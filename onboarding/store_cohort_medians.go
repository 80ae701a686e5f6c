package onboarding

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/onramp/onramp/internal/database"
)

// storedCohortMedians sets the median of every period that
// onboarding_cohort_medians has up to date (computed_changes = changes in
// this snapshot) and marks it known: a whole period's, or the one of the
// first or last days that a range of dates covers (prefix_medians,
// suffix_medians). A period without a row never had an activated
// organization: known too, with no median. Periods whose row is out of
// date, and those cut within a day or at both ends, are left to their
// buckets.
func (s *store) storedCohortMedians(ctx context.Context, qr database.Querier, q MetricsQuery, periods []cohortPeriod) error {
	index := map[time.Time]*cohortPeriod{}
	var starts []string
	var prefixes, suffixes []int32
	for i := range periods {
		p := &periods[i]
		if !p.whole && p.prefix == 0 && p.suffix == 0 {
			continue
		}
		index[p.row.Start] = p
		p.medianKnown = true
		starts = append(starts, p.row.Start.Format(time.DateOnly))
		prefixes, suffixes = append(prefixes, int32(p.prefix)), append(suffixes, int32(p.suffix))
	}
	if len(index) == 0 {
		return nil
	}
	interval := q.Interval
	if interval != "month" {
		interval = "week"
	}
	return eachRow(ctx, qr, `
		SELECT m.start::timestamp,
		       CASE WHEN r.prefix > 0 THEN m.prefix_medians[r.prefix]
		            WHEN r.suffix > 0 THEN m.suffix_medians[r.suffix]
		            ELSE m.median_hours END,
		       m.computed_changes IS NOT DISTINCT FROM m.changes
		FROM unnest($1::date[], $2::int[], $3::int[]) AS r(start, prefix, suffix)
		JOIN onboarding_cohort_medians m
		  ON m.period = $4 AND m.start = r.start AND m.any_source = $5 AND m.utm_source = $6`,
		[]any{starts, prefixes, suffixes, interval, q.UTMSource == "", q.UTMSource},
		func(rows *sql.Rows) error {
			var start time.Time
			var median sql.NullFloat64
			var fresh bool
			if err := rows.Scan(&start, &median, &fresh); err != nil {
				return err
			}
			p, ok := index[start.UTC()]
			if !ok {
				return nil
			}
			p.medianKnown = fresh
			if fresh {
				p.row.median = median
			}
			return nil
		})
}

// cohortBuckets adds to each period whose median is not known its
// activated organizations per activation-time bucket, from the rollups of
// its whole days in d.
func (s *store) cohortBuckets(ctx context.Context, qr database.Querier, source string, d dayRanges, periods []cohortPeriod, period func(time.Time) *cohortPeriod) error {
	var los, his []string
	for _, p := range periods {
		if p.medianKnown {
			continue
		}
		lo, hi := maxTime(p.from, d.first), minTime(p.to, d.last)
		if lo.Before(hi) {
			los, his = append(los, lo.Format(time.DateOnly)), append(his, hi.Format(time.DateOnly))
		}
	}
	if len(los) == 0 {
		return nil
	}
	args := []any{los, his}
	where := ""
	if source != "" {
		args = append(args, source)
		where = "AND a.utm_source = $3"
	}
	return eachRow(ctx, qr, `
		SELECT a.day, a.bucket, sum(a.organizations)::bigint
		FROM unnest($1::date[], $2::date[]) AS r(lo, hi)
		JOIN onboarding_daily_activation a ON a.day >= r.lo AND a.day < r.hi `+where+`
		GROUP BY a.day, a.bucket`, args, func(rows *sql.Rows) error {
		var day time.Time
		var bucket int16
		var n int64
		if err := rows.Scan(&day, &bucket, &n); err != nil {
			return err
		}
		period(day.UTC()).buckets[bucket] += n
		return nil
	})
}

// refreshCohortMedians computes up to limit out-of-date stored medians, in
// a statement of its own (READ COMMITTED, as the function requires), and
// returns how many.
func (s *store) refreshCohortMedians(ctx context.Context, limit int) (int, error) {
	var n int
	if err := s.db.SQL().QueryRowContext(ctx, `SELECT onboarding_refresh_cohort_medians($1)`, limit).Scan(&n); err != nil {
		return 0, fmt.Errorf("refresh cohort medians: %w", err)
	}
	return n, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
