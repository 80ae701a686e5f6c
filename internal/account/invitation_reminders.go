package account

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// invitationAcceptPath is the page an invitation's links open.
const invitationAcceptPath = "accept-invitation"

// InvitationReminderLink mints a new accept link for a pending invitation
// of the organization, for a reminder email sent in tx: the link accepts
// the invitation as the first email's does, and a newer reminder's
// replaces it (the first email's keeps working). Once the invitation is
// accepted, revoked or expired, no link of it works. Only the token's hash
// is stored, and only if tx commits.
//
// It takes the invitation's row lock (as any UPDATE does) until tx ends:
// a caller that also locks the organization must lock it first, as
// accepting does. 404 when the organization has no such invitation, 409
// invitation_not_pending when it is no longer pending; it never extends
// the invitation's expiry.
func (s *Service) InvitationReminderLink(ctx context.Context, tx *database.Tx, orgID, invitationID uuid.UUID) (string, error) {
	token, hash := newSecret()
	res := tx.WithContext(ctx).Model(&Invitation{}).
		Where("id = ? AND organization_id = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?", invitationID, orgID, s.now()).
		Update("reminder_token_hash", hash)
	if res.Error != nil {
		return "", fmt.Errorf("store invitation reminder token: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return s.link(invitationAcceptPath, token), nil
	}
	var n int64
	if err := tx.WithContext(ctx).Model(&Invitation{}).Where("id = ? AND organization_id = ?", invitationID, orgID).Count(&n).Error; err != nil {
		return "", fmt.Errorf("find invitation: %w", err)
	}
	if n == 0 {
		return "", apperr.NotFound("invitation")
	}
	return "", apperr.Conflict("invitation_not_pending", "this invitation was accepted or revoked, or has expired: it needs no reminder")
}
