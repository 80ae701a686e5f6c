package nudge

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
)

// decision is one row of nudge_sends about to be written.
type decision struct {
	rule    *Rule
	target  *target
	attempt int
	outcome string // Sent or HeldOut
}

// lockPeople takes, in tx, one lock per person (in a fixed order, so two
// sweeps never wait on each other in a cycle): a concurrent sweep
// deciding for the same people waits, then sees these decisions.
func (s store) lockPeople(ctx context.Context, tx *database.Tx, people []string) error {
	_, err := tx.SQL().ExecContext(ctx, `
		SELECT pg_advisory_xact_lock(k)
		FROM (SELECT DISTINCT hashtextextended('onramp.nudge:' || p, 0) AS k FROM unnest($1::text[]) AS p ORDER BY k) AS locks`,
		people)
	if err != nil {
		return fmt.Errorf("lock the people to nudge: %w", err)
	}
	return nil
}

// recentSends counts, for each person (hex), the nudges sent to them
// since since, any rule: what the cap sees once they are locked.
func (s store) recentSends(ctx context.Context, tx *database.Tx, people []string, since time.Time) (map[string]int, error) {
	rows, err := tx.SQL().QueryContext(ctx, `
		SELECT encode(person, 'hex'), count(*) FROM nudge_sends
		WHERE person = ANY(ARRAY(SELECT decode(p, 'hex') FROM unnest($1::text[]) AS p))
		  AND outcome = 'sent' AND decided_at > $2
		GROUP BY person`, people, since)
	if err != nil {
		return nil, fmt.Errorf("count recent nudges: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var p string
		var n int
		if err := rows.Scan(&p, &n); err != nil {
			return nil, fmt.Errorf("count recent nudges: %w", err)
		}
		out[p] = n
	}
	return out, rows.Err()
}

// optedOut is the people (hex) among people who opted out of nudges,
// as the candidate queries read it (unsubscribe.OnboardingTips).
func (s store) optedOut(ctx context.Context, tx *database.Tx, people []string) (map[string]bool, error) {
	rows, err := tx.SQL().QueryContext(ctx, `
		SELECT encode(email_hash, 'hex') FROM notification_opt_outs
		WHERE email_hash = ANY(ARRAY(SELECT decode(p, 'hex') FROM unnest($1::text[]) AS p)) AND category = 'onboarding_tips'`,
		people)
	if err != nil {
		return nil, fmt.Errorf("read opt-outs: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("read opt-outs: %w", err)
		}
		out[p] = true
	}
	return out, rows.Err()
}

// insertDecisions writes ds, skipping any (rule, company, person,
// attempt) already written by another sweep, and reports which of ds it
// wrote (by index).
func (s store) insertDecisions(ctx context.Context, tx *database.Tx, ds []decision, now time.Time) ([]bool, error) {
	n := len(ds)
	rules, orgs, people, outcomes, users, invitations, steps := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	attempts := make([]int32, n)
	for i, d := range ds {
		rules[i], orgs[i], people[i], outcomes[i] = d.rule.id.String(), d.target.orgID.String(), hex.EncodeToString(d.target.person), d.outcome
		attempts[i], steps[i] = int32(d.attempt), d.rule.Trigger.Step
		users[i], invitations[i] = nullText(d.target.userID), nullText(d.target.invitationID)
	}
	rows, err := tx.SQL().QueryContext(ctx, `
		INSERT INTO nudge_sends (rule_id, organization_id, person, attempt, outcome, decided_at, user_id, invitation_id, step)
		SELECT r::uuid, o::uuid, decode(p, 'hex'), a, oc, $1, NULLIF(u, '')::uuid, NULLIF(i, '')::uuid, NULLIF(st, '')
		FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[])
		     AS d(r, o, p, a, oc, u, i, st)
		ON CONFLICT DO NOTHING
		RETURNING rule_id, organization_id, encode(person, 'hex'), attempt`,
		now, rules, orgs, people, attempts, outcomes, users, invitations, steps)
	if err != nil {
		return nil, fmt.Errorf("record nudge decisions: %w", err)
	}
	defer rows.Close()
	type key struct {
		rule, org uuid.UUID
		person    string
		attempt   int
	}
	written := map[key]bool{}
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.rule, &k.org, &k.person, &k.attempt); err != nil {
			return nil, fmt.Errorf("record nudge decisions: %w", err)
		}
		written[k] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("record nudge decisions: %w", err)
	}
	out := make([]bool, n)
	for i, d := range ds {
		out[i] = written[key{d.rule.id, d.target.orgID, people[i], d.attempt}]
	}
	return out, nil
}

type memberKey struct{ org, user uuid.UUID }

// currentMembers is which of ds's people with an account are still
// members of their company and not erased, their rows share-locked until
// tx ends.
func (s store) currentMembers(ctx context.Context, tx *database.Tx, ds []decision) (map[memberKey]bool, error) {
	var orgs, users []string
	for _, d := range ds {
		if d.target.userID.Valid {
			orgs, users = append(orgs, d.target.orgID.String()), append(users, d.target.userID.UUID.String())
		}
	}
	out := map[memberKey]bool{}
	if len(users) == 0 {
		return out, nil
	}
	rows, err := tx.SQL().QueryContext(ctx, `
		SELECT m.organization_id, m.user_id
		FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE (m.organization_id, m.user_id) IN (SELECT o::uuid, p::uuid FROM unnest($1::text[], $2::text[]) AS x(o, p))
		  AND u.erased_at IS NULL
		FOR SHARE OF m, u`, orgs, users)
	if err != nil {
		return nil, fmt.Errorf("check the people to nudge are still members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k memberKey
		if err := rows.Scan(&k.org, &k.user); err != nil {
			return nil, fmt.Errorf("check the people to nudge are still members: %w", err)
		}
		out[k] = true
	}
	return out, rows.Err()
}

// deleteDecision takes back d, written earlier in tx.
func (s store) deleteDecision(ctx context.Context, tx *database.Tx, d decision) error {
	_, err := tx.SQL().ExecContext(ctx, `
		DELETE FROM nudge_sends WHERE rule_id = $1 AND organization_id = $2 AND person = $3 AND attempt = $4`,
		d.rule.id, d.target.orgID, d.target.person, d.attempt)
	if err != nil {
		return fmt.Errorf("take back a nudge decision: %w", err)
	}
	return nil
}

func nullText(id uuid.NullUUID) string {
	if !id.Valid {
		return ""
	}
	return id.UUID.String()
}
