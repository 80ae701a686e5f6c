package database_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/testing/dbtest"
)

func count(t *testing.T, db *database.DB) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM organizations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A Tx's GORM handle and its database/sql transaction are one transaction:
// both writes commit together, or neither stays.
func TestInTxCommitsOrRollsBackGORMAndSQLTogether(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	write := func(tx *database.Tx, name string) error {
		if err := tx.Exec(`INSERT INTO organizations (id, name) VALUES (gen_random_uuid(), ?)`, name).Error; err != nil {
			return err
		}
		_, err := tx.SQL().ExecContext(ctx, `INSERT INTO organizations (id, name) VALUES (gen_random_uuid(), $1)`, name)
		return err
	}

	failed := errors.New("the change failed")
	err := db.InTx(ctx, func(tx *database.Tx) error {
		if err := write(tx, "Rolled back"); err != nil {
			return err
		}
		// Inside, both writes are visible to both handles.
		var n int
		if err := tx.Raw(`SELECT count(*) FROM organizations`).Scan(&n).Error; err != nil || n != 2 {
			t.Errorf("inside the transaction GORM sees %d rows (%v), want 2", n, err)
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("InTx returned %v, want the function's error", err)
	}
	if n := count(t, db); n != 0 {
		t.Fatalf("%d rows left by a rolled-back transaction", n)
	}

	func() {
		defer func() { _ = recover() }()
		_ = db.InTx(ctx, func(tx *database.Tx) error {
			if err := write(tx, "Panicked"); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	if n := count(t, db); n != 0 {
		t.Fatalf("%d rows left by a panicking transaction", n)
	}

	if err := db.InTx(ctx, func(tx *database.Tx) error { return write(tx, "Committed") }); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db); n != 2 {
		t.Fatalf("%d rows after a commit, want 2", n)
	}
}

// PGX runs in the transaction: it sees the transaction's writes, its own
// writes commit or roll back with it, and a panic in it still rolls back.
func TestPGXRunsInTheTransaction(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	insert := func(tx *database.Tx, name string) error {
		if _, err := tx.SQL().ExecContext(ctx, `INSERT INTO organizations (id, name) VALUES (gen_random_uuid(), $1)`, name); err != nil {
			return err
		}
		return tx.PGX(func(conn *pgx.Conn) error {
			var n int
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM organizations WHERE name = $1`, name).Scan(&n); err != nil || n != 1 {
				t.Errorf("pgx sees %d rows of the transaction (%v), want 1", n, err)
			}
			_, err := conn.Exec(ctx, `INSERT INTO organizations (id, name) VALUES (gen_random_uuid(), $1)`, name+" (pgx)")
			return err
		})
	}
	failed := errors.New("the change failed")
	if err := db.InTx(ctx, func(tx *database.Tx) error {
		if err := insert(tx, "Rolled back"); err != nil {
			return err
		}
		return failed
	}); !errors.Is(err, failed) {
		t.Fatalf("InTx returned %v, want the function's error", err)
	}
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the panic of fn", p)
			}
		}()
		_ = db.InTx(ctx, func(tx *database.Tx) error {
			if err := insert(tx, "Panicked"); err != nil {
				return err
			}
			return tx.PGX(func(*pgx.Conn) error { panic("boom") })
		})
	}()
	if n := count(t, db); n != 0 {
		t.Fatalf("%d rows left by rolled-back transactions", n)
	}
	if err := db.InTx(ctx, func(tx *database.Tx) error { return insert(tx, "Committed") }); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db); n != 2 {
		t.Fatalf("%d rows after a commit, want 2", n)
	}
}

// The organization lock serializes two transactions on one organization
// and says when there is none.
func TestLockOrganization(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	var id string
	if err := db.Pool.QueryRow(ctx, `INSERT INTO organizations (id, name) VALUES (gen_random_uuid(), 'Acme') RETURNING id::text`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, func(tx *database.Tx) error {
		return tx.LockOrganization(ctx, uuid.New())
	})
	if !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("unknown organization: %v", err)
	}

	held, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.InTx(ctx, func(tx *database.Tx) error {
			if err := tx.LockOrganization(ctx, mustUUID(t, id)); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	<-held
	// While the first holds it, a second transaction cannot take it.
	err = db.InTx(ctx, func(tx *database.Tx) error {
		if err := tx.Exec(`SET LOCAL lock_timeout = '50ms'`).Error; err != nil {
			return err
		}
		return tx.LockOrganization(ctx, mustUUID(t, id))
	})
	if err == nil {
		t.Fatal("a second transaction took a held organization lock")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func mustUUID(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// InSnapshot's reads agree with each other while other transactions
// commit, and it refuses to write.
func TestInSnapshotReadsOneSnapshotAndNeverWrites(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	err := db.InSnapshot(ctx, func(tx *database.Tx) error {
		var before int
		if err := tx.Raw(`SELECT count(*) FROM organizations`).Scan(&before).Error; err != nil {
			return err
		}
		if err := db.InTx(ctx, func(other *database.Tx) error {
			return other.Exec(`INSERT INTO organizations (id, name) VALUES (gen_random_uuid(), 'Committed meanwhile')`).Error
		}); err != nil {
			return err
		}
		var after int
		if err := tx.Raw(`SELECT count(*) FROM organizations`).Scan(&after).Error; err != nil {
			return err
		}
		if after != before {
			t.Errorf("the snapshot saw %d organizations, then %d", before, after)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.InSnapshot(ctx, func(tx *database.Tx) error {
		return tx.Exec(`INSERT INTO organizations (id, name) VALUES (gen_random_uuid(), 'Written')`).Error
	})
	if err == nil {
		t.Error("a write inside InSnapshot succeeded")
	}
	if n := count(t, db); n != 1 {
		t.Fatalf("%d organizations, want only the one committed outside", n)
	}
}
