package account

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/coalesce"
)

// errAccessEnded answers a verified token that no longer stands for
// anyone's access: its session ended (signed out, password reset, session
// revoked on reuse of a refresh token, removal from the organization), its
// user is gone, or the user is no longer a member of its organization. The
// client signs in again; which of these it was is not told.
var errAccessEnded = apperr.Unauthorized("this access token no longer grants access; sign in again")

// CurrentAccess is what the caller of a verified access token may do now:
// p with the role and staff flag as stored, in a session that has not
// ended. A token says who its holder was when it was minted, up to 15
// minutes ago; every authenticated request acts with this instead, so a
// removed member is refused at once, a demoted admin sees what a member
// sees, and a cleared staff flag closes the staff routes. Concurrent checks
// share one query per round trip.
func (s *Service) CurrentAccess(ctx context.Context, p auth.Principal) (auth.Principal, error) {
	if p.SessionID == uuid.Nil {
		return auth.Principal{}, errAccessEnded
	}
	a, err := s.access.Do(ctx, p)
	if err != nil {
		return auth.Principal{}, fmt.Errorf("check current access: %w", err)
	}
	if !a.user || !a.live || (p.HasOrg() && !a.role.Valid) {
		return auth.Principal{}, errAccessEnded
	}
	p.Staff, p.Role = a.staff, a.role.String
	return p, nil
}

// access is one token's current state, as one row of accessQuery reads it.
type access struct {
	user  bool // the user exists
	staff bool
	role  pgtype.Text // the membership's role in the token's organization; not Valid without one
	live  bool        // the session has a refresh token that is not revoked
}

// accessQueriesInFlight is how many access queries run at once; the rest
// of the pool stays free for the requests' own work.
const accessQueriesInFlight = 4

// accessMaxBatch bounds one access query; a longer queue is split.
const accessMaxBatch = 256

func newAccessReads(pool *pgxpool.Pool) *coalesce.Batcher[auth.Principal, access] {
	return coalesce.New(coalesce.Limits{MaxInFlight: accessQueriesInFlight, MaxBatch: accessMaxBatch},
		func(ctx context.Context, ps []auth.Principal) ([]access, error) { return readAccess(ctx, pool, ps) })
}

// accessQuery reads each token's user, membership and session by primary
// key or index: users' primary key, memberships' (organization_id,
// user_id), and refresh_tokens_live_family_idx, which holds only tokens
// not revoked (a session ends by revoking all of its tokens, so an ended
// one is not in the index at all). A token with no organization passes a
// NULL org and gets no role. Rows are matched to tokens by position; a
// missing position is a user that no longer exists.
const accessQuery = `
	SELECT q.i, u.is_staff, m.role,
	       EXISTS (SELECT 1 FROM refresh_tokens r
	                WHERE r.family_id = q.sid AND r.user_id = q.usr AND r.revoked_at IS NULL)
	FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) WITH ORDINALITY AS q(usr, org, sid, i)
	JOIN users u ON u.id = q.usr
	LEFT JOIN memberships m ON m.organization_id = q.org AND m.user_id = q.usr`

// readAccess answers ps with one query.
func readAccess(ctx context.Context, pool *pgxpool.Pool, ps []auth.Principal) ([]access, error) {
	users := make([]pgtype.UUID, len(ps))
	orgs := make([]pgtype.UUID, len(ps))
	sessions := make([]pgtype.UUID, len(ps))
	for i, p := range ps {
		users[i] = pgtype.UUID{Bytes: p.UserID, Valid: true}
		orgs[i] = pgtype.UUID{Bytes: p.OrgID, Valid: p.HasOrg()}
		sessions[i] = pgtype.UUID{Bytes: p.SessionID, Valid: true}
	}
	rows, err := pool.Query(ctx, accessQuery, users, orgs, sessions)
	if err != nil {
		return nil, fmt.Errorf("read current access: %w", err)
	}
	defer rows.Close()
	out := make([]access, len(ps))
	for rows.Next() {
		var i int64
		var a access
		if err := rows.Scan(&i, &a.staff, &a.role, &a.live); err != nil {
			return nil, fmt.Errorf("read current access: %w", err)
		}
		if i < 1 || int(i) > len(ps) {
			return nil, fmt.Errorf("read current access: row for position %d of %d", i, len(ps))
		}
		a.user = true
		out[i-1] = a
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read current access: %w", err)
	}
	return out, nil
}
