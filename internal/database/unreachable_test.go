package database_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/testing/dbtest"
)

// errCallerGaveUp is a query still waiting when its caller's deadline
// came.
var errCallerGaveUp = errors.New("the caller's deadline came first")

// queryAll runs one query each through pgx, database/sql and GORM, each
// given more time (3 s) than an unreachable database may take to fail.
func queryAll(db *database.DB) []error {
	run := func(f func(ctx context.Context) error) error {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		err := f(ctx)
		if err != nil && ctx.Err() != nil {
			return errCallerGaveUp
		}
		return err
	}
	var n int
	return []error{
		run(func(ctx context.Context) error { return db.Pool.QueryRow(ctx, `SELECT 1`).Scan(&n) }),
		run(func(ctx context.Context) error { return db.SQL().QueryRowContext(ctx, `SELECT 1`).Scan(&n) }),
		run(func(ctx context.Context) error { return db.Gorm.WithContext(ctx).Raw(`SELECT 1`).Scan(&n).Error }),
	}
}

// With the database gone (refused, or silent), every query fails with an
// error Unreachable recognizes, on its own rather than at the caller's
// deadline; once it is back, the same pools serve again.
func TestAnUnreachableDatabaseFailsFastAndIsServedAgainOnceBack(t *testing.T) {
	t.Parallel()
	db, proxy := dbtest.NewThroughProxy(t)
	for _, err := range queryAll(db) {
		if err != nil {
			t.Fatalf("before the outage: %v", err)
		}
	}
	for _, outage := range []struct {
		name  string
		start func()
	}{{"refused", proxy.Cut}, {"silent", proxy.Silence}} {
		outage.start()
		for i, err := range queryAll(db) {
			if err == nil || errors.Is(err, errCallerGaveUp) || !database.Unreachable(err) {
				t.Fatalf("%s, query %d: %v; want an unreachable database, told before the caller gave up", outage.name, i, err)
			}
		}
		proxy.Restore(t)
		// A pooled connection broken by the outage may fail once more
		// before the pool drops it; the next attempts reconnect.
		for attempt := 0; ; attempt++ {
			errs := queryAll(db)
			if errs[0] == nil && errs[1] == nil && errs[2] == nil {
				break
			}
			if attempt == 3 {
				t.Fatalf("after the %s outage, still failing: %v", outage.name, errs)
			}
		}
	}
}
