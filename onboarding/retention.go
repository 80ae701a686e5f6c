package onboarding

import (
	"context"
	"fmt"
	"time"
)

// defaultEventRetention is EVENT_RETENTION_DAYS's default.
const defaultEventRetention = 400 * 24 * time.Hour

// pruneSlice is how many events one delete removes. Each slice commits on
// its own, so ingestion never waits behind a long delete and a run cut
// short keeps what it already deleted.
const pruneSlice = 5000

// PruneExpiredEvents deletes the raw events received longer ago than the
// retention period (Config.EventRetention). It runs as a periodic job.
func (s *Service) PruneExpiredEvents(ctx context.Context) (int64, error) {
	return s.PruneEvents(ctx, s.now().Add(-s.retention))
}

// PruneEvents deletes the raw events received before `before`: the
// months all of whose events are older go at once, their partitions
// dropped; the rest of the month that holds `before` a slice at a time,
// until none is left. It returns how many went. Raw events are personal
// data; what was derived from them when they arrived (the organization's
// and members' counters, progress, milestones, retention rollups) stays,
// so checklists and metrics do not change. Their ids stay too
// (onboarding_event_ids): a replayed id is still a duplicate.
func (s *Service) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	total, err := s.store.dropEventPartitions(ctx, before)
	if err != nil {
		return 0, fmt.Errorf("prune events received before %s: %w", before.UTC().Format(time.RFC3339), err)
	}
	for {
		n, err := s.store.deleteEventsBefore(ctx, before, pruneSlice)
		total += n
		if err != nil {
			return total, fmt.Errorf("prune events received before %s (%d deleted so far): %w", before.UTC().Format(time.RFC3339), total, err)
		}
		if n < pruneSlice {
			break
		}
	}
	// Only a number: which organizations or people the events were of is
	// nobody's business in a log.
	s.log.InfoContext(ctx, "pruned expired events", "events", total, "received_before", before.UTC())
	return total, nil
}

// partitionsAhead is how far ahead of the clock the upkeep keeps event
// partitions: two months, so that a job stopped for weeks is noticed long
// before ingestion would have to create one itself.
const partitionsAhead = 2

// EnsureEventPartitions creates the event partitions up to partitionsAhead
// months from now (UTC, at the service's clock), and returns how many it
// created. It runs as a periodic job; running it again creates nothing.
func (s *Service) EnsureEventPartitions(ctx context.Context) (int, error) {
	created, end, err := s.store.ensureEventPartitions(ctx, s.db.SQL(), s.now().UTC().AddDate(0, partitionsAhead, 0))
	if err != nil {
		return 0, wrap("create event partitions", err)
	}
	s.store.notePartitionedUntil(end)
	return created, nil
}
