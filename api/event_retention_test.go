package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// pruneEventsArgs is the event prune job as the service queues it (jobs
// are matched to workers by kind).
type pruneEventsArgs struct{}

func (pruneEventsArgs) Kind() string { return "prune_expired_events" }

// The service schedules the event prune itself, and the job deletes raw
// events older than EVENT_RETENTION_DAYS and nothing else.
func TestEventPruneJobDeletesEventsPastTheirRetention(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.EventRetention = 24 * time.Hour })
	ctx := context.Background()

	// Scheduled at start, without anyone asking (periodic, run on start).
	for i := 0; countRows(t, env, `SELECT count(*) FROM river_job WHERE kind = 'prune_expired_events' AND unique_key IS NOT NULL`) == 0; i++ {
		if i == 200 {
			t.Fatal("the service did not schedule prune_expired_events")
		}
		sleep()
	}
	waitForJobs(t, env, "prune_expired_events")

	org := env.NewOrg(t, testenv.OrgOptions{})
	now := time.Now()
	if _, err := env.DB.Pool.Exec(ctx, `
		INSERT INTO onboarding_events (organization_id, id, name, source, sent_at, occurred_at, received_at)
		SELECT $1, gen_random_uuid(), 'guide_opened', 'client', at, at, at
		FROM unnest(ARRAY[$2::timestamptz - interval '25 hours', $2 - interval '3 days', $2 - interval '23 hours']) AS at`, org.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.Pool.Exec(ctx, `INSERT INTO onboarding_event_counts (organization_id, name, count, first_at, last_at)
		VALUES ($1, 'guide_opened', 3, $2, $2)`, org.ID, now); err != nil {
		t.Fatal(err)
	}

	queue, err := river.NewClient(riverpgxv5.New(env.DB.Pool), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := queue.Insert(ctx, pruneEventsArgs{}, nil); err != nil {
		t.Fatal(err)
	}
	waitForJobs(t, env, "prune_expired_events")
	if n := countRows(t, env, `SELECT count(*) FROM river_job WHERE kind = 'prune_expired_events' AND state <> 'completed'`); n != 0 {
		t.Fatalf("%d prune jobs did not complete", n)
	}
	if n := countRows(t, env, `SELECT count(*) FROM onboarding_events WHERE organization_id = $1`, org.ID); n != 1 {
		t.Fatalf("%d events left, want the one received 23 hours ago", n)
	}
	if n := countRows(t, env, `SELECT count FROM onboarding_event_counts WHERE organization_id = $1 AND name = 'guide_opened'`, org.ID); n != 3 {
		t.Fatalf("the counter went from 3 to %d", n)
	}
	var pruned []float64
	for _, line := range env.Log.Lines() {
		if line["msg"] == "pruned expired events" {
			pruned = append(pruned, line["events"].(float64))
		}
	}
	if len(pruned) != 2 || pruned[0] != 0 || pruned[1] != 2 {
		t.Fatalf("pruned %v events in the log, want a line per run: 0 at start, then 2", pruned)
	}
}
