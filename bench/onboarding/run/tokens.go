package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/onramp/onramp/internal/auth"
)

// members picks up to n random members (role member) with the live
// session the loader gave them, in organizations on the latest checklist
// version: a read of theirs is a plain read, never the move to a newer
// version (measured on its own, see oldVersionMembers).
func (b *bench) members(ctx context.Context, n int) ([]auth.Principal, error) {
	ps, err := b.principals(ctx, `
		SELECT m.organization_id, m.user_id, m.role, r.family_id
		FROM memberships m
		JOIN refresh_tokens r ON r.user_id = m.user_id AND r.organization_id = m.organization_id
		JOIN onboarding_organizations o ON o.organization_id = m.organization_id
		WHERE m.role = 'member' AND o.version = (SELECT max(version) FROM onboarding_versions)
		ORDER BY random() LIMIT $1`, n)
	if err == nil && len(ps) == 0 {
		err = fmt.Errorf("no members with sessions: reload the data set (RELOAD=1 bench/onboarding/bench.sh SIZE)")
	}
	return ps, err
}

// oldVersionMembers picks one member each (any role) of up to n random
// organizations still on an older checklist version.
func (b *bench) oldVersionMembers(ctx context.Context, n int) ([]auth.Principal, error) {
	return b.principals(ctx, `
		SELECT * FROM (
		    SELECT DISTINCT ON (m.organization_id) m.organization_id, m.user_id, m.role, r.family_id
		    FROM onboarding_organizations o
		    JOIN memberships m ON m.organization_id = o.organization_id
		    JOIN refresh_tokens r ON r.user_id = m.user_id AND r.organization_id = m.organization_id
		    WHERE o.version < (SELECT max(version) FROM onboarding_versions)
		    ORDER BY m.organization_id, random()) AS one_each
		ORDER BY random() LIMIT $1`, n)
}

func (b *bench) principals(ctx context.Context, query string, n int) ([]auth.Principal, error) {
	rows, err := b.pool.Query(ctx, query, n)
	if err != nil {
		return nil, fmt.Errorf("pick members: %w", err)
	}
	ps, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (auth.Principal, error) {
		var p auth.Principal
		err := row.Scan(&p.OrgID, &p.UserID, &p.Role, &p.SessionID)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("pick members: %w", err)
	}
	return ps, nil
}

// mint signs an access token for each principal, just before a phase: they
// last 15 minutes.
func (b *bench) mint(ps []auth.Principal) ([]string, error) {
	tokens := make([]string, len(ps))
	for i, p := range ps {
		var err error
		if tokens[i], _, err = b.signer.Issue(p); err != nil {
			return nil, err
		}
	}
	return tokens, nil
}
