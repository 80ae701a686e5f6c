package nudge

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
)

// target is one person a rule's trigger names: who they are, where to
// write, and what the guardrails need.
type target struct {
	candidate
	orgID        uuid.UUID
	orgName      string
	userID       uuid.NullUUID // zero for an invitee
	invitationID uuid.NullUUID // set for an invitee
	email        string
	fullName     string
	locale       string
}

// sequenceGraceDays is how long after its last planned reminder a rule
// still considers someone: the cap, quiet hours and weekends may push a
// reminder back, but a reminder weeks late is no longer the one the rule
// meant.
const sequenceGraceDays = 14

// candidateQueries holds, per trigger type, the people it names: one
// statement each, reading the rows its trigger is about by an index on
// their time (joined, signed up, invited, trial end) and never the events
// table. Every statement yields the columns of targetColumns, and takes $1
// rule id, $2 the start of the cap's 7 days, $3 the trigger's earliest
// time, $4 its latest (now - after_days; for trial_ending, now +
// after_days), then the step triggers $5 the step and $6 the rule's
// audience roles, invitation_pending $5 the roles and $6 now, trial_ending
// $5 the roles (targets).
//
// member_step_pending's step is MATERIALIZED: inlined, the planner takes
// its audience tests (jsonb) for a filter that keeps under 1 % of
// companies, starts from them and walks every membership (2.2 s at
// 1 000 000 members, bench/nudges); fenced, it starts from the members who
// joined in the window (0.6 s).
var candidateQueries = map[string]string{
	MemberStepPending: `
		WITH step AS MATERIALIZED (
		    SELECT v.version, coalesce(s->'audience'->'roles', '[]') AS roles, coalesce(s->'audience'->'plans', '[]') AS plans
		    FROM onboarding_versions v, jsonb_array_elements(v.steps) s
		    WHERE s->>'key' = $5 AND s->>'scope' = 'member'),
		c AS (
		    SELECT m.organization_id, o.name AS org_name, o.billing_status, m.user_id, NULL::uuid AS invitation_id,
		           u.email, u.full_name, u.locale, u.time_zone, sha256(convert_to(u.email, 'UTF8')) AS person,
		           EXISTS (SELECT 1 FROM onboarding_dismissals d WHERE d.organization_id = m.organization_id AND d.user_id = m.user_id) AS done
		    FROM onboarding_members m
		    JOIN onboarding_organizations oo ON oo.organization_id = m.organization_id
		    JOIN step ON step.version = oo.version
		    JOIN memberships ms ON ms.organization_id = m.organization_id AND ms.user_id = m.user_id
		    JOIN users u ON u.id = m.user_id
		    JOIN organizations o ON o.id = m.organization_id
		    WHERE m.left_at IS NULL AND m.joined_at > $3 AND m.joined_at <= $4
		      AND NOT m.completed_steps @> ARRAY[$5::text] AND NOT coalesce(m.progress->$5 ? 'skipped_at', false)
		      AND (cardinality($6::text[]) = 0 OR ms.role = ANY($6::text[]))
		      AND (jsonb_array_length(step.roles) = 0 OR step.roles ? ms.role)
		      AND (jsonb_array_length(step.plans) = 0 OR step.plans ? oo.plan_id)
		      AND u.erased_at IS NULL)`,
	OrganizationStepPending: `
		WITH step AS (
		    SELECT v.version, coalesce(s->'audience'->'roles', '[]') AS roles, coalesce(s->'audience'->'plans', '[]') AS plans
		    FROM onboarding_versions v, jsonb_array_elements(v.steps) s
		    WHERE s->>'key' = $5 AND coalesce(s->>'scope', 'organization') = 'organization'),
		c AS (
		    SELECT oo.organization_id, o.name AS org_name, o.billing_status, ms.user_id, NULL::uuid AS invitation_id,
		           u.email, u.full_name, u.locale, u.time_zone, sha256(convert_to(u.email, 'UTF8')) AS person,
		           EXISTS (SELECT 1 FROM onboarding_dismissals d WHERE d.organization_id = oo.organization_id AND d.user_id = ms.user_id) AS done
		    FROM onboarding_organizations oo
		    JOIN step ON step.version = oo.version
		    JOIN memberships ms ON ms.organization_id = oo.organization_id AND ms.role IN ('owner', 'admin')
		    JOIN users u ON u.id = ms.user_id
		    JOIN organizations o ON o.id = oo.organization_id
		    WHERE oo.signed_up_at > $3 AND oo.signed_up_at <= $4
		      AND NOT oo.completed_steps @> ARRAY[$5::text] AND NOT coalesce(oo.progress->$5 ? 'skipped_at', false)
		      AND (cardinality($6::text[]) = 0 OR ms.role = ANY($6::text[]))
		      AND (jsonb_array_length(step.roles) = 0 OR step.roles ? ms.role)
		      AND (jsonb_array_length(step.plans) = 0 OR step.plans ? oo.plan_id)
		      AND u.erased_at IS NULL)`,
	InvitationPending: `
		WITH c AS (
		    SELECT i.organization_id, o.name AS org_name, o.billing_status, NULL::uuid AS user_id, i.id AS invitation_id,
		           i.email, '' AS full_name, i.locale, NULL::text AS time_zone, sha256(convert_to(i.email, 'UTF8')) AS person,
		           false AS done
		    FROM invitations i
		    JOIN organizations o ON o.id = i.organization_id
		    WHERE i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $6
		      AND i.created_at > $3 AND i.created_at <= $4
		      AND (cardinality($5::text[]) = 0 OR i.role = ANY($5::text[])))`,
	TrialEnding: `
		WITH c AS (
		    SELECT DISTINCT ON (s.organization_id, ms.user_id)
		           s.organization_id, o.name AS org_name, o.billing_status, ms.user_id, NULL::uuid AS invitation_id,
		           u.email, u.full_name, u.locale, u.time_zone, sha256(convert_to(u.email, 'UTF8')) AS person,
		           EXISTS (SELECT 1 FROM onboarding_dismissals d WHERE d.organization_id = s.organization_id AND d.user_id = ms.user_id) AS done
		    FROM subscriptions s
		    JOIN onboarding_organizations oo ON oo.organization_id = s.organization_id AND oo.paid_at IS NULL
		    JOIN memberships ms ON ms.organization_id = s.organization_id AND ms.role IN ('owner', 'admin')
		    JOIN users u ON u.id = ms.user_id
		    JOIN organizations o ON o.id = s.organization_id
		    WHERE s.status = 'trialing' AND s.trial_end > $3 AND s.trial_end <= $4
		      AND (cardinality($5::text[]) = 0 OR ms.role = ANY($5::text[]))
		      AND u.erased_at IS NULL
		    ORDER BY s.organization_id, ms.user_id)`,
}

