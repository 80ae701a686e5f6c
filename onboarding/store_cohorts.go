package onboarding

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/onramp/onramp/internal/database"
)

// cohortRow is one period's counts and the median hours from signup to
// activation over its activated organizations (not valid when none).
type cohortRow struct {
	Cohort
	median sql.NullFloat64
}

// cohortPeriod is one period of a cohort query, clipped to the query's
// range, with its activated organizations per activation-time bucket.
type cohortPeriod struct {
	row     cohortRow
	from    time.Time
	to      time.Time
	buckets map[int16]int64
	// whole: the query covers the period from its start to its end.
	whole bool
	// prefix: the query covers the period's first prefix days only (it
	// ends at a midnight inside it); suffix: the query covers it from
	// its day suffix (0-based, a midnight) to its end. Each names the
	// stored median that is this period's (see storedCohortMedians); 0
	// when the period is whole or cut otherwise.
	prefix, suffix int
	// medianKnown: row.median is already the period's, from the stored
	// medians; its buckets are not read.
	medianKnown bool
}

// cohortRows groups organizations that signed up in the query's range by
// the UTC week (from Monday) or month of their signup, every period of the
// range included, all read in one snapshot. Counts come from the daily
// rollups (the milestone rows for partial days). The median of a whole
// period comes from onboarding_cohort_medians when it is up to date there;
// any other period's is found in its activation-time buckets, then among
// the organizations of the bucket (or two) that holds it.
func (s *store) cohortRows(ctx context.Context, q MetricsQuery) ([]cohortRow, error) {
	var out []cohortRow
	err := s.db.InSnapshot(ctx, func(tx *database.Tx) error {
		var err error
		out, err = s.cohortRowsIn(ctx, tx.SQL(), q)
		return err
	})
	return out, err
}

func (s *store) cohortRowsIn(ctx context.Context, qr database.Querier, q MetricsQuery) ([]cohortRow, error) {
	periods := cohortPeriods(q)
	starts := make([]time.Time, len(periods))
	for i, p := range periods {
		starts[i] = p.row.Start
	}
	period := func(t time.Time) *cohortPeriod {
		i := sort.Search(len(starts), func(i int) bool { return starts[i].After(t) }) - 1
		return &periods[max(i, 0)]
	}
	if err := s.storedCohortMedians(ctx, qr, q, periods); err != nil {
		return nil, err
	}
	d := splitDays(q.From, q.To)
	if d.whole() {
		where, args := rollupFilter(d, q.UTMSource, "")
		err := eachRow(ctx, qr, `
			SELECT day, sum(organizations)::bigint, sum(paid)::bigint, sum(activated)::bigint
			FROM onboarding_daily_organizations WHERE `+where+` GROUP BY day`, args, func(rows *sql.Rows) error {
			var day time.Time
			var signedUp, paid, activated int64
			if err := rows.Scan(&day, &signedUp, &paid, &activated); err != nil {
				return err
			}
			p := period(day.UTC())
			p.row.SignedUp, p.row.Paid, p.row.Activated = p.row.SignedUp+signedUp, p.row.Paid+paid, p.row.Activated+activated
			return nil
		})
		if err != nil {
			return nil, err
		}
		if err := s.cohortBuckets(ctx, qr, q.UTMSource, d, periods, period); err != nil {
			return nil, err
		}
	}
	for _, part := range d.partial {
		if err := s.partialDayCohort(ctx, qr, q.UTMSource, part, period(part.from)); err != nil {
			return nil, err
		}
	}
	if err := s.cohortMedians(ctx, qr, q.UTMSource, periods); err != nil {
		return nil, err
	}
	out := make([]cohortRow, len(periods))
	for i, p := range periods {
		out[i] = p.row
	}
	return out, nil
}

// cohortPeriods lists the query's periods, from the one From falls in to
// the last starting before To.
func cohortPeriods(q MetricsQuery) []cohortPeriod {
	next := func(t time.Time) time.Time { return t.AddDate(0, 0, 7) }
	start := weekStart(q.From)
	if q.Interval == "month" {
		from := q.From.UTC()
		start = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
		next = func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }
	}
	var out []cohortPeriod
	for ; start.Before(q.To); start = next(start) {
		p := cohortPeriod{from: start, to: next(start), buckets: map[int16]int64{}, whole: true}
		p.row.Start = start
		cutFrom, cutTo := p.from.Before(q.From), p.to.After(q.To)
		if cutFrom {
			p.from, p.whole = q.From.UTC(), false
		}
		if cutTo {
			p.to, p.whole = q.To.UTC(), false
		}
		switch {
		case cutFrom && !cutTo && dayStart(p.from).Equal(p.from):
			p.suffix = daysBetween(start, p.from)
		case cutTo && !cutFrom && dayStart(p.to).Equal(p.to):
			p.prefix = daysBetween(start, p.to)
		}
		out = append(out, p)
	}
	return out
}

// daysBetween is the number of whole days from a UTC midnight to another.
func daysBetween(from, to time.Time) int {
	return int(to.Sub(from) / (24 * time.Hour))
}

