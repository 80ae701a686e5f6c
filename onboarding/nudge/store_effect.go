package nudge

import (
	"context"
	"fmt"
	"time"

	"github.com/onramp/onramp/internal/database"
)

// goalReached is, per trigger type, when the goal of a first decision f
// was reached (NULL: not yet), from the rows that keep it: the
// invitation's acceptance, the member's or the company's progress on the
// step the rule named then, the company's first payment.
var goalReached = map[string]string{
	InvitationPending: `(SELECT i.accepted_at FROM invitations i WHERE i.id = f.invitation_id)`,
	MemberStepPending: `(SELECT (m.progress->f.step->>'completed_at')::timestamptz FROM onboarding_members m
	                     WHERE m.organization_id = f.organization_id AND m.user_id = f.user_id)`,
	OrganizationStepPending: `(SELECT (o.progress->f.step->>'completed_at')::timestamptz FROM onboarding_organizations o
	                           WHERE o.organization_id = f.organization_id)`,
	TrialEnding: `(SELECT o.paid_at FROM onboarding_organizations o WHERE o.organization_id = f.organization_id)`,
}

// effectCounts counts r's first decisions in [from, to) by outcome, and
// those followed by the goal within the conversion window.
func (s store) effectCounts(ctx context.Context, q database.Querier, r Rule, from, to time.Time) (effectCounts, error) {
	reached, ok := goalReached[r.Trigger.Type]
	if !ok {
		return effectCounts{}, fmt.Errorf("nudge %q: unknown trigger %q", r.Key, r.Trigger.Type)
	}
	var c effectCounts
	err := q.QueryRowContext(ctx, `
		WITH first AS (
		    SELECT f.outcome, f.decided_at, `+reached+` AS reached_at
		    FROM nudge_sends f
		    WHERE f.rule_id = $1 AND f.attempt = 1 AND f.decided_at >= $2 AND f.decided_at < $3)
		SELECT count(*) FILTER (WHERE outcome = 'sent'), count(*) FILTER (WHERE outcome = 'held_out'),
		       count(*) FILTER (WHERE outcome = 'sent' AND reached_at <= decided_at + $4::interval),
		       count(*) FILTER (WHERE outcome = 'held_out' AND reached_at <= decided_at + $4::interval)
		FROM first`, r.id, from, to, fmt.Sprintf("%d seconds", int(conversionWindow.Seconds()))).
		Scan(&c.sent, &c.heldOut, &c.convertedSent, &c.convertedHeldOut)
	if err != nil {
		return effectCounts{}, fmt.Errorf("count the effect of nudge %q: %w", r.Key, err)
	}
	return c, nil
}
