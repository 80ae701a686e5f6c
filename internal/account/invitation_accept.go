package account

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
)

// AcceptInput accepts an invitation: either as a new user (FullName and
// Password, and Locale: nil for the invitation's own) or as the signed-in
// user UserID (nothing else). Token is the invitation's or its latest
// reminder's.
type AcceptInput struct {
	Token    string
	FullName string
	Password string
	Locale   *string
	UserID   uuid.UUID // uuid.Nil: a new user
}

var errBadInvitationToken = apperr.InvalidField("token", "is invalid, already used, revoked or expired")

// AcceptInvitation makes the invitee a member and opens their session in
// the organization. Accepting proves the invitee reads the invited address,
// so it counts as verified.
func (s *Service) AcceptInvitation(ctx context.Context, in AcceptInput) (Session, error) {
	in.FullName = strings.TrimSpace(in.FullName)
	newUser := in.UserID == uuid.Nil
	var v apperr.Validator
	v.Check(in.Token != "", "token", "is required")
	if newUser {
		checkName(&v, "full_name", in.FullName, 200)
		checkPassword(&v, "password", in.Password)
		checkOptionalLocale(&v, in.Locale)
	} else {
		v.Check(in.FullName == "", "full_name", "must be omitted when accepting as a signed-in user")
		v.Check(in.Password == "", "password", "must be omitted when accepting as a signed-in user")
		v.Check(in.Locale == nil, "locale", "must be omitted when accepting as a signed-in user (change it with PATCH /v1/me)")
	}
	if err := v.Err(); err != nil {
		return Session{}, err
	}
	var passwordHash string
	if newUser {
		var err error
		if passwordHash, err = s.passwords.Hash(ctx, in.Password); err != nil {
			return Session{}, fmt.Errorf("accept invitation: %w", err)
		}
	}
	var session Session
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		now := s.now()
		// The organization first, then the invitation, as every change to
		// an organization's memberships and onboarding takes them: the
		// membership's trigger updates the organization's onboarding row,
		// which event batches and invitations reach through the
		// organization's lock.
		var inv Invitation
		hash := hashSecret(in.Token)
		err := tx.Where("token_hash = ? OR reminder_token_hash = ?", hash, hash).Take(&inv).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return errBadInvitationToken
		}
		if err != nil {
			return fmt.Errorf("find invitation: %w", err)
		}
		if err := tx.LockOrganization(ctx, inv.OrganizationID); err != nil {
			if apperr.Is(err, apperr.CodeNotFound) {
				return errBadInvitationToken
			}
			return err
		}
		err = tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", inv.ID).Take(&inv).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return errBadInvitationToken // revoked with its organization meanwhile
		}
		if err != nil {
			return fmt.Errorf("lock invitation: %w", err)
		}
		if inv.Status(now) != "pending" {
			return errBadInvitationToken
		}
		var user User
		if newUser {
			// They read the invitation, in its language, unless they say
			// otherwise.
			locale := inv.Locale
			if in.Locale != nil {
				locale = *in.Locale
			}
			user = User{ID: uuid.Must(uuid.NewV7()), Email: inv.Email, FullName: in.FullName, PasswordHash: passwordHash,
				Locale: &locale, EmailVerifiedAt: &now, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&user).Error; err != nil {
				if database.IsUniqueViolation(err, "users_email_key") {
					return apperr.Conflict("email_taken", "an account with this email already exists; sign in and accept the invitation with your access token")
				}
				return fmt.Errorf("create user: %w", err)
			}
		} else {
			if user, err = s.user(ctx, tx, in.UserID); err != nil {
				return err
			}
			if user.Email != inv.Email {
				return &apperr.Error{Code: apperr.CodeForbidden, Reason: "invitation_email_mismatch",
					Message: "this invitation was sent to another email address than the one you are signed in with"}
			}
			if err := s.markVerified(ctx, tx, user.ID); err != nil {
				return err
			}
			user.EmailVerifiedAt = &now
		}
		m := Membership{OrganizationID: inv.OrganizationID, UserID: user.ID, Role: inv.Role, JoinedAt: now}
		if err := tx.Create(&m).Error; err != nil {
			if database.IsUniqueViolation(err, "memberships_pkey") {
				return apperr.Conflict("already_member", "you are already a member of this organization")
			}
			return fmt.Errorf("create membership: %w", err)
		}
		if err := tx.Model(&inv).Updates(map[string]any{"accepted_at": now, "accepted_by": user.ID}).Error; err != nil {
			return fmt.Errorf("mark invitation accepted: %w", err)
		}
		if err := s.recordEvent(ctx, tx, inv.OrganizationID, serverevent.MemberJoined, user.ID,
			map[string]any{"invitation_id": inv.ID.String(), "role": inv.Role}); err != nil {
			return fmt.Errorf("record member joined event: %w", err)
		}
		session, err = s.openSession(ctx, tx, user, &m, uuid.Nil)
		return err
	})
	if err != nil {
		return Session{}, fmt.Errorf("accept invitation: %w", err)
	}
	return session, nil
}
