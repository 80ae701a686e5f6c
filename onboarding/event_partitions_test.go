package onboarding_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/internal/testing/fakeclock"
	"github.com/onramp/onramp/onboarding"
)

// partitionMember makes an organization with one member and returns the
// member as a caller.
func partitionMember(t *testing.T, db *database.DB) onboarding.Caller {
	t.Helper()
	org := newOrg(t, db)
	member := uuid.Must(uuid.NewV7())
	ctx := context.Background()
	if _, err := db.Pool.Exec(ctx, `INSERT INTO users (id, email, full_name, password_hash) VALUES ($1, $2, 'M', 'x')`,
		member, "m-"+member.String()+"@example.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, 'member')`, org, member); err != nil {
		t.Fatal(err)
	}
	return onboarding.Caller{OrgID: org, UserID: member, Role: "member"}
}

func sendEvents(t *testing.T, svc *onboarding.Service, c onboarding.Caller, at time.Time, ids ...string) onboarding.IngestResult {
	t.Helper()
	batch := make([]onboarding.ClientEvent, len(ids))
	for i, id := range ids {
		batch[i] = onboarding.ClientEvent{ID: id, Name: "guide_opened", Timestamp: at.Format(time.RFC3339)}
	}
	res, err := svc.Ingest(context.Background(), c, batch)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func partitionNames(t *testing.T, db *database.DB) map[string]bool {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `
		SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'onboarding_events'::regclass`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out[name] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// An id is counted once ever: sent again in a later month (another
// partition), and again after its event was pruned, it is a duplicate,
// and the counters count it once.
func TestAnEventIDIsADuplicateInEveryMonthAndAfterItsEventWasPruned(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	clk := fakeclock.New(time.Now().UTC())
	svc := onboarding.NewService(onboarding.Config{DB: db, Clock: clk, EventRetention: 30 * 24 * time.Hour,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	c := partitionMember(t, db)
	id := uuid.NewString()
	if res := sendEvents(t, svc, c, clk.Now(), id); res.Accepted != 1 {
		t.Fatalf("first send: %+v", res)
	}
	clk.Advance(40 * 24 * time.Hour)
	if res := sendEvents(t, svc, c, clk.Now(), id, uuid.NewString()); res.Accepted != 1 || res.Duplicates != 1 {
		t.Fatalf("40 days on, the same id and a new one: %+v, want 1 accepted, 1 duplicate", res)
	}
	if n, err := svc.PruneExpiredEvents(context.Background()); err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want the first event", n, err)
	}
	if left := count(t, db, `SELECT count(*) FROM onboarding_events WHERE id = $1`, id); left != 0 {
		t.Fatalf("the pruned event is still there (%d rows)", left)
	}
	if res := sendEvents(t, svc, c, clk.Now(), id); res.Accepted != 0 || res.Duplicates != 1 {
		t.Fatalf("after pruning, the same id: %+v, want a duplicate", res)
	}
	if n := count(t, db, `SELECT count FROM onboarding_event_counts WHERE organization_id = $1 AND name = 'guide_opened'`, c.OrgID); n != 2 {
		t.Fatalf("guide_opened counted %d times, want 2 (two distinct ids)", n)
	}
}

// Pruning drops the months all of whose events expired, partition and
// all, and deletes the expired part of the month that holds the cutoff,
// row by row; the partitions ahead are created by the upkeep, once.
func TestPruningDropsExpiredMonthsAndUpkeepCreatesTheNextOnes(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	// Half a year after the migration's partitions end: ingestion creates
	// what the upkeep never did.
	start := time.Date(time.Now().UTC().Year()+1, 6, 10, 12, 0, 0, 0, time.UTC)
	clk := fakeclock.New(start)
	svc := onboarding.NewService(onboarding.Config{DB: db, Clock: clk, EventRetention: 31 * 24 * time.Hour,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx := context.Background()
	c := partitionMember(t, db)
	june, july := start.Format("2006_01"), start.AddDate(0, 1, 0).Format("2006_01")
	sendEvents(t, svc, c, clk.Now(), uuid.NewString(), uuid.NewString()) // June 10
	clk.Set(start.AddDate(0, 1, 0))
	sendEvents(t, svc, c, clk.Now(), uuid.NewString()) // July 10
	clk.Set(start.AddDate(0, 1, 15))
	sendEvents(t, svc, c, clk.Now(), uuid.NewString()) // July 25
	parts := partitionNames(t, db)
	if !parts["onboarding_events_"+june] || !parts["onboarding_events_"+july] {
		t.Fatalf("ingestion did not create June's and July's partitions: %v", parts)
	}

	// 31 days before August 20 is July 20: June goes whole, July 10 row by row.
	clk.Set(start.AddDate(0, 2, 10))
	n, err := svc.PruneExpiredEvents(ctx)
	if err != nil || n != 3 {
		t.Fatalf("pruned %d, %v; want June's 2 and July 10's 1", n, err)
	}
	parts = partitionNames(t, db)
	if parts["onboarding_events_"+june] || !parts["onboarding_events_"+july] {
		t.Fatalf("partitions after pruning: %v; want June dropped, July kept", parts)
	}
	if left := count(t, db, `SELECT count(*) FROM onboarding_events WHERE organization_id = $1`, c.OrgID); left != 1 {
		t.Fatalf("%d events left, want July 25's", left)
	}

	created, err := svc.EnsureEventPartitions(ctx)
	if err != nil || created == 0 {
		t.Fatalf("upkeep created %d partitions, %v", created, err)
	}
	if ahead := start.AddDate(0, 4, 0).Format("2006_01"); !partitionNames(t, db)["onboarding_events_"+ahead] {
		t.Fatalf("no partition for %s, two months ahead", ahead)
	}
	if again, err := svc.EnsureEventPartitions(ctx); err != nil || again != 0 {
		t.Fatalf("a second upkeep created %d partitions, %v", again, err)
	}
}