// partialDayCohort adds the organizations that signed up in part (less
// than a day, within p) to p, from the milestone rows.
func (s *store) partialDayCohort(ctx context.Context, qr database.Querier, source string, part timeRange, p *cohortPeriod) error {
	where, args := signupFilter(part, source)
	var signedUp, paid, activated int64
	err := qr.QueryRowContext(ctx, `
		SELECT count(*), count(paid_at), count(activated_at) FROM onboarding_organizations WHERE `+where, args...).
		Scan(&signedUp, &paid, &activated)
	if err != nil {
		return fmt.Errorf("compute cohorts: %w", err)
	}
	p.row.SignedUp, p.row.Paid, p.row.Activated = p.row.SignedUp+signedUp, p.row.Paid+paid, p.row.Activated+activated
	return eachRow(ctx, qr, `
		SELECT onboarding_activation_bucket(activated_at - signed_up_at), count(*) FROM onboarding_organizations
		WHERE activated_at IS NOT NULL AND `+where+` GROUP BY 1`, args, func(rows *sql.Rows) error {
		var bucket int16
		var n int64
		if err := rows.Scan(&bucket, &n); err != nil {
			return err
		}
		p.buckets[bucket] += n
		return nil
	})
}

// medianLookup reads, in one period's bucket, the activation times of
// ranks skip to skip+take-1 (in the bucket's order).
type medianLookup struct {
	period     int
	bucket     int16
	skip, take int
}

// cohortMedians sets each period's median as PostgreSQL's percentile_cont
// (0.5) would over its organizations' hours to activation: the middle one,
// or halfway between the two middle ones. The buckets tell where they are;
// one statement reads them from onboarding_organizations_activation_idx.
func (s *store) cohortMedians(ctx context.Context, qr database.Querier, source string, periods []cohortPeriod) error {
	var lookups []medianLookup
	for i, p := range periods {
		lookups = append(lookups, middleRanks(i, p.buckets)...)
	}
	if len(lookups) == 0 {
		return nil
	}
	n := len(lookups)
	froms, tos := make([]time.Time, n), make([]time.Time, n)
	buckets, skips, takes := make([]int32, n), make([]int32, n), make([]int32, n)
	for i, l := range lookups {
		froms[i], tos[i] = periods[l.period].from, periods[l.period].to
		buckets[i], skips[i], takes[i] = int32(l.bucket), int32(l.skip), int32(l.take)
	}
	args := []any{froms, tos, buckets, skips, takes}
	where := ""
	if source != "" {
		args = append(args, source)
		where = "AND o.utm_source = $6"
	}
	hours := make([][]float64, len(periods))
	err := eachRow(ctx, qr, `
		SELECT l.i, d.hours
		FROM unnest($1::timestamptz[], $2::timestamptz[], $3::int[], $4::int[], $5::int[])
		     WITH ORDINALITY AS l(lo, hi, bucket, skip, take, i)
		CROSS JOIN LATERAL (
		    SELECT (extract(epoch FROM o.activated_at - o.signed_up_at) / 3600)::float8 AS hours
		    FROM onboarding_organizations o
		    WHERE onboarding_activation_bucket(o.activated_at - o.signed_up_at) = l.bucket::smallint
		      AND o.activated_at IS NOT NULL AND o.signed_up_at >= l.lo AND o.signed_up_at < l.hi `+where+`
		    ORDER BY o.activated_at - o.signed_up_at OFFSET l.skip LIMIT l.take
		) AS d
		ORDER BY l.i, d.hours`, args, func(rows *sql.Rows) error {
		var i int
		var h float64
		if err := rows.Scan(&i, &h); err != nil {
			return err
		}
		p := lookups[i-1].period
		hours[p] = append(hours[p], h)
		return nil
	})
	if err != nil {
		return err
	}
	for i, h := range hours {
		switch len(h) {
		case 1:
			periods[i].row.median = sql.NullFloat64{Float64: h[0], Valid: true}
		case 2:
			periods[i].row.median = sql.NullFloat64{Float64: h[0] + (h[1]-h[0])*0.5, Valid: true}
		}
	}
	return nil
}

// middleRanks finds, in a period's buckets, the middle rank of its
// organizations (both middle ones for an even count) and returns where to
// read them: one lookup when they share a bucket, two otherwise.
func middleRanks(period int, buckets map[int16]int64) []medianLookup {
	var total int64
	keys := make([]int16, 0, len(buckets))
	for b, n := range buckets {
		if n > 0 {
			keys = append(keys, b)
			total += n
		}
	}
	if total == 0 {
		return nil
	}
	slices.Sort(keys)
	lo, hi := (total-1)/2, total/2 // 0-based ranks
	var out []medianLookup
	var before int64
	for _, b := range keys {
		n := buckets[b]
		first, last := max(lo, before), min(hi, before+n-1)
		if first <= last {
			out = append(out, medianLookup{period: period, bucket: b, skip: int(first - before), take: int(last - first + 1)})
		}
		before += n
	}
	return out
}

// signupFilter is the WHERE clause over organizations that signed up in r,
// from source when it is set.
func signupFilter(r timeRange, source string) (string, []any) {
	args := []any{r.from, r.to}
	where := "signed_up_at >= $1 AND signed_up_at < $2"
	if source != "" {
		args = append(args, source)
		where += " AND utm_source = $" + strconv.Itoa(len(args))
	}
	return where, args
}

// eachRow runs query and hands each row to scan.
func eachRow(ctx context.Context, qr database.Querier, query string, args []any, scan func(rows *sql.Rows) error) error {
	rows, err := qr.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("compute cohorts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return fmt.Errorf("compute cohorts: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("compute cohorts: %w", err)
	}
	return nil
}
