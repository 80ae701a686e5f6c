package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/keyset"
	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/internal/serverevent"
)

// Invitation emails are limited so that nobody can flood an inbox through
// Onramp. Refused invitations do not count, and a hit counts only if its
// invitation commits.
const (
	// Per organization per hour: a team of a hundred is invited at once, a
	// larger company's first wave within a few hours (seats, not this,
	// bound a paying team), and an account made to spam sends little.
	invitationsPerOrgPerHour = 100
	// Per (organization, address) per day: enough to revoke and fix a
	// wrong role, and far from the 30 a second that one owner sent by
	// invite-revoke loops. Not shared between organizations: a shared
	// count would let any organization lock an address out of its real
	// employer's invitations, and its 429 would tell one organization that
	// another invited the address (who enrolled is private).
	invitationsPerAddressPerDay = 5
)

var errEmailUnverified = &apperr.Error{Code: apperr.CodeForbidden, Reason: "email_unverified",
	Message: "confirm your email address before inviting people: use the link we emailed you, or ask for a new one"}

// InviteInput asks someone to join with a role (member when empty), in a
// language: Locale when given ("en", "fr"), else the inviter's own, else
// RequestLocale (the request's Accept-Language, "" when it named neither),
// else DEFAULT_LOCALE.
type InviteInput struct {
	Email         string
	Role          string
	Locale        *string
	RequestLocale string
}

// Invite creates an invitation and emails its link. The organization row
// is locked while the seat policy decides, so two invitations cannot take
// the last seat together.
func (s *Service) Invite(ctx context.Context, actor auth.Principal, in InviteInput) (Invitation, error) {
	in.Email = NormalizeEmail(in.Email)
	if in.Role == "" {
		in.Role = RoleMember
	}
	var v apperr.Validator
	checkEmail(&v, "email", in.Email)
	v.Check(validRole(in.Role), "role", "must be owner, admin or member")
	checkOptionalLocale(&v, in.Locale)
	if err := v.Err(); err != nil {
		return Invitation{}, err
	}
	now := s.now()
	inv := Invitation{
		ID: uuid.Must(uuid.NewV7()), OrganizationID: actor.OrgID, Email: in.Email, Role: in.Role,
		InvitedBy: &actor.UserID, ExpiresAt: now.Add(InvitationTTL), CreatedAt: now,
	}
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		org, err := s.lockOrganization(ctx, tx, actor.OrgID)
		if err != nil {
			return err
		}
		actorRole, err := s.managerRole(ctx, tx, actor)
		if err != nil {
			return err
		}
		inviter, err := s.user(ctx, tx, actor.UserID)
		if err != nil {
			return err
		}
		// An invitation emails someone else: its sender must have proved
		// their own address.
		if inviter.EmailVerifiedAt == nil {
			return errEmailUnverified
		}
		if in.Role == RoleOwner && actorRole != RoleOwner {
			return apperr.Forbidden("only an owner may invite an owner")
		}
		var members int64
		if err := membersOf(tx.DB, org.ID).Where("u.email = ?", in.Email).Count(&members).Error; err != nil {
			return fmt.Errorf("find member: %w", err)
		}
		if members > 0 {
			return apperr.Conflict("already_member", "this person is already a member of the organization")
		}
		// An expired invitation no longer blocks a new one.
		if err := tx.Model(&Invitation{}).
			Where("organization_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at <= ?", org.ID, in.Email, now).
			Update("revoked_at", now).Error; err != nil {
			return fmt.Errorf("close expired invitations: %w", err)
		}
		var open int64
		if err := tx.Model(&Invitation{}).Where("organization_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL", org.ID, in.Email).
			Count(&open).Error; err != nil {
			return fmt.Errorf("find open invitation: %w", err)
		}
		if open > 0 {
			return apperr.Conflict("invitation_exists", "this email already has an open invitation; revoke it to send a new one")
		}
		if err := s.seats.CheckSeat(ctx, tx, org.ID); err != nil {
			return err
		}
		if err := s.takeInvitationEmail(ctx, tx, org.ID, in.Email); err != nil {
			return err
		}
		inv.Locale = string(s.invitationLocale(in, inviter))
		token, hash := newSecret()
		inv.TokenHash = hash
		if err := tx.Create(&inv).Error; err != nil {
			return fmt.Errorf("store invitation: %w", err)
		}
		invitation := mail.InvitationEmail(mail.Locale(inv.Locale), inv.Email, org.Name, inviter.FullName, s.link(invitationAcceptPath, token))
		if err := s.sendMail(ctx, tx, invitation); err != nil {
			return err
		}
		return s.recordEvent(ctx, tx, org.ID, serverevent.MemberInvited, actor.UserID,
			map[string]any{"invitation_id": inv.ID.String(), "role": inv.Role})
	})
	if err != nil {
		return Invitation{}, fmt.Errorf("invite: %w", err)
	}
	return inv, nil
}

