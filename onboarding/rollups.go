package onboarding

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
)

// The metrics read daily rollups (migration 00012): per UTC signup day,
// what the organizations of that day reached, kept by triggers in the
// transaction of every change to an organization's row. A range's whole
// days come from the rollups; the hours of a partial first or last day
// from the milestone rows, through their signup-time indexes (less than a
// day each). So a read costs the days asked for, not the organizations.

// dayRanges splits [from, to) into the whole UTC days [first, last) (none
// when first is not before last) and the partial days around them.
type dayRanges struct {
	first, last time.Time
	partial     []timeRange
}

type timeRange struct{ from, to time.Time }

func splitDays(from, to time.Time) dayRanges {
	from, to = from.UTC(), to.UTC()
	first, last := dayStart(from), dayStart(to)
	if first.Before(from) {
		first = first.AddDate(0, 0, 1)
	}
	if !first.Before(last) {
		return dayRanges{first: first, last: first, partial: []timeRange{{from, to}}}
	}
	d := dayRanges{first: first, last: last}
	if from.Before(first) {
		d.partial = append(d.partial, timeRange{from, first})
	}
	if last.Before(to) {
		d.partial = append(d.partial, timeRange{last, to})
	}
	return d
}

func (d dayRanges) whole() bool { return d.first.Before(d.last) }

func dayStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// FunnelStageQueue queues the recompute of every organization's funnel
// stage in tx, so that it runs once the definition change commits
// (jobs.FunnelStages; RecomputeFunnelStages does the work).
type FunnelStageQueue interface {
	Enqueue(ctx context.Context, tx *database.Tx) error
}

// stageBatch is how many organizations one statement of the recompute
// goes through; each batch commits on its own.
const stageBatch = 1000

// RecomputeFunnelStages sets every organization's funnel stage for the
// activation definition of the moment (the rollups follow through their
// triggers), then, unless the definition changed again meanwhile (its own
// recompute will finish the work), tells the funnel its rollups are ready.
// It returns how many organizations changed stage. Running it twice is
// harmless, and with the stages ready it does nothing.
func (s *Service) RecomputeFunnelStages(ctx context.Context) (int, error) {
	generation, ready, err := s.store.funnelStageGeneration(ctx)
	if err != nil || ready {
		return 0, err
	}
	total := 0
	for after := uuid.Nil; ; {
		last, n, err := s.store.recomputeStageBatch(ctx, after, stageBatch)
		if err != nil {
			return total, err
		}
		total += n
		if last == uuid.Nil {
			break
		}
		after = last
	}
	return total, s.store.markFunnelStagesReady(ctx, generation)
}

// foldDays is how many days one fold transaction covers: a month of rows
// is locked at a time, so a fold never holds a year's rollups at once.
const foldDays = 31

// FoldRollupShards folds the rollup rows of every day before yesterday
// (UTC, at the service's clock) into one shard per key, a month per
// transaction, and returns how many rows it moved. Days still written
// to (today, yesterday's late batches) keep their shards.
func (s *Service) FoldRollupShards(ctx context.Context) (int64, error) {
	now := s.now().UTC()
	until := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	first, err := s.store.firstRollupDay(ctx)
	if err != nil || first.IsZero() {
		return 0, err
	}
	var total int64
	for day := first; day.Before(until); day = day.AddDate(0, 0, foldDays) {
		last := day.AddDate(0, 0, foldDays)
		if last.After(until) {
			last = until
		}
		moved, err := s.store.foldRollupShards(ctx, day, last)
		if err != nil {
			return total, err
		}
		total += moved
	}
	return total, nil
}

// cohortMedianBatch is how many periods one refresh statement computes
// (and holds locked while it does).
const cohortMedianBatch = 100

// RefreshCohortMedians computes every stored cohort median that a change
// made out of date, a batch per statement, and returns how many it
// computed. A period a writer holds is skipped until the next run; its
// cohorts read the buckets meanwhile.
func (s *Service) RefreshCohortMedians(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := s.store.refreshCohortMedians(ctx, cohortMedianBatch)
		total += n
		if err != nil {
			return total, wrap("refresh cohort medians", err)
		}
		if n < cohortMedianBatch {
			return total, nil
		}
	}
}
