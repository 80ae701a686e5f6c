package onboarding

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/serverevent"
)

// supportOrganization reads the organization and its milestones (404 when
// unknown), and whether member thresholds were part of its activation.
func (s *store) supportOrganization(ctx context.Context, orgID uuid.UUID) (o SupportOrganization, byMembers bool, err error) {
	var utm sql.NullString
	var checkout, paid, activated sql.NullTime
	err = s.db.SQL().QueryRowContext(ctx, `
		SELECT g.id, g.name, g.billing_status, g.utm_source, g.created_at, m.checkout_started_at, m.paid_at, m.activated_at,
		       m.activated_by_members
		FROM organizations g JOIN onboarding_organizations m ON m.organization_id = g.id
		WHERE g.id = $1`, orgID).
		Scan(&o.ID, &o.Name, &o.BillingStatus, &utm, &o.CreatedAt, &checkout, &paid, &activated, &byMembers)
	if errors.Is(err, sql.ErrNoRows) {
		return o, false, apperr.NotFound("organization")
	}
	if err != nil {
		return o, false, fmt.Errorf("read organization: %w", err)
	}
	if utm.Valid {
		o.UTMSource = &utm.String
	}
	o.CreatedAt = o.CreatedAt.UTC()
	o.CheckoutStartedAt, o.PaidAt, o.ActivatedAt = timePtr(checkout), timePtr(paid), timePtr(activated)
	return o, byMembers, nil
}

// supportEventCounts reads the organization's counter of each event name
// with how many current members sent events of it (and how many current
// members there are), in one pass over the organization's member counters
// (never the events table).
func (s *store) supportEventCounts(ctx context.Context, orgID uuid.UUID) ([]eventNameCount, error) {
	rows, err := s.db.SQL().QueryContext(ctx, `
		WITH senders AS (
			SELECT mc.name, count(*) AS n
			FROM onboarding_member_event_counts mc
			JOIN onboarding_members m ON m.organization_id = mc.organization_id AND m.user_id = mc.user_id AND m.left_at IS NULL
			WHERE mc.organization_id = $1
			GROUP BY mc.name)
		SELECT c.name, c.count, coalesce(s.n, 0), o.members_joined
		FROM onboarding_event_counts c LEFT JOIN senders s ON s.name = c.name
		JOIN onboarding_organizations o ON o.organization_id = c.organization_id
		WHERE c.organization_id = $1
		ORDER BY c.name`, orgID)
	if err != nil {
		return nil, fmt.Errorf("event counts: %w", err)
	}
	defer rows.Close()
	var out []eventNameCount
	for rows.Next() {
		var c eventNameCount
		if err := rows.Scan(&c.Name, &c.Count, &c.Senders, &c.Members); err != nil {
			return nil, fmt.Errorf("event counts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("event counts: %w", err)
	}
	return out, nil
}

// supportRecentEvents lists the organization's last limit server-side
// events received, without who caused them or their properties. With
// hideActivation, organization_activated is left out: its time would tell
// when members used the service.
func (s *store) supportRecentEvents(ctx context.Context, orgID uuid.UUID, hideActivation bool, limit int) ([]SupportEvent, error) {
	rows, err := s.db.SQL().QueryContext(ctx, `
		SELECT id, name, source, occurred_at, received_at
		FROM onboarding_events
		WHERE organization_id = $1 AND source = 'server' AND NOT ($2 AND name = $3)
		ORDER BY received_at DESC, id DESC LIMIT $4`, orgID, hideActivation, serverevent.OrganizationActivated, limit)
	if err != nil {
		return nil, fmt.Errorf("recent events: %w", err)
	}
	defer rows.Close()
	out := []SupportEvent{}
	for rows.Next() {
		var e SupportEvent
		if err := rows.Scan(&e.ID, &e.Name, &e.Source, &e.OccurredAt, &e.ReceivedAt); err != nil {
			return nil, fmt.Errorf("recent events: %w", err)
		}
		e.OccurredAt, e.ReceivedAt = e.OccurredAt.UTC(), e.ReceivedAt.UTC()
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recent events: %w", err)
	}
	return out, nil
}
