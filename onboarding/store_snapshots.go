package onboarding

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/onramp/onramp/internal/apperr"
)

// snapshot is an organization's onboarding row as a checklist read sees it,
// without a lock: the state holds the version, progress and activated_at
// (what a checklist shows), not the milestones or signup time.
type snapshot struct {
	state     *orgState
	latest    int  // the latest published version
	dismissed bool // by the user the read was for
}

// snapshot reads the organization's row, the latest version number and
// whether user dismissed the checklist, in one batched query (404 when the
// organization has no row).
func (s *store) snapshot(ctx context.Context, orgID, userID uuid.UUID) (snapshot, error) {
	row, found, err := s.reads.read(ctx, orgID, userID)
	if err != nil {
		return snapshot{}, err
	}
	if !found {
		return snapshot{}, apperr.NotFound("organization")
	}
	// Decoded here, in the caller's goroutine, not in the batch's: a batch
	// serves up to maxBatch callers and must not decode for all of them.
	progress, err := decodeProgress(row.progress)
	if err != nil {
		return snapshot{}, err
	}
	st := &orgState{orgID: orgID, version: row.version, progress: progress}
	if row.activated.Valid {
		at := row.activated.Time.UTC()
		st.activatedAt = &at
	}
	return snapshot{state: st, latest: row.latest, dismissed: row.dismissed}, nil
}

// snapshotReads coalesces concurrent checklist reads into one query per
// round trip, the way group commit coalesces writes: while maxInFlight
// queries are running, new reads wait in a queue, and when one finishes the
// whole queue goes as the next query. A lone read goes at once; under load a
// PostgreSQL round trip serves many reads instead of one. Every read is
// answered by a query that started after the read arrived, so it sees every
// change committed before it, exactly as a query of its own would.
type snapshotReads struct {
	pool        *pgxpool.Pool
	maxInFlight int

	mu       sync.Mutex
	queue    []*snapshotRead
	inFlight int

	queries atomic.Int64 // batch queries run, for tests and debugging
}

// snapshotRead is one caller's read and, once done is closed, its answer.
type snapshotRead struct {
	org, user uuid.UUID
	done      chan struct{}
	row       snapshotRow
	found     bool
	err       error
}

// snapshotRow is what the checklist needs from the database.
type snapshotRow struct {
	version, latest int
	progress        []byte
	activated       pgtype.Timestamptz
	dismissed       bool
}

// maxBatch bounds one query's size; a larger queue is split.
const maxBatch = 256

// batchTimeout bounds one batch query: it serves many callers, so it does
// not run under any single caller's context.
const batchTimeout = 10 * time.Second

// read returns the organization's row as seen by user; found is false when
// the organization has no onboarding row.
func (r *snapshotReads) read(ctx context.Context, org, user uuid.UUID) (snapshotRow, bool, error) {
	req := &snapshotRead{org: org, user: user, done: make(chan struct{})}
	r.mu.Lock()
	r.queue = append(r.queue, req)
	if r.inFlight < r.maxInFlight {
		r.inFlight++
		go r.drain()
	}
	r.mu.Unlock()
	select {
	case <-req.done:
		return req.row, req.found, req.err
	case <-ctx.Done():
		return snapshotRow{}, false, ctx.Err()
	}
}

// drain runs queued reads as batches until the queue is empty.
func (r *snapshotReads) drain() {
	for {
		r.mu.Lock()
		n := min(len(r.queue), maxBatch)
		if n == 0 {
			r.inFlight--
			r.mu.Unlock()
			return
		}
		batch := r.queue[:n:n]
		r.queue = r.queue[n:]
		r.mu.Unlock()
		r.run(batch)
	}
}

const snapshotBatchQuery = `
	SELECT r.i, o.version, o.progress, o.activated_at,
	       (SELECT coalesce(max(version), 0) FROM onboarding_versions),
	       EXISTS (SELECT 1 FROM onboarding_dismissals d
	                WHERE d.organization_id = r.org AND d.user_id = r.usr)
	FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS r(org, usr, i)
	JOIN onboarding_organizations o ON o.organization_id = r.org`

// run answers every read of batch with one query, matching rows to reads
// by position (WITH ORDINALITY), never by organization alone: two users of
// one organization get their own dismissal.
func (r *snapshotReads) run(batch []*snapshotRead) {
	defer func() {
		for _, req := range batch {
			close(req.done)
		}
	}()
	orgs := make([]pgtype.UUID, len(batch))
	users := make([]pgtype.UUID, len(batch))
	for i, req := range batch {
		orgs[i] = pgtype.UUID{Bytes: req.org, Valid: true}
		users[i] = pgtype.UUID{Bytes: req.user, Valid: true}
	}
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	fail := func(err error) {
		for _, req := range batch {
			req.err = err
		}
	}
	r.queries.Add(1)
	rows, err := r.pool.Query(ctx, snapshotBatchQuery, orgs, users)
	if err != nil {
		fail(fmt.Errorf("read checklist state: %w", err))
		return
	}
	defer rows.Close()
	for rows.Next() {
		var i int64
		var row snapshotRow
		if err := rows.Scan(&i, &row.version, &row.progress, &row.activated, &row.latest, &row.dismissed); err != nil {
			fail(fmt.Errorf("read checklist state: %w", err))
			return
		}
		if i < 1 || int(i) > len(batch) {
			fail(fmt.Errorf("read checklist state: row for position %d of %d", i, len(batch)))
			return
		}
		req := batch[i-1]
		req.row, req.found = row, true
	}
	if err := rows.Err(); err != nil {
		fail(fmt.Errorf("read checklist state: %w", err))
	}
}
