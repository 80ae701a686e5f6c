package account

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
)

// SeatPolicy decides whether an organization may take one more person
// (an invitation). Every seat check goes through it: billing implements it
// with the subscription's seat count; FreeSeats applies before billing.
type SeatPolicy interface {
	// CheckSeat returns nil when one more seat may be taken, or an
	// apperr conflict "seats_exhausted". tx is the caller's transaction,
	// in which the organization row is already locked.
	CheckSeat(ctx context.Context, tx *database.Tx, orgID uuid.UUID) error
}

// FreeSeats lets every invitation through: seats are free until the
// organization has a subscription.
type FreeSeats struct{}

func (FreeSeats) CheckSeat(context.Context, *database.Tx, uuid.UUID) error { return nil }

// SeatsUsed is the organization's members plus its open, unexpired
// invitations: each holds a seat.
func SeatsUsed(ctx context.Context, h database.Handle, orgID uuid.UUID) (int, error) {
	var n int64
	err := h.Query(ctx).Raw(`
		SELECT (SELECT count(*) FROM memberships WHERE organization_id = ?)
		     + (SELECT count(*) FROM invitations
		         WHERE organization_id = ? AND accepted_at IS NULL
		           AND revoked_at IS NULL AND expires_at > now())`, orgID, orgID).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count seats used: %w", err)
	}
	return int(n), nil
}

// PendingInvitations counts the organization's open, unexpired invitations.
func (s *Service) PendingInvitations(ctx context.Context, orgID uuid.UUID) (int, error) {
	var n int64
	err := s.db.Gorm.WithContext(ctx).Model(&Invitation{}).
		Where("organization_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?", orgID, s.now()).
		Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count pending invitations: %w", err)
	}
	return int(n), nil
}
