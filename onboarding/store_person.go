package onboarding

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
)

// The SQL of a person's export and erasure (person.go). Their events are
// read organization by organization (the organizations they have a member
// row in, which stays after they leave), each through the events' primary
// key (organization_id, id): the events table has no index on user_id and
// is never scanned whole.

// personOrganizations lists the organizations the person has or had a
// member row or a dismissal in, in id order.
func (s *store) personOrganizations(ctx context.Context, q database.Querier, userID uuid.UUID) ([]string, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT organization_id::text FROM onboarding_members WHERE user_id = $1
		UNION
		SELECT organization_id::text FROM onboarding_dismissals WHERE user_id = $1
		ORDER BY 1`, userID)
	if err != nil {
		return nil, fmt.Errorf("find the person's organizations: %w", err)
	}
	defer rows.Close()
	orgs := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find the person's organizations: %w", err)
		}
		orgs = append(orgs, id)
	}
	return orgs, rows.Err()
}

// personMembers reads the person's member rows with their dismissals,
// per-name event counts and active weeks.
func (s *store) personMembers(ctx context.Context, q database.Querier, userID uuid.UUID) ([]PersonMember, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT m.organization_id, m.joined_at, m.left_at, m.first_step_at, m.last_active_at, d.dismissed_at, m.progress,
		       COALESCE((SELECT jsonb_object_agg(c.name, jsonb_build_object('count', c.count, 'first_at', c.first_at, 'last_at', c.last_at))
		                   FROM onboarding_member_event_counts c
		                  WHERE c.organization_id = m.organization_id AND c.user_id = m.user_id), '{}'),
		       COALESCE((SELECT jsonb_agg(jsonb_build_object('week', w.week, 'name', w.name) ORDER BY w.week, w.name)
		                   FROM onboarding_member_weeks w
		                  WHERE w.organization_id = m.organization_id AND w.user_id = m.user_id), '[]')
		  FROM onboarding_members m
		  LEFT JOIN onboarding_dismissals d ON d.organization_id = m.organization_id AND d.user_id = m.user_id
		 WHERE m.user_id = $1
		 ORDER BY m.joined_at, m.organization_id`, userID)
	if err != nil {
		return nil, fmt.Errorf("read the person's member rows: %w", err)
	}
	defer rows.Close()
	out := []PersonMember{}
	for rows.Next() {
		var m PersonMember
		var left, firstStep, lastActive, dismissed sql.NullTime
		var progress, counts, weeks []byte
		if err := rows.Scan(&m.OrganizationID, &m.JoinedAt, &left, &firstStep, &lastActive, &dismissed, &progress, &counts, &weeks); err != nil {
			return nil, fmt.Errorf("read the person's member rows: %w", err)
		}
		m.JoinedAt = m.JoinedAt.UTC()
		m.LeftAt, m.FirstStepAt, m.LastActiveAt, m.DismissedAt = timePtr(left), timePtr(firstStep), timePtr(lastActive), timePtr(dismissed)
		for _, part := range []struct {
			raw []byte
			v   any
		}{{progress, &m.Steps}, {counts, &m.EventCounts}, {weeks, &m.ActiveWeeks}} {
			if err := json.Unmarshal(part.raw, part.v); err != nil {
				return nil, fmt.Errorf("read the person's member rows: %w", err)
			}
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// personEvents reads the person's events in orgs, oldest first.
func (s *store) personEvents(ctx context.Context, q database.Querier, orgs []string, userID uuid.UUID) ([]PersonEvent, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT organization_id, id, name, source, sent_at, occurred_at, received_at, properties
		  FROM onboarding_events
		 WHERE organization_id = ANY($1::uuid[]) AND user_id = $2
		 ORDER BY occurred_at, organization_id, id`, orgs, userID)
	if err != nil {
		return nil, fmt.Errorf("read the person's events: %w", err)
	}
	defer rows.Close()
	out := []PersonEvent{}
	for rows.Next() {
		var e PersonEvent
		var props []byte
		if err := rows.Scan(&e.OrganizationID, &e.ID, &e.Name, &e.Source, &e.Timestamp, &e.OccurredAt, &e.ReceivedAt, &props); err != nil {
			return nil, fmt.Errorf("read the person's events: %w", err)
		}
		e.Timestamp, e.OccurredAt, e.ReceivedAt = e.Timestamp.UTC(), e.OccurredAt.UTC(), e.ReceivedAt.UTC()
		e.Properties = props
		out = append(out, e)
	}
	return out, rows.Err()
}

// erasePerson anonymizes the person's events in orgs (no author, no
// properties: the company's counts of them stay right), takes their id off
// the organization steps they ticked or skipped (the ticks stay), and
// deletes their member rows (with their counts and weeks, by cascade) and
// dismissals.
func (s *store) erasePerson(ctx context.Context, tx *database.Tx, orgs []string, userID uuid.UUID) error {
	for _, st := range []struct{ what, query string }{
		{"anonymize events", `UPDATE onboarding_events SET user_id = NULL, properties = '{}'
			WHERE organization_id = ANY($1::uuid[]) AND user_id = $2`},
		{"unname organization progress", `UPDATE onboarding_organizations o
			SET progress = (SELECT jsonb_object_agg(p.key, p.value
			        - CASE WHEN p.value->>'completed_by' = $2::text THEN 'completed_by' ELSE '' END
			        - CASE WHEN p.value->>'skipped_by' = $2::text THEN 'skipped_by' ELSE '' END)
			    FROM jsonb_each(o.progress) AS p)
			WHERE o.organization_id = ANY($1::uuid[]) AND o.progress::text LIKE '%' || $2::text || '%'`},
		{"delete member rows", `DELETE FROM onboarding_members WHERE organization_id = ANY($1::uuid[]) AND user_id = $2`},
		{"delete dismissals", `DELETE FROM onboarding_dismissals WHERE organization_id = ANY($1::uuid[]) AND user_id = $2`},
		// Which reminders they got says which steps they had not taken.
		{"delete nudge decisions", `DELETE FROM nudge_sends WHERE organization_id = ANY($1::uuid[]) AND user_id = $2`},
	} {
		if _, err := tx.SQL().ExecContext(ctx, st.query, orgs, userID); err != nil {
			return fmt.Errorf("%s: %w", st.what, err)
		}
	}
	return nil
}

// deleteOrganizationEvents deletes every event of the organization, and
// their ids.
func (s *store) deleteOrganizationEvents(ctx context.Context, tx *database.Tx, orgID uuid.UUID) error {
	for _, table := range []string{"onboarding_events", "onboarding_event_ids"} {
		if _, err := tx.SQL().ExecContext(ctx, `DELETE FROM `+table+` WHERE organization_id = $1`, orgID); err != nil {
			return fmt.Errorf("delete the organization's events: %w", err)
		}
	}
	return nil
}
