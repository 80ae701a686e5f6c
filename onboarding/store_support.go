package onboarding

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
)

// supportOrganization reads the organization and its milestones (404 when
// unknown).
func (s *store) supportOrganization(ctx context.Context, orgID uuid.UUID) (SupportOrganization, error) {
	var o SupportOrganization
	var utm sql.NullString
	var checkout, paid, activated sql.NullTime
	err := s.db.SQL().QueryRowContext(ctx, `
		SELECT g.id, g.name, g.billing_status, g.utm_source, g.created_at, m.checkout_started_at, m.paid_at, m.activated_at
		FROM organizations g JOIN onboarding_organizations m ON m.organization_id = g.id
		WHERE g.id = $1`, orgID).
		Scan(&o.ID, &o.Name, &o.BillingStatus, &utm, &o.CreatedAt, &checkout, &paid, &activated)
	if errors.Is(err, sql.ErrNoRows) {
		return o, apperr.NotFound("organization")
	}
	if err != nil {
		return o, fmt.Errorf("read organization: %w", err)
	}
	if utm.Valid {
		o.UTMSource = &utm.String
	}
	o.CreatedAt = o.CreatedAt.UTC()
	o.CheckoutStartedAt, o.PaidAt, o.ActivatedAt = timePtr(checkout), timePtr(paid), timePtr(activated)
	return o, nil
}
