package account

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/database"
)

// Tokens is what signup, login, refresh and invitation acceptance return.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"` // seconds
}

// startSession opens a new refresh-token family for the user in the given
// organization (uuid.Nil for a staff user without one) and mints the pair.
func (s *Service) startSession(ctx context.Context, tx *database.Tx, user User, orgID uuid.UUID, role string) (Tokens, error) {
	return s.issuePair(ctx, tx, user, orgID, role, uuid.Must(uuid.NewV7()))
}

// issuePair stores a new refresh token in family and mints an access token.
func (s *Service) issuePair(ctx context.Context, tx *database.Tx, user User, orgID uuid.UUID, role string, family uuid.UUID) (Tokens, error) {
	refresh, hash := newSecret()
	row := RefreshToken{
		ID:        uuid.Must(uuid.NewV7()),
		FamilyID:  family,
		UserID:    user.ID,
		TokenHash: hash,
		ExpiresAt: s.now().Add(RefreshTokenTTL),
		CreatedAt: s.now(),
	}
	if orgID != uuid.Nil {
		row.OrganizationID = &orgID
	}
	if err := tx.WithContext(ctx).Create(&row).Error; err != nil {
		return Tokens{}, fmt.Errorf("store refresh token: %w", err)
	}
	// The access token names its session (the family): it works while the
	// family has a refresh token that is not revoked, so ending the session
	// ends the access tokens minted in it.
	access, ttl, err := s.signer.Issue(auth.Principal{UserID: user.ID, OrgID: orgID, Role: role, Staff: user.IsStaff, SessionID: family})
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer", ExpiresIn: int(ttl.Seconds())}, nil
}
