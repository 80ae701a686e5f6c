package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// pruneArgs is the hourly job that deletes expired rows (idempotency keys,
// rate-limit hits, tokens).
type pruneArgs struct{}

func (pruneArgs) Kind() string { return "prune_expired_rows" }

type pruneWorker struct {
	river.WorkerDefaults[pruneArgs]
	prune func(ctx context.Context) error
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[pruneArgs]) error { return w.prune(ctx) }

// AddPruneWorker makes the runner call prune for every PruneJob. prune
// deletes only what has expired, so running it twice is harmless.
func AddPruneWorker(workers *river.Workers, prune func(ctx context.Context) error) {
	river.AddWorker(workers, &pruneWorker{prune: prune})
}

// PruneJob runs the prune every hour, once per hour across instances.
func PruneJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) {
			return pruneArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
		},
		&river.PeriodicJobOpts{RunOnStart: false})
}
