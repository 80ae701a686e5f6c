package onboarding

import (
	"context"
	"fmt"
	"time"
)

// deleteEventsBefore deletes up to limit of the oldest events received
// before `before` in one statement, its own transaction. The slice is
// found through onboarding_events_received_idx and deleted by row address
// (a TID scan): a join on the primary key instead made PostgreSQL hash the
// whole table for every slice. A row updated meanwhile (an erasure clearing
// its user) has moved and is left for a later slice or run.
func (s *store) deleteEventsBefore(ctx context.Context, before time.Time, limit int) (int64, error) {
	res, err := s.db.SQL().ExecContext(ctx, `
		DELETE FROM onboarding_events WHERE ctid = ANY(ARRAY(
			SELECT ctid FROM onboarding_events WHERE received_at < $1 ORDER BY received_at LIMIT $2))`, before, limit)
	if err != nil {
		return 0, fmt.Errorf("delete events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("delete events: %w", err)
	}
	return n, nil
}
