package onboarding

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/onramp/onramp/internal/database"
)

// counterTotals are the counters a batch moved, after it.
type counterTotals struct {
	organization map[string]int64
	members      map[memberEventKey]int64
}

// recordCounts adds a batch's newly recorded events to the organization's
// per-name counters and to its members' per-name counters and retention
// weeks, in one statement on pgx with binary parameters. Concurrent
// batches add up exactly: each increment happens in the row (count =
// count + excluded.count). A week row seen for the first time adds its
// member to the anonymous retention rollup of their join week.
func (s *store) recordCounts(ctx context.Context, tx *database.Tx, orgID uuid.UUID, org eventCounters, members memberCounters) (counterTotals, error) {
	totals := counterTotals{organization: make(map[string]int64, len(org.names)), members: make(map[memberEventKey]int64, len(members.names))}
	err := tx.PGX(func(conn *pgx.Conn) error {
		rows, err := conn.Query(ctx, `
			WITH counts AS (
			    INSERT INTO onboarding_event_counts AS c (organization_id, name, count, first_at, last_at)
			    SELECT $1, a.name, a.n, a.first_at, a.last_at
			    FROM unnest($2::text[], $3::bigint[], $4::timestamptz[], $5::timestamptz[]) AS a(name, n, first_at, last_at)
			    ON CONFLICT (organization_id, name) DO UPDATE
			    SET count = c.count + excluded.count,
			        first_at = LEAST(c.first_at, excluded.first_at),
			        last_at = GREATEST(c.last_at, excluded.last_at)
			    RETURNING NULL::uuid AS user_id, name, count
			), member_counts AS (
			    INSERT INTO onboarding_member_event_counts AS c (organization_id, user_id, name, count, first_at, last_at)
			    SELECT $1, a.user_id, a.name, a.n, a.first_at, a.last_at
			    FROM unnest($6::uuid[], $7::text[], $8::bigint[], $9::timestamptz[], $10::timestamptz[]) AS a(user_id, name, n, first_at, last_at)
			    ON CONFLICT (organization_id, user_id, name) DO UPDATE
			    SET count = c.count + excluded.count,
			        first_at = LEAST(c.first_at, excluded.first_at),
			        last_at = GREATEST(c.last_at, excluded.last_at)
			    RETURNING user_id, name, count
			), input AS (
			    SELECT * FROM unnest($11::uuid[], $12::smallint[], $13::text[], $14::date[]) AS w(user_id, week, name, cohort)
			), weeks AS (
			    INSERT INTO onboarding_member_weeks (organization_id, user_id, week, name)
			    SELECT $1, user_id, week, name FROM input
			    ON CONFLICT DO NOTHING
			    RETURNING user_id, week, name
			), rollup AS (
			    INSERT INTO onboarding_cohort_activity AS r (cohort, week, name, shard, members)
			    SELECT i.cohort, w.week, w.name, onboarding_shard($1), count(*)
			    FROM weeks w JOIN input i USING (user_id, week, name)
			    GROUP BY i.cohort, w.week, w.name
			    ORDER BY i.cohort, w.name, w.week -- the key's order: batches of one shard lock its rows in the same order
			    ON CONFLICT (cohort, name, week, shard) DO UPDATE SET members = r.members + excluded.members
			)
			SELECT user_id, name, count FROM counts
			UNION ALL SELECT user_id, name, count FROM member_counts`,
			orgID, org.names, org.counts, org.firsts, org.lasts,
			members.users, members.names, members.counts, members.firsts, members.lasts,
			members.weekUsers, members.weeks, members.weekNames, members.cohorts)
		if err != nil {
			return err
		}
		defer rows.Close()
		var user pgtype.UUID
		var name string
		var n int64
		for rows.Next() {
			if err := rows.Scan(&user, &name, &n); err != nil {
				return err
			}
			if user.Valid {
				totals.members[memberEventKey{user: user.Bytes, name: name}] = n
			} else {
				totals.organization[name] = n
			}
		}
		return rows.Err()
	})
	if err != nil {
		return counterTotals{}, fmt.Errorf("count events: %w", err)
	}
	return totals, nil
}
