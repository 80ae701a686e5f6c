package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/auth"
)

// The PM console's sessions are ordinary sign-in sessions (a refresh-token
// family): the browser keeps the refresh token in an HttpOnly cookie and
// the console never rotates it. So the console needs no session store of
// its own, the token is stored hashed like every refresh token, and every
// way a session ends (signing out, a password reset, a refresh token
// reused) ends the console's too.

// ErrNotStaff answers a sign-in to the console by someone who is not staff.
var ErrNotStaff = apperr.Forbidden("the console is for staff only")

// ConsoleSession is a staff user's signed-in console.
type ConsoleSession struct {
	User  User
	Token string // the refresh token the console's cookie carries
}

// ConsoleSignIn signs in through Login (its failure limits and lockout
// apply) and keeps the session only for staff: anyone else's is ended at
// once and they get ErrNotStaff.
func (s *Service) ConsoleSignIn(ctx context.Context, in LoginInput) (ConsoleSession, error) {
	session, err := s.Login(ctx, in)
	if err != nil {
		return ConsoleSession{}, err
	}
	if !session.User.IsStaff {
		if err := s.Logout(ctx, session.User.ID, session.RefreshToken); err != nil {
			return ConsoleSession{}, err
		}
		return ConsoleSession{}, ErrNotStaff
	}
	return ConsoleSession{User: session.User, Token: session.RefreshToken}, nil
}

// ConsoleAccess is the staff principal of a console cookie's token, with
// the staff flag and session as stored now (CurrentAccess): a token that
// was rotated, revoked or expired, or whose user is no longer staff, gets
// errAccessEnded.
func (s *Service) ConsoleAccess(ctx context.Context, token string) (auth.Principal, error) {
	if token == "" {
		return auth.Principal{}, errAccessEnded
	}
	var rt RefreshToken
	err := s.db.Gorm.WithContext(ctx).
		Where("token_hash = ? AND revoked_at IS NULL AND rotated_at IS NULL AND expires_at > ?", hashSecret(token), s.now()).
		Take(&rt).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return auth.Principal{}, errAccessEnded
	}
	if err != nil {
		return auth.Principal{}, fmt.Errorf("console access: %w", err)
	}
	p := auth.Principal{UserID: rt.UserID, SessionID: rt.FamilyID, Staff: true}
	if rt.OrganizationID != nil {
		p.OrgID = *rt.OrganizationID
	}
	p, err = s.CurrentAccess(ctx, p)
	if err != nil {
		return auth.Principal{}, err
	}
	if !p.Staff {
		return auth.Principal{}, errAccessEnded
	}
	return p, nil
}

// ConsoleSignOut ends the console session of token (quietly nothing for
// an unknown one).
func (s *Service) ConsoleSignOut(ctx context.Context, p auth.Principal, token string) error {
	if token == "" {
		return nil
	}
	return s.Logout(ctx, p.UserID, token)
}

// OrganizationsOwnedBy lists the organizations whose owner signs in with
// email, oldest first, for staff support (none for an unknown email).
func (s *Service) OrganizationsOwnedBy(ctx context.Context, email string) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := s.db.Gorm.WithContext(ctx).Model(&Membership{}).Select("memberships.organization_id").
		Joins("JOIN users u ON u.id = memberships.user_id").
		Where("u.email = ? AND memberships.role = ?", NormalizeEmail(email), RoleOwner).
		Order("memberships.joined_at, memberships.organization_id").Find(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("find owned organizations: %w", err)
	}
	return ids, nil
}