// targetColumns reads what every candidate query's c holds, with this
// rule's history for each person, their sends in the cap's window and
// their opt-out.
const targetColumns = `
	SELECT c.organization_id, c.org_name, c.billing_status, c.user_id, c.invitation_id, c.email, c.full_name,
	       coalesce(c.locale, ''), coalesce(c.time_zone, ''), c.person, c.done,
	       coalesce(h.sends, 0), h.last_sent, coalesce(h.held_out, false), coalesce(r.recent, 0),
	       EXISTS (SELECT 1 FROM notification_opt_outs oo WHERE oo.email_hash = c.person AND oo.category = 'onboarding_tips') -- unsubscribe.OnboardingTips
	FROM c
	LEFT JOIN LATERAL (
	    SELECT count(*) FILTER (WHERE ns.outcome = 'sent') AS sends,
	           max(ns.decided_at) FILTER (WHERE ns.outcome = 'sent') AS last_sent,
	           bool_or(ns.outcome = 'held_out') AS held_out
	    FROM nudge_sends ns
	    WHERE ns.rule_id = $1 AND ns.organization_id = c.organization_id AND ns.person = c.person) h ON true
	LEFT JOIN LATERAL (
	    SELECT count(*) AS recent FROM nudge_sends ns
	    WHERE ns.person = c.person AND ns.outcome = 'sent' AND ns.decided_at > $2) r ON true
	ORDER BY c.organization_id, c.person`

// targets lists the people rule r names at now.
func (s store) targets(ctx context.Context, q database.Querier, r Rule, now time.Time) ([]target, error) {
	query, ok := candidateQueries[r.Trigger.Type]
	if !ok {
		return nil, fmt.Errorf("nudge %q: unknown trigger %q", r.Key, r.Trigger.Type)
	}
	earliest, latest := r.window(now)
	args := []any{r.id, now.AddDate(0, 0, -7), earliest, latest}
	switch r.Trigger.Type {
	case MemberStepPending, OrganizationStepPending:
		args = append(args, r.Trigger.Step, r.Audience.Roles)
	case InvitationPending:
		args = append(args, r.Audience.Roles, now)
	default:
		args = append(args, r.Audience.Roles)
	}
	rows, err := q.QueryContext(ctx, query+targetColumns, args...)
	if err != nil {
		return nil, fmt.Errorf("list the people nudge %q names: %w", r.Key, err)
	}
	defer rows.Close()
	var out []target
	for rows.Next() {
		var t target
		var lastSent *time.Time
		if err := rows.Scan(&t.orgID, &t.orgName, &t.billingStatus, &t.userID, &t.invitationID, &t.email, &t.fullName,
			&t.locale, &t.timeZone, &t.person, &t.done, &t.sends, &lastSent, &t.heldOut, &t.recentSends, &t.optedOut); err != nil {
			return nil, fmt.Errorf("read a person nudge %q names: %w", r.Key, err)
		}
		if lastSent != nil {
			t.lastSent = *lastSent
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// window is when the trigger's time must fall for r to consider someone
// at now: after_days ago at the latest, and no earlier than the rule's
// whole sequence of reminders (and a grace) before that. For
// trial_ending, the trial's end within after_days from now.
func (r Rule) window(now time.Time) (earliest, latest time.Time) {
	if r.Trigger.Type == TrialEnding {
		return now, now.AddDate(0, 0, r.Trigger.AfterDays)
	}
	latest = now.AddDate(0, 0, -r.Trigger.AfterDays)
	return latest.AddDate(0, 0, -(r.EveryDays*(r.MaxSends-1) + sequenceGraceDays)), latest
}
