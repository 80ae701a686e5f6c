package onboarding

import (
	"context"
	"fmt"
	"time"

	"github.com/onramp/onramp/internal/database"
)

// ensureEventPartitions creates the monthly event partitions up to the one
// that holds until (onboarding_ensure_event_partitions), in q's
// transaction, and returns how many it created and the end of the last
// partition, before which every event has one.
func (s *store) ensureEventPartitions(ctx context.Context, q database.Querier, until time.Time) (int, time.Time, error) {
	var created int
	if err := q.QueryRowContext(ctx, `SELECT onboarding_ensure_event_partitions($1)`, until).Scan(&created); err != nil {
		return 0, time.Time{}, fmt.Errorf("create event partitions: %w", err)
	}
	// A statement of its own: a subquery beside the call would read the
	// list as it was before the call added to it.
	var end time.Time
	if err := q.QueryRowContext(ctx, `SELECT max(upper_bound) FROM onboarding_event_partitions`).Scan(&end); err != nil {
		return 0, time.Time{}, fmt.Errorf("create event partitions: %w", err)
	}
	return created, end, nil
}

// partitionedUntil is before which received time every event is known to
// have a partition: cached, so that a batch checks a number, not the
// database; zero until an insert or the upkeep looked.
func (s *store) partitionedUntil() time.Time {
	return time.UnixMicro(s.partitionsEnd.Load())
}

func (s *store) notePartitionedUntil(end time.Time) {
	for {
		old := s.partitionsEnd.Load()
		if end.UnixMicro() <= old || s.partitionsEnd.CompareAndSwap(old, end.UnixMicro()) {
			return
		}
	}
}

// partitionFor makes sure an event received at received has a partition,
// in the ingest's transaction: normally a comparison with the cached end,
// and when the upkeep job has not run far enough (or this process has
// not looked yet), the partitions up to a month past it.
func (s *store) partitionFor(ctx context.Context, tx *database.Tx, received time.Time) error {
	if received.Before(s.partitionedUntil()) {
		return nil
	}
	_, end, err := s.ensureEventPartitions(ctx, tx.SQL(), received.AddDate(0, 1, 0))
	if err != nil {
		return err
	}
	s.notePartitionedUntil(end)
	return nil
}
