package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// nudgeSweepArgs is the job that runs one nudge sweep
// (nudge.Service.Sweep).
type nudgeSweepArgs struct{}

func (nudgeSweepArgs) Kind() string { return "nudge_sweep" }

// AddNudgeSweepWorker makes the runner call sweep for every NudgeSweepJob.
// A sweep over a million members takes seconds; its timeout leaves room.
// A sweep cut short loses nothing: each batch of decisions commits with
// its emails, and the next sweep decides the rest.
func AddNudgeSweepWorker(workers *river.Workers, sweep func(ctx context.Context) error) {
	river.AddWorker(workers, &funcWorker[nudgeSweepArgs]{fn: sweep, timeout: 10 * time.Minute})
}

// NudgeSweepJob sweeps every interval (NUDGE_SWEEP_INTERVAL). River runs
// periodic jobs on the elected leader only, and the job is unique per
// interval, so one server sweeps at a time; two that did (a leader change
// mid-sweep, or `onramp nudges run` alongside) still send each reminder
// once, by the sweep's own rows.
func NudgeSweepJob(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) {
			return nudgeSweepArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: interval}}
		},
		&river.PeriodicJobOpts{RunOnStart: true})
}
