package account

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
)

// PersonalData is what another package keeps about a person, exported and
// erased with their account: onboarding implements it (their events and
// their own step progress). Both run in the account's transaction.
type PersonalData interface {
	// ExportPerson returns the package's part of the person's export, a
	// value written out as JSON as it is.
	ExportPerson(ctx context.Context, tx *database.Tx, userID uuid.UUID) (any, error)
	// ErasePerson deletes or anonymizes what the package keeps about the
	// person. Their memberships are gone by then; the organizations they
	// were the sole member of too.
	ErasePerson(ctx context.Context, tx *database.Tx, userID uuid.UUID) error
	// PersonOrganizations lists the organizations, current or former, the
	// package keeps something of the person in: the erasure locks them all
	// first, in id order, like every path that locks several.
	PersonOrganizations(ctx context.Context, tx *database.Tx, userID uuid.UUID) ([]uuid.UUID, error)
	// ForgetOrganization deletes what the package keeps about an
	// organization that is being deleted and that the database does not
	// delete with it (onboarding's events have no foreign key: it cost
	// every inserted event a check). The organization is locked.
	ForgetOrganization(ctx context.Context, tx *database.Tx, orgID uuid.UUID) error
}

// Export is everything stored about a person, as one document (GDPR
// art. 15 and 20): what the account knows, and PersonalData's part.
type Export struct {
	ExportedAt              time.Time
	User                    User
	Memberships             []ExportedMembership
	NotificationPreferences NotificationPreferences
	Emails                  []SentEmail
	// Onboarding is PersonalData's part; nil without one.
	Onboarding any
}

// ExportedMembership is one of the person's organizations.
type ExportedMembership struct {
	OrganizationID   uuid.UUID
	OrganizationName string
	Role             string
	JoinedAt         time.Time
}

// SentEmail is one email queued for the person: what and when, never the
// body (the log does not keep it).
type SentEmail struct {
	Kind     string
	Subject  string
	QueuedAt time.Time
}

// Export gathers everything stored about the caller, read in one snapshot
// so that the parts agree with each other.
func (s *Service) Export(ctx context.Context, userID uuid.UUID) (Export, error) {
	var out Export
	err := s.db.InSnapshot(ctx, func(tx *database.Tx) error {
		var err error
		if out.User, err = s.user(ctx, tx, userID); err != nil {
			return err
		}
		out.Memberships = []ExportedMembership{}
		if err := tx.Raw(`
			SELECT m.organization_id, o.name AS organization_name, m.role, m.joined_at
			  FROM memberships m JOIN organizations o ON o.id = m.organization_id
			 WHERE m.user_id = ? ORDER BY m.joined_at, m.organization_id`, userID).Scan(&out.Memberships).Error; err != nil {
			return fmt.Errorf("list memberships: %w", err)
		}
		// By account, and, once they proved the address is theirs, by
		// address for what was sent to it without an account (an
		// invitation): an unproved address may be someone else's, whose
		// invitations would tell who invited them.
		out.Emails = []SentEmail{}
		if err := tx.Raw(`
			SELECT kind, subject, queued_at FROM sent_emails
			 WHERE user_id = ? OR (? AND recipient = ?) ORDER BY queued_at, id`,
			userID, out.User.EmailVerifiedAt != nil, out.User.Email).Scan(&out.Emails).Error; err != nil {
			return fmt.Errorf("list sent emails: %w", err)
		}
		if out.NotificationPreferences, err = s.notificationPreferences(ctx, tx, userID); err != nil {
			return err
		}
		if s.personal != nil {
			if out.Onboarding, err = s.personal.ExportPerson(ctx, tx, userID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Export{}, fmt.Errorf("export personal data: %w", err)
	}
	out.ExportedAt = s.now()
	return out, nil
}
