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
// writing only the counters that changed. It returns the last organization
// of the batch (uuid.Nil when there was none) and how many it changed.
func (s *store) recountActiveBatch(ctx context.Context, after uuid.UUID, since time.Time, limit int) (uuid.UUID, int, error) {
	var last uuid.NullUUID
	var changed int
	err := s.db.SQL().QueryRowContext(ctx, `
		WITH batch AS (
		    SELECT organization_id FROM onboarding_organizations
		    WHERE organization_id > $1 ORDER BY organization_id LIMIT $3
		), counts AS (
		    SELECT b.organization_id,
		           (SELECT count(*) FROM onboarding_members m
		             WHERE m.organization_id = b.organization_id AND m.left_at IS NULL AND m.last_active_at >= $2) AS n
		    FROM batch b
		), updated AS (
		    UPDATE onboarding_organizations o SET members_active_28d = c.n
		    FROM counts c
		    WHERE o.organization_id = c.organization_id AND o.members_active_28d <> c.n
		    RETURNING 1
		)
		SELECT (SELECT max(organization_id::text)::uuid FROM batch), (SELECT count(*) FROM updated)`,
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
