package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
)

// activeRecountArgs is the hourly job that recounts each organization's
// members active in the last 28 days, which the seat metrics read.
type activeRecountArgs struct{}

func (activeRecountArgs) Kind() string { return "recount_active_members" }

type activeRecountWorker struct {
	river.WorkerDefaults[activeRecountArgs]
	recount func(ctx context.Context) error
}

func (w *activeRecountWorker) Work(ctx context.Context, _ *river.Job[activeRecountArgs]) error {
	return w.recount(ctx)
}

// Timeout leaves room for a million members (River's default is a
// minute). Each batch of organizations commits on its own.
func (w *activeRecountWorker) Timeout(*river.Job[activeRecountArgs]) time.Duration {
	return 15 * time.Minute
}

// AddActiveRecountWorker makes the runner call recount for every
// ActiveRecountJob (onboarding.Service.RecountActiveMembers).
func AddActiveRecountWorker(workers *river.Workers, recount func(ctx context.Context) error) {
	river.AddWorker(workers, &activeRecountWorker{recount: recount})
}

// ActiveRecountJob recounts every hour, once per hour across instances,
// and when an instance becomes the leader (River's schedule restarts with
// each new leader), so the counts are never much more than an hour old.
func ActiveRecountJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) {
			return activeRecountArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
		},
		&river.PeriodicJobOpts{RunOnStart: true})
}
