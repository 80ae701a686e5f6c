package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/onramp/onramp/internal/database"
)

// funnelStagesArgs is the job that recomputes every organization's funnel
// stage after the activation definition changed its required steps (and
// so the funnel's sequence of stages).
type funnelStagesArgs struct{}

func (funnelStagesArgs) Kind() string { return "recompute_funnel_stages" }

// AddFunnelStagesWorker makes the runner call recompute for every queued
// recompute (onboarding.Service.RecomputeFunnelStages), with room for a
// million organizations; each batch commits on its own, and a retry only
// writes the stages still wrong.
func AddFunnelStagesWorker(workers *river.Workers, recompute func(ctx context.Context) error) {
	river.AddWorker(workers, &funcWorker[funnelStagesArgs]{fn: recompute, timeout: 30 * time.Minute})
}

// FunnelStagesJob also recomputes every hour when the stages are not
// ready: a recompute lost, or a definition changed by a command without a
// job queue, is caught up (a recompute with the stages ready does
// nothing).
func FunnelStagesJob() *river.PeriodicJob { return hourly(funnelStagesArgs{}, false) }

// FunnelStages queues recomputes in the caller's transaction.
type FunnelStages struct {
	queue *Queue
}

// NewFunnelStages queues recomputes on q.
func NewFunnelStages(q *Queue) *FunnelStages { return &FunnelStages{queue: q} }

// Enqueue queues a recompute in tx: it runs once the definition change
// commits. Two changes in a row may queue two; the second finds little
// left to do.
func (f *FunnelStages) Enqueue(ctx context.Context, tx *database.Tx) error {
	return f.queue.Insert(ctx, tx, funnelStagesArgs{})
}
