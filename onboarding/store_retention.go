package onboarding

import (
	"context"
	"fmt"
	"time"
)

// deleteEventsBefore deletes up to limit of the oldest events received
// before `before` in one statement, its own transaction, from the
// partitions that begin before it, each found through its received_at
// index and deleted by row address (a TID scan): a join on the key
// instead made PostgreSQL hash the whole table for every slice. A row
// updated meanwhile (an erasure clearing its user) has moved and is left
// for a later slice or run.
func (s *store) deleteEventsBefore(ctx context.Context, before time.Time, limit int) (int64, error) {
	var n int64
	if err := s.db.SQL().QueryRowContext(ctx, `SELECT onboarding_delete_events_before($1, $2)`, before, limit).Scan(&n); err != nil {
		return 0, fmt.Errorf("delete events: %w", err)
	}
	return n, nil
}

// dropEventPartitions drops the partitions whose events were all received
// before `before` and returns how many events they held.
func (s *store) dropEventPartitions(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	if err := s.db.SQL().QueryRowContext(ctx, `SELECT onboarding_drop_event_partitions($1)`, before).Scan(&n); err != nil {
		return 0, fmt.Errorf("drop expired event partitions: %w", err)
	}
	return n, nil
}
