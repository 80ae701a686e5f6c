package account

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// LoginInput is a sign-in attempt. OrganizationID picks among the user's
// memberships; nil takes the oldest one. ClientIP is who is signing in,
// for the failure limits.
type LoginInput struct {
	Email          string
	Password       string
	OrganizationID *uuid.UUID
	ClientIP       string
}

// One answer for an unknown email and a wrong password: which one it was
// is not told.
var errBadCredentials = apperr.Unauthorized("invalid email or password")

// Login checks the password and opens a session. Failed attempts are
// limited per (email, client) and per client, known emails or not
// (loginlimit.go).
func (s *Service) Login(ctx context.Context, in LoginInput) (Session, error) {
	email := NormalizeEmail(in.Email)
	var v apperr.Validator
	checkEmail(&v, "email", email)
	v.Check(in.Password != "", "password", "is required")
	// No stored password is longer; refusing early keeps huge inputs away
	// from the hash function.
	v.Check(utf8.RuneCountInString(in.Password) <= MaxPasswordLen, "password", "must be at most 128 characters")
	if err := v.Err(); err != nil {
		return Session{}, err
	}
	// The attempt counts as a failure until the password checks out.
	attempt, err := s.takeLoginAttempt(ctx, email, in.ClientIP)
	if err != nil {
		return Session{}, err
	}
	var user User
	err = s.db.Gorm.WithContext(ctx).Where("email = ?", email).Take(&user).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return Session{}, fmt.Errorf("login: find user: %w", err)
	}
	// An unknown email is checked against a dummy hash: same cost, same answer.
	ok, err := s.passwords.Check(ctx, user.PasswordHash, in.Password)
	if err != nil {
		return Session{}, fmt.Errorf("login: %w", err)
	}
	if !ok {
		return Session{}, errBadCredentials
	}
	if err := s.loginSucceeded(ctx, attempt); err != nil {
		return Session{}, err
	}

	var session Session
	err = s.db.InTx(ctx, func(tx *database.Tx) error {
		// An erasure that committed since the password was checked leaves a
		// tombstone no session may open on; the share lock waits for one in
		// progress.
		var still []uuid.UUID
		if err := tx.WithContext(ctx).Model(&User{}).Clauses(clause.Locking{Strength: "SHARE"}).Select("id").
			Where("id = ? AND erased_at IS NULL AND password_hash = ?", user.ID, user.PasswordHash).Find(&still).Error; err != nil {
			return fmt.Errorf("recheck user: %w", err)
		}
		if len(still) == 0 {
			return errBadCredentials
		}
		m, err := s.pickMembership(ctx, tx, user.ID, in.OrganizationID)
		if err != nil {
			return err
		}
		session, err = s.openSession(ctx, tx, user, m, uuid.Nil)
		return err
	})
	if err != nil {
		return Session{}, fmt.Errorf("login: %w", err)
	}
	return session, nil
}

// pickMembership is the membership a new session is bound to: the asked-for
// organization, else the oldest membership; nil when the user has none
// (a staff user, or someone removed from every organization).
func (s *Service) pickMembership(ctx context.Context, tx *database.Tx, userID uuid.UUID, orgID *uuid.UUID) (*Membership, error) {
	q := tx.WithContext(ctx).Where("user_id = ?", userID)
	if orgID != nil {
		q = q.Where("organization_id = ?", *orgID)
	}
	var m Membership
	err := q.Order("joined_at, organization_id").Take(&m).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound) && orgID != nil:
		// Another tenant's organization is not found, whether it exists or not.
		return nil, apperr.NotFound("organization")
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("find membership: %w", err)
	}
	return &m, nil
}

// openSession mints a token pair for user in m's organization (none when m
// is nil), in refresh-token family (a new family when uuid.Nil).
func (s *Service) openSession(ctx context.Context, tx *database.Tx, user User, m *Membership, family uuid.UUID) (Session, error) {
	session := Session{User: user}
	orgID := uuid.Nil
	if m != nil {
		org, err := s.organization(ctx, tx, m.OrganizationID)
		if err != nil {
			return Session{}, err
		}
		session.Organization, session.Role, orgID = &org, m.Role, org.ID
	}
	if family == uuid.Nil {
		family = uuid.Must(uuid.NewV7())
	}
	tokens, err := s.issuePair(ctx, tx, user, orgID, session.Role, family)
	if err != nil {
		return Session{}, err
	}
	session.Tokens = tokens
	return session, nil
}

var errBadRefreshToken = apperr.Unauthorized("the refresh token is invalid, expired or revoked; sign in again")

// Refresh rotates a refresh token: it answers a new pair in the same
// family and the presented token stops working. Presenting a token that
// was already rotated means it was copied: the whole family is revoked, so
// neither the thief nor the user can go on with it.
func (s *Service) Refresh(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, apperr.InvalidField("refresh_token", "is required")
	}
	var (
		session Session
		reused  *RefreshToken
	)
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		// The row lock makes racing refreshes of one token take turns: the
		// second sees the token rotated and revokes the family.
		var rt RefreshToken
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("token_hash = ?", hashSecret(token)).Take(&rt).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return errBadRefreshToken
		}
		if err != nil {
			return fmt.Errorf("find refresh token: %w", err)
		}
		now := s.now()
		switch {
		case rt.RevokedAt != nil || !now.Before(rt.ExpiresAt):
			return errBadRefreshToken
		case rt.RotatedAt != nil:
			reused = &rt
			return s.revokeFamily(ctx, tx, rt.FamilyID)
		}
		user, err := s.user(ctx, tx, rt.UserID)
		if err != nil {
			return err
		}
		var m *Membership
		if rt.OrganizationID != nil {
			if m, err = s.pickMembership(ctx, tx, user.ID, rt.OrganizationID); err != nil {
				if apperr.Is(err, apperr.CodeNotFound) { // removed from the organization since
					return errBadRefreshToken
				}
				return err
			}
		}
		if err := tx.Model(&rt).Update("rotated_at", now).Error; err != nil {
			return fmt.Errorf("rotate refresh token: %w", err)
		}
		session, err = s.openSession(ctx, tx, user, m, rt.FamilyID)
		return err
	})
	if err != nil {
		return Session{}, fmt.Errorf("refresh: %w", err)
	}
	if reused != nil {
		s.log.Warn("rotated refresh token reused: session family revoked",
			"user_id", reused.UserID.String(), "family_id", reused.FamilyID.String())
		return Session{}, errBadRefreshToken
	}
	return session, nil
}

// revokeFamily ends a session: every token of the family stops working.
func (s *Service) revokeFamily(ctx context.Context, tx *database.Tx, family uuid.UUID) error {
	err := tx.WithContext(ctx).Model(&RefreshToken{}).Where("family_id = ? AND revoked_at IS NULL", family).
		Update("revoked_at", s.now()).Error
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// Logout ends the session the refresh token belongs to, if it is the
// caller's; anything else is quietly ignored (logging out is idempotent).
func (s *Service) Logout(ctx context.Context, userID uuid.UUID, token string) error {
	if token == "" {
		return apperr.InvalidField("refresh_token", "is required")
	}
	err := s.db.Gorm.WithContext(ctx).Exec(`
		UPDATE refresh_tokens SET revoked_at = ?
		 WHERE revoked_at IS NULL
		   AND family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = ? AND user_id = ?)`,
		s.now(), hashSecret(token), userID).Error
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}
