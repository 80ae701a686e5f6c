package onboarding

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
)

// funnelStagesReady reports whether the organizations' funnel stages (and
// so the funnel rollups) follow steps, the required steps of the
// definition the caller read in the same snapshot.
func (s *store) funnelStagesReady(ctx context.Context, q database.Querier, steps []string) (bool, error) {
	var ready bool
	var raw []byte
	err := q.QueryRowContext(ctx, `SELECT ready, array_to_json(required_steps) FROM onboarding_funnel_stages`).Scan(&ready, &raw)
	if err != nil {
		return false, fmt.Errorf("read funnel stages state: %w", err)
	}
	var following []string
	if err := json.Unmarshal(raw, &following); err != nil {
		return false, fmt.Errorf("read funnel stages state: %w", err)
	}
	return ready && slices.Equal(following, steps), nil
}

// staleFunnelStages records, in the definition change's transaction, that
// the stages now follow steps once recomputed: a new generation, not
// ready.
func (s *store) staleFunnelStages(ctx context.Context, tx *database.Tx, steps []string) error {
	if _, err := tx.SQL().ExecContext(ctx, `
		UPDATE onboarding_funnel_stages SET required_steps = $1::text[], generation = generation + 1, ready = false`,
		steps); err != nil {
		return fmt.Errorf("mark funnel stages stale: %w", err)
	}
	return nil
}

func (s *store) funnelStageGeneration(ctx context.Context) (generation int64, ready bool, err error) {
	if err := s.db.SQL().QueryRowContext(ctx, `SELECT generation, ready FROM onboarding_funnel_stages`).Scan(&generation, &ready); err != nil {
		return 0, false, fmt.Errorf("read funnel stages state: %w", err)
	}
	return generation, ready, nil
}

// markFunnelStagesReady marks the stages ready when no definition change
// came after generation.
func (s *store) markFunnelStagesReady(ctx context.Context, generation int64) error {
	if _, err := s.db.SQL().ExecContext(ctx, `
		UPDATE onboarding_funnel_stages SET ready = true WHERE generation = $1`, generation); err != nil {
		return fmt.Errorf("mark funnel stages ready: %w", err)
	}
	return nil
}

// recomputeStageBatch sets the funnel stage of the next limit
// organizations after after (in id order, locked in that order, as
// activatePending does), for the definition of the moment, writing only
// the stages that changed. It returns the batch's last organization
// (uuid.Nil: none) and how many it changed.
func (s *store) recomputeStageBatch(ctx context.Context, after uuid.UUID, limit int) (uuid.UUID, int, error) {
	var last uuid.NullUUID
	var changed int
	err := s.db.SQL().QueryRowContext(ctx, `
		WITH ids AS (
		    SELECT organization_id FROM onboarding_organizations
		    WHERE organization_id > $1 ORDER BY organization_id LIMIT $2
		    FOR UPDATE
		), def AS (
		    SELECT coalesce((SELECT required_steps FROM onboarding_activation), '{}') AS steps
		), updated AS (
		    UPDATE onboarding_organizations o
		    SET funnel_stage = onboarding_funnel_stage(o.checkout_started_at, o.trial_started_at, o.paid_at, o.completed_steps,
		                                               o.activated_at, def.steps)
		    FROM ids, def
		    WHERE o.organization_id = ids.organization_id
		      AND o.funnel_stage <> onboarding_funnel_stage(o.checkout_started_at, o.trial_started_at, o.paid_at, o.completed_steps,
		                                                    o.activated_at, def.steps)
		    RETURNING 1
		)
		SELECT (SELECT max(organization_id::text)::uuid FROM ids), (SELECT count(*) FROM updated)`,
		after, limit).Scan(&last, &changed)
	if err != nil {
		return uuid.Nil, 0, fmt.Errorf("recompute funnel stages: %w", err)
	}
	return last.UUID, changed, nil
}

// rollupFilter is the WHERE clause over the rollups' whole days [first,
// last) and the query's source (and plan), with its arguments.
func rollupFilter(d dayRanges, source, plan string) (string, []any) {
	args := []any{d.first.Format("2006-01-02"), d.last.Format("2006-01-02")}
	where := "day >= $1::date AND day < $2::date"
	if source != "" {
		args = append(args, source)
		where += " AND utm_source = $" + strconv.Itoa(len(args))
	}
	if plan != "" {
		args = append(args, plan)
		where += " AND plan_id = $" + strconv.Itoa(len(args))
	}
	return where, args
}

