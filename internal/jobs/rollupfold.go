package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// rollupFoldArgs is the hourly job that folds past days' rollup shards
// into one row per key (onboarding.Service.FoldRollupShards).
type rollupFoldArgs struct{}

func (rollupFoldArgs) Kind() string { return "fold_rollup_shards" }

// AddRollupFoldWorker makes the runner call fold for every queued fold. A
// retry after a failure finds the months already folded and moves only
// the rest.
func AddRollupFoldWorker(workers *river.Workers, fold func(ctx context.Context) error) {
	river.AddWorker(workers, &funcWorker[rollupFoldArgs]{fn: fold, timeout: 10 * time.Minute})
}

// RollupFoldJob folds every hour; the first fold after days without one
// catches them all up.
func RollupFoldJob() *river.PeriodicJob { return hourly(rollupFoldArgs{}, false) }

// cohortMediansArgs is the job that computes the stored cohort medians a
// change made out of date (onboarding.Service.RefreshCohortMedians).
type cohortMediansArgs struct{}

func (cohortMediansArgs) Kind() string { return "refresh_cohort_medians" }

// AddCohortMediansWorker makes the runner call refresh for every queued
// refresh; a period changed meanwhile is simply computed again next time.
func AddCohortMediansWorker(workers *river.Workers, refresh func(ctx context.Context) error) {
	river.AddWorker(workers, &funcWorker[cohortMediansArgs]{fn: refresh, timeout: 10 * time.Minute})
}

// CohortMediansJob refreshes every five minutes, and when an instance
// becomes the leader: after a migration, every period is out of date
// until the first run. An out-of-date period's cohort reads the buckets,
// whose cost grows with the companies in it; the current week and month
// are out of date after every activation, and a run with nothing to do
// is one query, so they are refreshed often rather than hourly.
func CohortMediansJob() *river.PeriodicJob { return every(5*time.Minute, cohortMediansArgs{}, true) }
