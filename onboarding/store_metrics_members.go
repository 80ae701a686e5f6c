package onboarding

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// seatCountRow is the sums behind SeatMetrics, unsuppressed.
type seatCountRow struct {
	organizations, seats, invited, joined, started, active int64
}

// seatCounts sums the rollup columns of the organizations that signed up in
// the query's range (from onboarding_organizations_seats_idx alone) and
// counts their current members whose latest event is at or after
// activeSince (from onboarding_members' partial indexes of current
// members). It never reads events or memberships.
func (s *store) seatCounts(ctx context.Context, q SeatsQuery, activeSince time.Time) (seatCountRow, error) {
	args := []any{q.From, q.To, activeSince}
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
		       (SELECT count(*)
		        FROM onboarding_members m JOIN onboarding_organizations o USING (organization_id)
		        WHERE m.left_at IS NULL AND m.last_active_at >= $3 AND `+where+`)
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
	members int64
	active  [retentionWeeks + 1]int64
}

// retentionRows reads the cohorts from the week of the query's From to the
// last week starting before its To, empty weeks included, summing the
// rollups' shards. A cohort's activity is read by its (cohort, name)
// prefix of onboarding_cohort_activity's key: a few hundred index entries
// per cohort, whatever else was recorded.
func (s *store) retentionRows(ctx context.Context, q RetentionQuery) ([]retentionRow, error) {
	rows, err := s.db.SQL().QueryContext(ctx, `
		WITH cohorts AS (
		    SELECT start::date AS cohort
		    FROM generate_series(
		        date_trunc('week', $1::timestamptz AT TIME ZONE 'UTC'),
		        $2::timestamptz AT TIME ZONE 'UTC' - interval '1 microsecond',
		        interval '1 week') AS start
		)
		SELECT c.cohort,
		       (SELECT coalesce(sum(m.members), 0)::bigint FROM onboarding_cohort_members m WHERE m.cohort = c.cohort),
		       a.week, a.members
		FROM cohorts c LEFT JOIN LATERAL (
		    SELECT week, sum(members)::bigint AS members
		    FROM onboarding_cohort_activity
		    WHERE cohort = c.cohort AND name = $3
		    GROUP BY week
		) a ON true
		ORDER BY c.cohort, a.week`, q.From, q.To, q.Event)
	if err != nil {
		return nil, fmt.Errorf("compute retention: %w", err)
	}
	defer rows.Close()
	var out []retentionRow
	for rows.Next() {
		var (
			cohort  time.Time
			members int64
			week    *int64
			active  *int64
		)
		if err := rows.Scan(&cohort, &members, &week, &active); err != nil {
			return nil, fmt.Errorf("compute retention: %w", err)
		}
		cohort = time.Date(cohort.Year(), cohort.Month(), cohort.Day(), 0, 0, 0, 0, time.UTC)
		if len(out) == 0 || !out[len(out)-1].cohort.Equal(cohort) {
			out = append(out, retentionRow{cohort: cohort, members: members})
		}
		if week != nil && active != nil && *week >= 0 && *week <= retentionWeeks {
			out[len(out)-1].active[*week] = *active
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("compute retention: %w", err)
	}
	return out, nil
}
