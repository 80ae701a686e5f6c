package onboarding

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/coalesce"
	"github.com/onramp/onramp/internal/database"
)

// store owns the package's SQL: every statement is a method of it, in the
// store_*.go file named after what it reads and writes. Writes take the
// caller's *database.Tx; reads that run either on the pool or inside a
// transaction take a database.Querier (db.SQL() or tx.SQL()). Two places,
// where a benchmark showed pgx directly pays, use it: the checklist's
// batched read on the pgx pool (store_snapshots.go), and event ingestion's
// insert and counters in the caller's transaction (tx.PGX, with binary
// parameters: store_events.go, store_counts.go). The store knows no clock:
// times come in as arguments.
type store struct {
	db    *database.DB
	reads *coalesce.Batcher[snapshotKey, snapshotRow]

	// partitionsEnd is the end of the last event partition this process
	// knows of, in Unix microseconds (partitionedUntil).
	partitionsEnd atomic.Int64

	// versions caches published versions by number: they never change.
	versionsMu sync.RWMutex
	versions   map[int]*Version

	// definition caches the activation definition of one revision
	// (definitionAt), once definitionOK.
	definitionMu sync.RWMutex
	definition   cachedDefinition
	definitionOK bool
}

// snapshotQueriesInFlight is how many batched checklist reads run at once;
// the rest of the connection pool stays free for writes.
const snapshotQueriesInFlight = 4

func newStore(db *database.DB) *store {
	return &store{db: db, versions: map[int]*Version{},
		reads: newSnapshotReads(db.Pool)}
}

// adminLock serializes admin changes (draft, publish, activation) so that
// positions, version numbers and the checks between them stay consistent.
func (s *store) adminLock(ctx context.Context, tx *database.Tx) error {
	if _, err := tx.SQL().ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('onramp.onboarding.admin'))`); err != nil {
		return fmt.Errorf("take the onboarding admin lock: %w", err)
	}
	return nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: *t, Valid: true}
}

// nullID is NULL for uuid.Nil.
func nullID(id uuid.UUID) uuid.NullUUID { return uuid.NullUUID{UUID: id, Valid: id != uuid.Nil} }
