package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// The hourly upkeep jobs (expired rows, expired events, event partitions,
// active members) share one shape: a kind with no arguments, a worker that calls a
// function of the service that owns the work, and a periodic job inserted
// once an hour across instances (unique by period). Each function does
// only what is due, so running it twice is harmless.

// funcWorker runs fn for every job of kind A, within timeout (0: the
// runner's default of a minute).
type funcWorker[A river.JobArgs] struct {
	river.WorkerDefaults[A]
	fn      func(ctx context.Context) error
	timeout time.Duration
}

func (w *funcWorker[A]) Work(ctx context.Context, _ *river.Job[A]) error { return w.fn(ctx) }

func (w *funcWorker[A]) Timeout(*river.Job[A]) time.Duration { return w.timeout }

// hourly inserts args every hour, once per hour across instances. With
// runOnStart it also runs when an instance becomes the leader: River's
// schedule restarts with every new leader, so instances restarted more
// often than hourly would otherwise never run it.
func hourly(args river.JobArgs, runOnStart bool) *river.PeriodicJob {
	return every(time.Hour, args, runOnStart)
}

// every inserts args every interval, once per interval across instances
// (and on start, as hourly).
func every(interval time.Duration, args river.JobArgs, runOnStart bool) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) {
			return args, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: interval}}
		},
		&river.PeriodicJobOpts{RunOnStart: runOnStart})
}

// pruneArgs is the job that deletes expired rows (idempotency keys,
// rate-limit hits, tokens).
type pruneArgs struct{}

func (pruneArgs) Kind() string { return "prune_expired_rows" }

// AddPruneWorker makes the runner call prune for every PruneJob.
func AddPruneWorker(workers *river.Workers, prune func(ctx context.Context) error) {
	river.AddWorker(workers, &funcWorker[pruneArgs]{fn: prune})
}

// PruneJob runs the prune every hour.
func PruneJob() *river.PeriodicJob { return hourly(pruneArgs{}, false) }

// eventPruneArgs is the job that deletes raw product events older than
// the retention period (EVENT_RETENTION_DAYS).
type eventPruneArgs struct{}

func (eventPruneArgs) Kind() string { return "prune_expired_events" }

// AddEventPruneWorker makes the runner call prune for every EventPruneJob
// (onboarding.Service.PruneExpiredEvents). Its timeout leaves room for the
// first run over a long history; each slice it deletes commits on its own,
// so a run cut short keeps its work and the next one goes on.
func AddEventPruneWorker(workers *river.Workers, prune func(ctx context.Context) error) {
	river.AddWorker(workers, &funcWorker[eventPruneArgs]{fn: prune, timeout: 30 * time.Minute})
}

// EventPruneJob runs the event prune every hour, and when an instance
// becomes the leader: keeping events past their retention is not an option.
func EventPruneJob() *river.PeriodicJob { return hourly(eventPruneArgs{}, true) }

// activeRecountArgs is the job that recounts each organization's members
// active in the last 28 days, which the seat metrics read.
type activeRecountArgs struct{}

func (activeRecountArgs) Kind() string { return "recount_active_members" }

// AddActiveRecountWorker makes the runner call recount for every
// ActiveRecountJob (onboarding.Service.RecountActiveMembers), with room
// for a million members; each batch of organizations commits on its own.
func AddActiveRecountWorker(workers *river.Workers, recount func(ctx context.Context) error) {
	river.AddWorker(workers, &funcWorker[activeRecountArgs]{fn: recount, timeout: 15 * time.Minute})
}

// ActiveRecountJob recounts every hour, and when an instance becomes the
// leader, so the counts are never much more than an hour old.
func ActiveRecountJob() *river.PeriodicJob { return hourly(activeRecountArgs{}, true) }

// eventPartitionsArgs is the job that creates the event partitions of the
// coming months (onboarding.Service.EnsureEventPartitions).
type eventPartitionsArgs struct{}

func (eventPartitionsArgs) Kind() string { return "ensure_event_partitions" }

// AddEventPartitionsWorker makes the runner call ensure for every
// EventPartitionsJob.
func AddEventPartitionsWorker(workers *river.Workers, ensure func(ctx context.Context) error) {
	river.AddWorker(workers, &funcWorker[eventPartitionsArgs]{fn: ensure})
}

// EventPartitionsJob keeps the partitions ahead every hour, and when an
// instance becomes the leader.
func EventPartitionsJob() *river.PeriodicJob { return hourly(eventPartitionsArgs{}, true) }
