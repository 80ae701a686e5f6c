package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// eventPruneArgs is the hourly job that deletes raw product events older
// than the retention period (EVENT_RETENTION_DAYS).
type eventPruneArgs struct{}

func (eventPruneArgs) Kind() string { return "prune_expired_events" }

type eventPruneWorker struct {
	river.WorkerDefaults[eventPruneArgs]
	prune func(ctx context.Context) error
}

func (w *eventPruneWorker) Work(ctx context.Context, _ *river.Job[eventPruneArgs]) error {
	return w.prune(ctx)
}

// Timeout leaves room for the first run over a long history (River's
// default is a minute). Each slice it deletes commits on its own, so a run
// cut short keeps its work and the next one goes on.
func (w *eventPruneWorker) Timeout(*river.Job[eventPruneArgs]) time.Duration {
	return 30 * time.Minute
}

// AddEventPruneWorker makes the runner call prune for every EventPruneJob
// (onboarding.Service.PruneExpiredEvents). prune deletes only what has
// expired, so running it twice is harmless.
func AddEventPruneWorker(workers *river.Workers, prune func(ctx context.Context) error) {
	river.AddWorker(workers, &eventPruneWorker{prune: prune})
}

// EventPruneJob runs the event prune every hour, once per hour across
// instances. It also runs when an instance becomes the leader: River's
// schedule restarts with every new leader, so instances restarted more
// often than hourly would otherwise never prune, and keeping events past
// their retention is not an option. Uniqueness by period keeps that to one
// run an hour.
func EventPruneJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) {
			return eventPruneArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
		},
		&river.PeriodicJobOpts{RunOnStart: true})
}
