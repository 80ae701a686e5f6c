package onboarding

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/coalesce"
)

// snapshot is an organization's onboarding row as a checklist read sees it,
// without a lock: the state holds the version, progress and activated_at
// (what a checklist shows), not the milestones or signup time.
type snapshot struct {
	state     *orgState
	latest    int         // the latest published version
	mine      progressMap // the user's own progress on member steps
	dismissed bool        // by the user the read was for
}

// snapshot reads the organization's row, the latest version number and
// whether user dismissed the checklist, in one batched query (404 when the
// organization has no row).
func (s *store) snapshot(ctx context.Context, orgID, userID uuid.UUID) (snapshot, error) {
	row, err := s.reads.Do(ctx, snapshotKey{org: orgID, user: userID})
	if err != nil {
		return snapshot{}, err
	}
	if !row.found {
		return snapshot{}, apperr.NotFound("organization")
	}
	// Decoded here, in the caller's goroutine, not in the batch's: a batch
	// serves up to snapshotMaxBatch callers and must not decode for all of them.
	progress, err := decodeProgress(row.progress)
	if err != nil {
		return snapshot{}, err
	}
	mine := progressMap{}
	if row.mine != nil {
		if mine, err = decodeProgress(row.mine); err != nil {
			return snapshot{}, err
		}
	}
	st := &orgState{orgID: orgID, version: row.version, progress: progress, activatedByMembers: row.byMembers}
	if row.activated.Valid {
		at := row.activated.Time.UTC()
		st.activatedAt = &at
	}
	return snapshot{state: st, latest: row.latest, mine: mine, dismissed: row.dismissed}, nil
}

// snapshotKey is one checklist read: an organization, seen by one user.
type snapshotKey struct{ org, user uuid.UUID }

// snapshotRow is what the checklist needs from the database; found is
// false when the organization has no onboarding row.
type snapshotRow struct {
	found           bool
	version, latest int
	progress        []byte
	activated       pgtype.Timestamptz
	byMembers       bool
	mine            []byte // NULL: the user has no member row
	dismissed       bool
}

// snapshotMaxBatch bounds one query's size; a larger queue is split.
const snapshotMaxBatch = 256

// newSnapshotReads coalesces concurrent checklist reads into one query per
// round trip (package coalesce): under load a PostgreSQL round trip serves
// many reads instead of one, and every read is still answered by a query
// that started after it arrived, so it sees every change committed before
// it. Rows are matched to reads by position, never by organization alone:
// two users of one organization get their own dismissal.
func newSnapshotReads(pool *pgxpool.Pool) *coalesce.Batcher[snapshotKey, snapshotRow] {
	queries := coalesce.NewStatements(snapshotMaxBatch, []string{"uuid", "uuid"}, func(values string) string {
		return `
	SELECT q.i, o.version, o.progress, o.activated_at, o.activated_by_members, m.progress,
	       (SELECT coalesce(max(version), 0) FROM onboarding_versions),
	       EXISTS (SELECT 1 FROM onboarding_dismissals d
	                WHERE d.organization_id = q.org AND d.user_id = q.usr)
	FROM (VALUES ` + values + `) AS q(org, usr, i)
	JOIN onboarding_organizations o ON o.organization_id = q.org
	LEFT JOIN onboarding_members m ON m.organization_id = q.org AND m.user_id = q.usr AND m.left_at IS NULL`
	})
	return coalesce.New(coalesce.Limits{MaxInFlight: snapshotQueriesInFlight, MaxBatch: snapshotMaxBatch},
		func(ctx context.Context, keys []snapshotKey) ([]snapshotRow, error) {
			return readSnapshots(ctx, pool, queries, keys)
		})
}

// readSnapshots answers keys with one query (padding rows are NULL, and
// join nothing).
func readSnapshots(ctx context.Context, pool *pgxpool.Pool, queries coalesce.Statements, keys []snapshotKey) ([]snapshotRow, error) {
	query, n, err := queries.For(len(keys))
	if err != nil {
		return nil, fmt.Errorf("read checklist state: %w", err)
	}
	ids := make([]pgtype.UUID, 2*n)
	args := make([]any, 2*n)
	for i := range n {
		if i < len(keys) {
			ids[2*i] = pgtype.UUID{Bytes: keys[i].org, Valid: true}
			ids[2*i+1] = pgtype.UUID{Bytes: keys[i].user, Valid: true}
		}
		args[2*i], args[2*i+1] = &ids[2*i], &ids[2*i+1]
	}
	out, err := coalesce.QueryRows(ctx, pool, query, args, len(keys), func(r *snapshotRow) []any {
		r.found = true // called only for an organization that has a row
		return []any{&r.version, &r.progress, &r.activated, &r.byMembers, &r.mine, &r.latest, &r.dismissed}
	})
	if err != nil {
		return nil, fmt.Errorf("read checklist state: %w", err)
	}
	return out, nil
}
