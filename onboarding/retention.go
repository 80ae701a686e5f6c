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

// PruneEvents deletes the raw events received before `before`, a slice at a
// time, until none is left, and returns how many went. Raw events are
// personal data; what was derived from them when they arrived (the
// organization's and members' counters, progress, milestones, retention
// rollups) stays, so checklists and metrics do not change.
func (s *Service) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	var total int64
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
