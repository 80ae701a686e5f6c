package onboarding

import (
	"context"
	"github.com/onramp/onramp/internal/testing/fakeclock"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/testing/dbtest"
)

// The hourly recount never waits on an organization whose row another
// transaction holds (a batch of its events, an erasure): it skips it until
// the next recount, so it neither stalls ingestion nor deadlocks with a
// transaction that then takes a row the recount went through.
func TestRecountActiveMembersSkipsOrganizationsInUse(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	seatsFixture(t, db)
	ctx := context.Background()
	now := rollupTime(t, "2026-04-01T12:00:00Z")
	svc := NewService(Config{DB: db, Clock: fakeclock.New(now), MinGroupSize: 2})
	var a, b string
	if err := db.Pool.QueryRow(ctx, `
		WITH x AS (SELECT DISTINCT organization_id::text id FROM onboarding_members WHERE left_at IS NULL AND last_active_at >= '2026-03-04T12:00:00Z')
		SELECT min(id), max(id) FROM x`).Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	active := func(org string) int {
		t.Helper()
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT members_active_28d FROM onboarding_organizations WHERE organization_id = $1`, org).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	tx, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `UPDATE onboarding_organizations SET updated_at = now() WHERE organization_id = $1`, b); err != nil {
		t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := svc.RecountActiveMembers(wait); err != nil {
		t.Fatalf("recount while an organization is in use: %v", err)
	}
	if active(a) == 0 || active(b) != 0 {
		t.Fatalf("active after the recount: %s %d (want counted), %s %d (in use: want skipped, 0)", a, active(a), b, active(b))
	}
	// The other transaction goes on to a row the recount went through.
	if _, err := tx.Exec(wait, `UPDATE onboarding_organizations SET updated_at = now() WHERE organization_id = $1`, a); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RecountActiveMembers(ctx); err != nil {
		t.Fatal(err)
	}
	if active(b) == 0 {
		t.Fatalf("%s still not counted by the next recount", b)
	}
}