// funnelCounts counts, among organizations that signed up in the query's
// range, those that reached each of the 5+len(steps) stages and every one
// before it. With ready (the stages follow steps) it sums the rollups
// (funnel_stage >= k) over the range's whole days; otherwise, while they
// are recomputed, and for partial days, it counts the milestone rows.
func (s *store) funnelCounts(ctx context.Context, q database.Querier, mq MetricsQuery, steps []string, ready bool) ([]int64, error) {
	if !ready {
		return s.milestoneFunnel(ctx, q, mq, steps)
	}
	d := splitDays(mq.From, mq.To)
	counts := make([]int64, len(steps)+5)
	if d.whole() {
		where, args := rollupFilter(d, mq.UTMSource, "")
		rows, err := q.QueryContext(ctx, `
			SELECT funnel_stage, sum(organizations)::bigint FROM onboarding_daily_organizations
			WHERE `+where+` GROUP BY funnel_stage`, args...)
		if err != nil {
			return nil, fmt.Errorf("compute funnel: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var stage int
			var n int64
			if err := rows.Scan(&stage, &n); err != nil {
				return nil, fmt.Errorf("compute funnel: %w", err)
			}
			for k := 0; k <= stage && k < len(counts); k++ {
				counts[k] += n
			}
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("compute funnel: %w", err)
		}
	}
	for _, p := range d.partial {
		part, err := s.milestoneFunnel(ctx, q, MetricsQuery{From: p.from, To: p.to, UTMSource: mq.UTMSource}, steps)
		if err != nil {
			return nil, err
		}
		for k := range counts {
			counts[k] += part[k]
		}
	}
	return counts, nil
}

// seatCounts sums the seat rollups over the range's whole days and the
// milestone rows' counters over its partial days. It never reads events,
// members or memberships.
func (s *store) seatCounts(ctx context.Context, q SeatsQuery) (seatCountRow, error) {
	d := splitDays(q.From, q.To)
	var r seatCountRow
	if d.whole() {
		where, args := rollupFilter(d, q.UTMSource, q.PlanID)
		err := s.db.SQL().QueryRowContext(ctx, `
			SELECT coalesce(sum(organizations), 0), coalesce(sum(seats), 0), coalesce(sum(members_invited), 0),
			       coalesce(sum(members_joined), 0), coalesce(sum(members_started), 0), coalesce(sum(members_active_28d), 0)
			FROM onboarding_daily_organizations WHERE `+where, args...).
			Scan(&r.organizations, &r.seats, &r.invited, &r.joined, &r.started, &r.active)
		if err != nil {
			return seatCountRow{}, fmt.Errorf("compute seat metrics: %w", err)
		}
	}
	for _, p := range d.partial {
		part, err := s.milestoneSeats(ctx, SeatsQuery{MetricsQuery: MetricsQuery{From: p.from, To: p.to, UTMSource: q.UTMSource}, PlanID: q.PlanID})
		if err != nil {
			return seatCountRow{}, err
		}
		r.organizations += part.organizations
		r.seats += part.seats
		r.invited += part.invited
		r.joined += part.joined
		r.started += part.started
		r.active += part.active
	}
	return r, nil
}

// foldRollupShards moves the rollup rows of the days [first, last) into
// shard 0, in one transaction, and returns how many rows it moved.
func (s *store) foldRollupShards(ctx context.Context, first, last time.Time) (int64, error) {
	var moved int64
	if err := s.db.SQL().QueryRowContext(ctx, `SELECT onboarding_fold_rollup_shards($1::date, $2::date)`,
		first.Format(time.DateOnly), last.Format(time.DateOnly)).Scan(&moved); err != nil {
		return 0, fmt.Errorf("fold rollup shards: %w", err)
	}
	return moved, nil
}

// firstRollupDay is the earliest day with a rollup row in a shard other
// than 0 (zero when there is none): where a fold starts.
func (s *store) firstRollupDay(ctx context.Context) (time.Time, error) {
	var day sql.NullTime
	if err := s.db.SQL().QueryRowContext(ctx, `SELECT min(day)::timestamp FROM onboarding_daily_organizations WHERE shard <> 0`).Scan(&day); err != nil {
		return time.Time{}, fmt.Errorf("find the first day to fold: %w", err)
	}
	if !day.Valid {
		return time.Time{}, nil
	}
	return time.Date(day.Time.Year(), day.Time.Month(), day.Time.Day(), 0, 0, 0, 0, time.UTC), nil
}
