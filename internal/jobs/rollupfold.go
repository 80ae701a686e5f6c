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
