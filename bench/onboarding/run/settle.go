package main

import (
	"context"
	"fmt"
	"time"
)

// settle waits until the jobs the server runs when it becomes the leader
// are done (the recount of active members reads every organization: about
// 8 s of PostgreSQL at 1M companies, 0.7 s at 100k), so that no phase is
// measured beside them: a server that has been running ran them long ago,
// and a run that started the server moments before would otherwise
// measure them, the more so the more companies. It reads River's tables:
// a leader elected 10 s ago or more (the jobs it runs on start are queued
// about 2 s after its election; an hourly one already run this hour is
// not), and no job due.
func (b *bench) settle(ctx context.Context) error {
	start := time.Now()
	for {
		var ready bool
		err := b.pool.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM river_leader WHERE elected_at <= now() - interval '10 seconds')
			   AND NOT EXISTS (SELECT 1 FROM river_job
			                   WHERE state IN ('available', 'running', 'retryable') AND scheduled_at <= now())`).Scan(&ready)
		if err != nil {
			return fmt.Errorf("wait for the server's start-up jobs: %w", err)
		}
		if ready {
			fmt.Printf("the server's start-up jobs done after %.1f s\n\n", time.Since(start).Seconds())
			return nil
		}
		if time.Since(start) > 5*time.Minute {
			return fmt.Errorf("the server's start-up jobs were not done after 5 minutes (see its log)")
		}
		time.Sleep(200 * time.Millisecond)
	}
}
