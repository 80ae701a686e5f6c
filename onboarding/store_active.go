package onboarding

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// recountActiveBatch recounts members_active_28d of the next limit
// organizations after after (in id order), in one statement of its own,
// writing only the counters that changed. An organization whose row is
// locked (a batch of its events is being recorded) is skipped until the
// next recount rather than waited for: the recount never holds rows while
// it waits, so it can neither deadlock with nor stall ingestion. It
// returns the last organization of the batch (uuid.Nil when there was
// none) and how many it changed.
func (s *store) recountActiveBatch(ctx context.Context, after uuid.UUID, since time.Time, limit int) (uuid.UUID, int, error) {
	var last uuid.NullUUID
	var changed int
	err := s.db.SQL().QueryRowContext(ctx, `
		WITH ids AS (
		    SELECT organization_id FROM onboarding_organizations
		    WHERE organization_id > $1 ORDER BY organization_id LIMIT $3
		), batch AS (
		    SELECT o.organization_id, o.members_active_28d, a.n
		    FROM onboarding_organizations o JOIN ids USING (organization_id)
		    CROSS JOIN LATERAL (
		        SELECT count(*)::int AS n FROM onboarding_members m
		        WHERE m.organization_id = o.organization_id AND m.left_at IS NULL AND m.last_active_at >= $2) AS a
		    ORDER BY o.organization_id
		    FOR UPDATE OF o SKIP LOCKED
		), updated AS (
		    UPDATE onboarding_organizations o SET members_active_28d = b.n
		    FROM batch b
		    WHERE o.organization_id = b.organization_id AND b.members_active_28d <> b.n
		    RETURNING 1
		)
		SELECT (SELECT max(organization_id::text)::uuid FROM ids), (SELECT count(*) FROM updated)`,
		after, since, limit).Scan(&last, &changed)
	if err != nil {
		return uuid.Nil, 0, fmt.Errorf("recount active members: %w", err)
	}
	return last.UUID, changed, nil
}

// saveActiveRecount records when the counters were recounted.
func (s *store) saveActiveRecount(ctx context.Context, r ActiveRecount) error {
	if _, err := s.db.SQL().ExecContext(ctx, `
		INSERT INTO onboarding_active_recounts (singleton, counted_at, active_since) VALUES (true, $1, $2)
		ON CONFLICT (singleton) DO UPDATE SET counted_at = excluded.counted_at, active_since = excluded.active_since`,
		r.CountedAt, r.ActiveSince); err != nil {
		return fmt.Errorf("record the active members recount: %w", err)
	}
	return nil
}

// activeRecount reads when the counters were last recounted (nil: never).
func (s *store) activeRecount(ctx context.Context) (*ActiveRecount, error) {
	var r ActiveRecount
	err := s.db.SQL().QueryRowContext(ctx, `SELECT counted_at, active_since FROM onboarding_active_recounts`).
		Scan(&r.CountedAt, &r.ActiveSince)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the active members recount: %w", err)
	}
	r.CountedAt, r.ActiveSince = r.CountedAt.UTC(), r.ActiveSince.UTC()
	return &r, nil
}
