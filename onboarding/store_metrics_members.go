package onboarding

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// seatCountRow is the sums behind SeatMetrics, unsuppressed.
type seatCountRow struct {
	organizations, seats, invited, joined, started, active int
}

// milestoneSeats sums the counter columns of the organizations that signed
// up in the query's range (a partial day), from
// onboarding_organizations_seats_idx alone.
func (s *store) milestoneSeats(ctx context.Context, q SeatsQuery) (seatCountRow, error) {
	args := []any{q.From, q.To}
	where := "o.signed_up_at >= $1 AND o.signed_up_at < $2"
	if q.UTMSource != "" {
		args = append(args, q.UTMSource)
		where += " AND o.utm_source = $" + strconv.Itoa(len(args))
	}
	if q.PlanID != "" {
		args = append(args, q.PlanID)
		where += " AND o.plan_id = $" + strconv.Itoa(len(args))
	}
	var r seatCountRow
	err := s.db.SQL().QueryRowContext(ctx, `
		SELECT count(*), coalesce(sum(o.seats), 0), coalesce(sum(o.members_invited), 0),
		       coalesce(sum(o.members_joined), 0), coalesce(sum(o.members_started), 0),
		       coalesce(sum(o.members_active_28d), 0)
		FROM onboarding_organizations o
		WHERE `+where, args...).
		Scan(&r.organizations, &r.seats, &r.invited, &r.joined, &r.started, &r.active)
	if err != nil {
		return seatCountRow{}, fmt.Errorf("compute seat metrics: %w", err)
	}
	return r, nil
}

// retentionRow is one join-week cohort: its members and, per week after
// joining, how many of them were active.
type retentionRow struct {
	cohort  time.Time
	members int
	active  [retentionWeeks + 1]int
}

// retentionRows reads the cohorts from the week of the query's From to the
// last week starting before its To, empty weeks included, summing the
// rollups' shards. The weeks go in as an array: PostgreSQL descends the
// primary keys once per week, to its (cohort) and (cohort, name) prefixes,
// so a cohort costs a few hundred index entries whatever else was
// recorded, and the plans' estimates stay as small as the work.
func (s *store) retentionRows(ctx context.Context, q RetentionQuery) ([]retentionRow, error) {
	var out []retentionRow
	var weeks []string
	index := map[string]*retentionRow{}
	for start := weekStart(q.From); start.Before(q.To); start = start.AddDate(0, 0, 7) {
		weeks = append(weeks, start.Format(time.DateOnly))
		out = append(out, retentionRow{cohort: start})
	}
	for i := range out {
		index[weeks[i]] = &out[i]
	}
	err := s.cohortCounts(ctx, index, `
		SELECT cohort, 0, sum(members)::bigint FROM onboarding_cohort_members
		WHERE cohort = ANY($1::text[]::date[]) GROUP BY cohort`,
		func(r *retentionRow, _ int, n int) { r.members = n }, weeks)
	if err != nil {
		return nil, err
	}
	err = s.cohortCounts(ctx, index, `
		SELECT cohort, week, sum(members)::bigint FROM onboarding_cohort_activity
		WHERE cohort = ANY($1::text[]::date[]) AND name = $2 GROUP BY cohort, week`,
		func(r *retentionRow, week int, n int) { r.active[week] = n }, weeks, q.Event)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// cohortCounts runs a query of (cohort, week, count) rows and hands each to
// set with its cohort's row.
func (s *store) cohortCounts(ctx context.Context, index map[string]*retentionRow, query string, set func(r *retentionRow, week int, n int), args ...any) error {
	rows, err := s.db.SQL().QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("compute retention: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			cohort time.Time
			week   int
			n      int
		)
		if err := rows.Scan(&cohort, &week, &n); err != nil {
			return fmt.Errorf("compute retention: %w", err)
		}
		r, ok := index[cohort.Format(time.DateOnly)]
		if !ok || week < 0 || week > retentionWeeks {
			return fmt.Errorf("compute retention: unexpected cohort %s week %d", cohort.Format(time.DateOnly), week)
		}
		set(r, week, n)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("compute retention: %w", err)
	}
	return nil
}
