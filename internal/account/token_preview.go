package account

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// The account pages open an emailed link before its form is posted: they
// read what a token is for without using it up (mail scanners open links
// too), so a dead link is said at once rather than after typing a
// password.

// CheckEmailToken answers nil while token is an unused, unexpired token of
// purpose (PurposeVerifyEmail, PurposePasswordReset), and the same error
// as its use would otherwise. It changes nothing.
func (s *Service) CheckEmailToken(ctx context.Context, token, purpose string) error {
	if token == "" {
		return errBadEmailToken
	}
	var row EmailToken
	err := s.db.Query(ctx).Where("token_hash = ? AND purpose = ?", hashSecret(token), purpose).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return errBadEmailToken
	}
	if err != nil {
		return fmt.Errorf("find %s token: %w", purpose, err)
	}
	if row.UsedAt != nil || !s.now().Before(row.ExpiresAt) {
		return errBadEmailToken
	}
	return nil
}

// InvitationPreview is what the invitee may read before accepting: who
// invites them, and at which address.
type InvitationPreview struct {
	OrganizationName string
	Email            string
}

// PreviewInvitation tells a pending invitation's organization and address
// from its token (or its latest reminder's), and the same error as
// accepting would for any other. It changes nothing.
func (s *Service) PreviewInvitation(ctx context.Context, token string) (InvitationPreview, error) {
	if token == "" {
		return InvitationPreview{}, errBadInvitationToken
	}
	var inv Invitation
	hash := hashSecret(token)
	err := s.db.Query(ctx).Where("token_hash = ? OR reminder_token_hash = ?", hash, hash).Take(&inv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return InvitationPreview{}, errBadInvitationToken
	}
	if err != nil {
		return InvitationPreview{}, fmt.Errorf("find invitation: %w", err)
	}
	if inv.Status(s.now()) != "pending" {
		return InvitationPreview{}, errBadInvitationToken
	}
	org, err := s.organization(ctx, s.db, inv.OrganizationID)
	if err != nil {
		return InvitationPreview{}, err
	}
	return InvitationPreview{OrganizationName: org.Name, Email: inv.Email}, nil
}
