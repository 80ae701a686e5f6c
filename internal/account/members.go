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
	"github.com/onramp/onramp/internal/serverevent"
)

// Member is a person in an organization, as its members see them.
type Member struct {
	UserID   uuid.UUID
	Email    string
	FullName string
	Role     string
	JoinedAt time.Time
}

// ListMembers pages through the organization's members, oldest first.
func (s *Service) ListMembers(ctx context.Context, orgID uuid.UUID, limit int, after string) ([]Member, string, error) {
	items, next, err := keyset.Page(membersOf(s.db.Gorm.WithContext(ctx), orgID), after, limit,
		"(m.joined_at, m.user_id) > (?, ?)", "m.joined_at, m.user_id",
		func(m Member) (time.Time, uuid.UUID) { return m.JoinedAt, m.UserID })
	if err != nil {
		return nil, "", fmt.Errorf("list members: %w", err)
	}
	return items, next, nil
}

var (
	errLastOwner  = apperr.Conflict("last_owner", "an organization needs at least one owner; make someone else owner first")
	errOwnersOnly = apperr.Forbidden("only an owner may grant, change or remove the owner role")
)

// ChangeRole sets a member's role. Owners may do anything; admins may move
// people between member and admin but may not touch the owner role. The
// last owner can never be demoted.
func (s *Service) ChangeRole(ctx context.Context, actor auth.Principal, userID uuid.UUID, role string) (Member, error) {
	if !validRole(role) {
		return Member{}, apperr.InvalidField("role", "must be owner, admin or member")
	}
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		actorRole, target, err := s.lockForMemberChange(ctx, tx, actor, userID)
		if err != nil {
			return err
		}
		if target.Role == role {
			return nil
		}
		if (target.Role == RoleOwner || role == RoleOwner) && actorRole != RoleOwner {
			return errOwnersOnly
		}
		if target.Role == RoleOwner {
			if err := s.keepAnOwner(ctx, tx, actor.OrgID); err != nil {
				return err
			}
		}
		return tx.Model(&Membership{}).Where("organization_id = ? AND user_id = ?", actor.OrgID, userID).
			Update("role", role).Error
	})
	if err != nil {
		return Member{}, fmt.Errorf("change role: %w", err)
	}
	return s.member(ctx, s.db, actor.OrgID, userID)
}

// RemoveMember takes a person out of the organization and ends their
// sessions in it. Only an owner may remove an owner; the last owner stays.
func (s *Service) RemoveMember(ctx context.Context, actor auth.Principal, userID uuid.UUID) error {
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		actorRole, target, err := s.lockForMemberChange(ctx, tx, actor, userID)
		if err != nil {
			return err
		}
		if target.Role == RoleOwner {
			if actorRole != RoleOwner {
				return errOwnersOnly
			}
			if err := s.keepAnOwner(ctx, tx, actor.OrgID); err != nil {
				return err
			}
		}
		if err := tx.Where("organization_id = ? AND user_id = ?", actor.OrgID, userID).Delete(&Membership{}).Error; err != nil {
			return fmt.Errorf("delete membership: %w", err)
		}
		if err := tx.Model(&RefreshToken{}).Where("user_id = ? AND organization_id = ? AND revoked_at IS NULL", userID, actor.OrgID).
			Update("revoked_at", s.now()).Error; err != nil {
			return fmt.Errorf("revoke sessions: %w", err)
		}
		return s.recordEvent(ctx, tx, actor.OrgID, serverevent.MemberRemoved, userID, nil)
	})
	if err != nil {
		return fmt.Errorf("remove member: %w", err)
	}
	return nil
}

// lockForMemberChange locks the organization (membership changes of one
// organization take turns, so two owners cannot demote each other at once),
// checks that the actor still manages it, and finds the target member.
func (s *Service) lockForMemberChange(ctx context.Context, tx *database.Tx, actor auth.Principal, userID uuid.UUID) (string, Membership, error) {
	if _, err := s.lockOrganization(ctx, tx, actor.OrgID); err != nil {
		return "", Membership{}, err
	}
	actorRole, err := s.managerRole(ctx, tx, actor)
	if err != nil {
		return "", Membership{}, err
	}
	var target Membership
	err = tx.Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("organization_id = ? AND user_id = ?", actor.OrgID, userID).Take(&target).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", Membership{}, apperr.NotFound("member")
	}
	if err != nil {
		return "", Membership{}, fmt.Errorf("find member: %w", err)
	}
	return actorRole, target, nil
}

// managerRole is the actor's role as of this transaction, refused unless
// owner or admin. Every request already acts with the role read when it
// arrived (CurrentAccess); reading it again under the organization lock
// settles a race with a demotion committed in between.
func (s *Service) managerRole(ctx context.Context, h database.Handle, actor auth.Principal) (string, error) {
	var role string
	err := h.Query(ctx).Model(&Membership{}).Select("role").
		Where("organization_id = ? AND user_id = ?", actor.OrgID, actor.UserID).Scan(&role).Error
	if err != nil {
		return "", fmt.Errorf("find caller's role: %w", err)
	}
	if role != RoleOwner && role != RoleAdmin {
		return "", apperr.Forbidden("only an owner or admin of the organization may do this")
	}
	return role, nil
}

// keepAnOwner refuses when the organization has a single owner (the one
// about to be demoted or removed). The organization row must be locked.
func (s *Service) keepAnOwner(ctx context.Context, tx *database.Tx, orgID uuid.UUID) error {
	var owners int64
	if err := tx.WithContext(ctx).Model(&Membership{}).Where("organization_id = ? AND role = ?", orgID, RoleOwner).
		Count(&owners).Error; err != nil {
		return fmt.Errorf("count owners: %w", err)
	}
	if owners <= 1 {
		return errLastOwner
	}
	return nil
}

// member loads one member of the organization.
func (s *Service) member(ctx context.Context, h database.Handle, orgID, userID uuid.UUID) (Member, error) {
	var rows []Member
	err := membersOf(h.Query(ctx), orgID).Where("m.user_id = ?", userID).Scan(&rows).Error
	if err != nil {
		return Member{}, fmt.Errorf("find member: %w", err)
	}
	if len(rows) == 0 {
		return Member{}, apperr.NotFound("member")
	}
	return rows[0], nil
}

// membersOf selects the organization's members as Member rows.
func membersOf(db *gorm.DB, orgID uuid.UUID) *gorm.DB {
	return db.Table("memberships m").
		Select("m.user_id, u.email, u.full_name, m.role, m.joined_at").
		Joins("JOIN users u ON u.id = m.user_id").
		Where("m.organization_id = ?", orgID)
}
