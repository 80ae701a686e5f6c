package onboarding

import (
	"context"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/internal/testing/fakeclock"
)

// After creating partitions, the upkeep knows where the new last one
// ends, so that ingestion does not create again on its next batch.
func TestPartitionUpkeepKnowsTheEndOfWhatItCreated(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	svc := NewService(Config{DB: db, Clock: fakeclock.New(time.Now().UTC().AddDate(1, 0, 0))})
	created, err := svc.EnsureEventPartitions(context.Background())
	if err != nil || created == 0 {
		t.Fatalf("created %d partitions, %v", created, err)
	}
	var end time.Time
	if err := db.Pool.QueryRow(context.Background(), `SELECT max(upper_bound) FROM onboarding_event_partitions`).Scan(&end); err != nil {
		t.Fatal(err)
	}
	if got := svc.store.partitionedUntil(); !got.Equal(end) {
		t.Fatalf("the upkeep knows partitions up to %s; the last one ends %s", got, end)
	}
}