// invitationLocale is the language an invitation is written in: the one
// its sender chose, else, since the invitee has said nothing yet, the one
// their colleague who invites them reads, most likely theirs too.
func (s *Service) invitationLocale(in InviteInput, inviter User) mail.Locale {
	switch {
	case in.Locale != nil:
		return mail.Locale(*in.Locale)
	case inviter.Locale != nil:
		return s.localeOf(inviter.Locale)
	case in.RequestLocale != "":
		return s.localeOf(&in.RequestLocale)
	}
	return s.defaultLocale
}

// takeInvitationEmail counts an invitation email against the
// organization's limit and its limit for the address, in tx. Both buckets
// belong to the organization, whose row tx holds locked, so invitations of
// different organizations never wait on each other here.
func (s *Service) takeInvitationEmail(ctx context.Context, tx *database.Tx, orgID uuid.UUID, email string) error {
	if _, err := s.limits.takeIn(ctx, tx, "invite-org:"+orgID.String(), Limit{Max: invitationsPerOrgPerHour, Window: time.Hour},
		"this organization sent too many invitations; try again later"); err != nil {
		return err
	}
	// Valid emails hold no space, so the organization id and the address
	// cannot run into each other.
	_, err := s.limits.takeIn(ctx, tx, "invite-to:"+orgID.String()+" "+email, Limit{Max: invitationsPerAddressPerDay, Window: 24 * time.Hour},
		"this organization sent this address too many invitations; try again later")
	return err
}

// ListInvitations pages through the organization's invitations, newest
// first, whatever their status.
func (s *Service) ListInvitations(ctx context.Context, orgID uuid.UUID, limit int, after string) ([]Invitation, string, error) {
	items, next, err := keyset.Page(s.db.Gorm.WithContext(ctx).Model(&Invitation{}).Where("organization_id = ?", orgID), after, limit,
		"(created_at, id) < (?, ?)", "created_at DESC, id DESC",
		func(i Invitation) (time.Time, uuid.UUID) { return i.CreatedAt, i.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list invitations: %w", err)
	}
	return items, next, nil
}

// RevokeInvitation makes an invitation unusable. Revoking twice is fine; an
// accepted invitation cannot be revoked (remove the member instead).
func (s *Service) RevokeInvitation(ctx context.Context, actor auth.Principal, id uuid.UUID) error {
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		if _, err := s.managerRole(ctx, tx, actor); err != nil {
			return err
		}
		var inv Invitation
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("id = ? AND organization_id = ?", id, actor.OrgID).Take(&inv).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return apperr.NotFound("invitation")
		}
		if err != nil {
			return fmt.Errorf("find invitation: %w", err)
		}
		switch {
		case inv.AcceptedAt != nil:
			return apperr.Conflict("invitation_accepted", "this invitation was already accepted; remove the member instead")
		case inv.RevokedAt != nil:
			return nil
		}
		return tx.Model(&inv).Update("revoked_at", s.now()).Error
	})
	if err != nil {
		return fmt.Errorf("revoke invitation: %w", err)
	}
	return nil
}
