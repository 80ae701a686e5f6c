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
// revoked on reuse of a refresh token, removal from the organization, the
// user deleted), or its holder is no longer a member of its organization.
// The client signs in again; which of these it was is not told.
var errAccessEnded = apperr.Unauthorized("this access token no longer grants access; sign in again")

// CurrentAccess is what the caller of a verified access token may do now:
// p with the role as stored, in a session that has not ended, and staff
// only if the token says so and the stored flag still does. A token says
// who its holder was when it was minted, up to 15 minutes ago; every
// authenticated request acts with this instead, so a removed member is
// refused at once, a demoted admin sees what a member sees, and a cleared
// staff flag closes the staff routes. (A right granted since the token was
// minted, a promotion to staff, takes effect at the next sign-in.)
// Concurrent checks share one query per round trip.
func (s *Service) CurrentAccess(ctx context.Context, p auth.Principal) (auth.Principal, error) {
	if p.SessionID == uuid.Nil {
		return auth.Principal{}, errAccessEnded
	}
	a, err := s.access.Do(ctx, p)
	if err != nil {
		return auth.Principal{}, fmt.Errorf("check current access: %w", err)
	}
	if !a.live || (p.HasOrg() && !a.role.Valid) {
		return auth.Principal{}, errAccessEnded
	}
	p.Staff, p.Role = a.staff, a.role.String
	p.Locale = string(s.localeOf(a.locale))
	return p, nil
}

// access is one token's current state, as one row of an access query reads it.
type access struct {
	live  bool        // the session has a refresh token that is not revoked
	role  pgtype.Text // the membership's role in the token's organization; not Valid without one
	staff bool        // the token claims staff and the stored flag says so
	// locale is the user's users.locale (nil: not said): requests are
	// served in it, and reading it here costs no round trip of its own.
	locale *string
}

// accessQueriesInFlight is how many access queries run at once: one, so
// that under load each query serves every check that arrived while the
// previous one ran. Batches grow with the load and the round trips per
// check shrink, which is what this check costs; a lone check still goes
// at once.
const accessQueriesInFlight = 1

// accessMaxBatch bounds one access query; a longer queue is split.
const accessMaxBatch = 256

func newAccessReads(pool *pgxpool.Pool) *coalesce.Batcher[auth.Principal, access] {
	queries := accessQueries(accessMaxBatch)
	return coalesce.New(coalesce.Limits{MaxInFlight: accessQueriesInFlight, MaxBatch: accessMaxBatch},
		func(ctx context.Context, ps []auth.Principal) ([]access, error) {
			return readAccess(ctx, pool, queries, ps)
		})
}

// accessQueries is the access query for batches of up to maxRows tokens,
// each a row (user, organization, session, staff claim).
//
// Each row reads the session and the membership by index: the session
// from refresh_tokens_live_family_idx, which holds only tokens not revoked
// (a session ends by revoking all of its tokens, so an ended one is not in
// the index at all; a deleted user's tokens are deleted with it), the
// membership by its key, the user by theirs: for their language, and for a
// token that claims staff, to check that the flag still holds. A token with no
// organization passes a NULL one and gets no role; padding rows are all
// NULL and skipped. Rows come back with their position, which matches them
// to their tokens.
func accessQueries(maxRows int) coalesce.Statements {
	return coalesce.NewStatements(maxRows, []string{"uuid", "uuid", "uuid", "bool"}, func(values string) string {
		return `
	SELECT q.i,
	       EXISTS (SELECT 1 FROM refresh_tokens r
	                WHERE r.family_id = q.sid AND r.user_id = q.usr AND r.revoked_at IS NULL),
	       m.role,
	       q.staff AND coalesce(u.is_staff, false),
	       u.locale
	FROM (VALUES ` + values + `) AS q(usr, org, sid, staff, i)
	LEFT JOIN memberships m ON m.organization_id = q.org AND m.user_id = q.usr
	LEFT JOIN users u ON u.id = q.usr
	WHERE q.usr IS NOT NULL`
	})
}

// readAccess answers ps with one query of the smallest size that holds them.
func readAccess(ctx context.Context, pool *pgxpool.Pool, queries coalesce.Statements, ps []auth.Principal) ([]access, error) {
	query, n, err := queries.For(len(ps))
	if err != nil {
		return nil, fmt.Errorf("read current access: %w", err)
	}
	// Parameters point into two slices (padding stays zero: NULL), so that
	// boxing them in args allocates nothing per token.
	ids := make([]pgtype.UUID, 3*n)
	staff := make([]pgtype.Bool, n)
	args := make([]any, 4*n)
	for i := range n {
		if i < len(ps) {
			p := ps[i]
			ids[3*i] = pgtype.UUID{Bytes: p.UserID, Valid: true}
			ids[3*i+1] = pgtype.UUID{Bytes: p.OrgID, Valid: p.HasOrg()}
			ids[3*i+2] = pgtype.UUID{Bytes: p.SessionID, Valid: true}
			staff[i] = pgtype.Bool{Bool: p.Staff, Valid: true}
		}
		args[4*i], args[4*i+1], args[4*i+2], args[4*i+3] = &ids[3*i], &ids[3*i+1], &ids[3*i+2], &staff[i]
	}
	// A token without a row (none expected) has no access.
	out, err := coalesce.QueryRows(ctx, pool, query, args, len(ps), func(a *access) []any {
		return []any{&a.live, &a.role, &a.staff, &a.locale}
	})
	if err != nil {
		return nil, fmt.Errorf("read current access: %w", err)
	}
	return out, nil
}
