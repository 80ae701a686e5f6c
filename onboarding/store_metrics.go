package onboarding

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// funnelCounts counts, among organizations that signed up in the query's
// range, those that reached each stage and every stage before it, in order:
// signed up, checkout started, paid, each of steps completed, activated. It
// reads only the milestone rows, through their signup-time indexes.
func (s *store) funnelCounts(ctx context.Context, q MetricsQuery, steps []string) ([]int64, error) {
	conds := []string{"true", "checkout_started_at IS NOT NULL", "paid_at IS NOT NULL"}
	args := []any{q.From, q.To}
	for _, key := range steps {
		args = append(args, key)
		conds = append(conds, fmt.Sprintf("completed_steps @> ARRAY[$%d::text]", len(args)))
	}
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
	counts := make([]int64, len(conds))
	dest := make([]any, len(counts))
	for i := range counts {
		dest[i] = &counts[i]
	}
	query := "SELECT " + strings.Join(cols, ", ") + " FROM onboarding_organizations WHERE " + where
	if err := s.db.SQL().QueryRowContext(ctx, query, args...).Scan(dest...); err != nil {
		return nil, fmt.Errorf("compute funnel: %w", err)
	}
	return counts, nil
}

// cohortRow is one period's counts and the median hours from signup to
// activation over its activated organizations (not valid when none).
type cohortRow struct {
	Cohort
	median sql.NullFloat64
}

// cohortRows groups organizations that signed up in the query's range by
// the UTC week (from Monday) or month of their signup, every period of the
// range included.
func (s *store) cohortRows(ctx context.Context, q MetricsQuery) ([]cohortRow, error) {
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
	var out []cohortRow
	for rows.Next() {
		var r cohortRow
		if err := rows.Scan(&r.Start, &r.SignedUp, &r.Paid, &r.Activated, &r.median); err != nil {
			return nil, fmt.Errorf("compute cohorts: %w", err)
		}
		r.Start = r.Start.UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("compute cohorts: %w", err)
	}
	return out, nil
}
