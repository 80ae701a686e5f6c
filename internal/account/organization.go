package account

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/database"
)

// organization loads an organization by id.
func (s *Service) organization(ctx context.Context, h database.Handle, id uuid.UUID) (Organization, error) {
	var org Organization
	err := h.Query(ctx).Where("id = ?", id).Take(&org).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return org, apperr.NotFound("organization")
	}
	if err != nil {
		return org, fmt.Errorf("find organization: %w", err)
	}
	return org, nil
}

// lockOrganization loads the organization with its row locked until tx
// ends: membership and seat changes of one organization take turns.
func (s *Service) lockOrganization(ctx context.Context, tx *database.Tx, id uuid.UUID) (Organization, error) {
	if err := tx.LockOrganization(ctx, id); err != nil {
		return Organization{}, err
	}
	return s.organization(ctx, tx, id)
}

// Organization is the caller's organization.
func (s *Service) Organization(ctx context.Context, orgID uuid.UUID) (Organization, error) {
	return s.organization(ctx, s.db, orgID)
}

// RenameOrganization changes the organization's name.
func (s *Service) RenameOrganization(ctx context.Context, orgID uuid.UUID, name string) (Organization, error) {
	name = strings.TrimSpace(name)
	var v apperr.Validator
	checkName(&v, "name", name, 200)
	if err := v.Err(); err != nil {
		return Organization{}, err
	}
	res := s.db.Gorm.WithContext(ctx).Model(&Organization{}).Where("id = ?", orgID).
		Updates(map[string]any{"name": name, "updated_at": s.now()})
	if res.Error != nil {
		return Organization{}, fmt.Errorf("rename organization: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return Organization{}, apperr.NotFound("organization")
	}
	return s.organization(ctx, s.db, orgID)
}

// MembershipSummary is one of a user's organizations.
type MembershipSummary struct {
	OrganizationID   uuid.UUID
	OrganizationName string
	Role             string
}

// Me is who the caller is: the user, the token's organization and role
// (nil and "" without one), and every organization the user belongs to.
type Me struct {
	User         User
	Organization *Organization
	Role         string
	Memberships  []MembershipSummary
}

// Me describes the caller as the database knows them now.
func (s *Service) Me(ctx context.Context, p auth.Principal) (Me, error) {
	user, err := s.user(ctx, s.db, p.UserID)
	if err != nil {
		return Me{}, err
	}
	me := Me{User: user, Memberships: []MembershipSummary{}}
	err = s.db.Gorm.WithContext(ctx).Raw(`
		SELECT m.organization_id, o.name AS organization_name, m.role
		  FROM memberships m JOIN organizations o ON o.id = m.organization_id
		 WHERE m.user_id = ? ORDER BY m.joined_at, m.organization_id`, user.ID).Scan(&me.Memberships).Error
	if err != nil {
		return Me{}, fmt.Errorf("list memberships: %w", err)
	}
	for _, m := range me.Memberships {
		if p.HasOrg() && m.OrganizationID == p.OrgID {
			org, err := s.organization(ctx, s.db, m.OrganizationID)
			if err != nil {
				return Me{}, err
			}
			me.Organization, me.Role = &org, m.Role
		}
	}
	return me, nil
}
