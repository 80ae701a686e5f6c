package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/idempotency"
)

// pruneArgs is the hourly job that deletes expired idempotency keys,
// rate-limit hits and tokens.
type pruneArgs struct{}

func (pruneArgs) Kind() string { return "prune_expired_rows" }

type pruneWorker struct {
	river.WorkerDefaults[pruneArgs]
	idempotency *idempotency.Store
	accounts    *account.Service
	log         *slog.Logger
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[pruneArgs]) error {
	n, err := w.idempotency.Prune(ctx)
	if err != nil {
		return err
	}
	acc, err := w.accounts.Prune(ctx)
	if err != nil {
		return err
	}
	w.log.InfoContext(ctx, "pruned expired rows", "idempotency_keys", n,
		"rate_limit_hits", acc.RateLimitHits, "email_tokens", acc.EmailTokens, "refresh_tokens", acc.RefreshTokens)
	return nil
}

func pruneJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
		func() (river.JobArgs, *river.InsertOpts) {
			return pruneArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
		},
		&river.PeriodicJobOpts{RunOnStart: false})
}
