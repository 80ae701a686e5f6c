package account

import (
	"time"

	"github.com/google/uuid"
)

// Roles a member can hold.
const (
	RoleOwner  = "owner"
	RoleAdmin  = "admin"
	RoleMember = "member"
)

// Organization is a buying company.
type Organization struct {
	ID            uuid.UUID  `gorm:"primaryKey" json:"id"`
	Name          string     `json:"name"`
	BillingStatus string     `json:"billing_status"`
	ActivatedAt   *time.Time `json:"activated_at"`
	UTMSource     *string    `json:"-"`
	UTMMedium     *string    `json:"-"`
	UTMCampaign   *string    `json:"-"`
	Referrer      *string    `json:"-"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"-"`
}

func (Organization) TableName() string { return "organizations" }

// User is a person who signs in: an organization member or a staff user.
type User struct {
	ID              uuid.UUID `gorm:"primaryKey"`
	Email           string    // lower-cased
	FullName        string
	PasswordHash    string
	EmailVerifiedAt *time.Time
	IsStaff         bool
	// Locale ("en", "fr") and TimeZone (an IANA name) are nil until said.
	Locale   *string
	TimeZone *string
	// ErasedAt is set on the tombstone an erased account leaves (erasure.go).
	ErasedAt  *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (User) TableName() string { return "users" }

// Membership is a user's role in an organization.
type Membership struct {
	OrganizationID uuid.UUID `gorm:"primaryKey"`
	UserID         uuid.UUID `gorm:"primaryKey"`
	Role           string
	JoinedAt       time.Time
}

func (Membership) TableName() string { return "memberships" }

// Invitation asks someone, by email, to join an organization with a role.
type Invitation struct {
	ID             uuid.UUID `gorm:"primaryKey"`
	OrganizationID uuid.UUID
	Email          string
	Role           string
	InvitedBy      *uuid.UUID
	// Locale is the language its emails are written in ("en", "fr").
	Locale    string
	TokenHash []byte
	// ReminderTokenHash is the latest reminder's token (see
	// InvitationReminderLink): it accepts the invitation as TokenHash does.
	ReminderTokenHash []byte
	ExpiresAt         time.Time
	AcceptedAt        *time.Time
	AcceptedBy        *uuid.UUID
	RevokedAt         *time.Time
	CreatedAt         time.Time
}

func (Invitation) TableName() string { return "invitations" }

// Status is pending, accepted, revoked or expired, as of now.
func (i Invitation) Status(now time.Time) string {
	switch {
	case i.AcceptedAt != nil:
		return "accepted"
	case i.RevokedAt != nil:
		return "revoked"
	case !now.Before(i.ExpiresAt):
		return "expired"
	default:
		return "pending"
	}
}

// EmailToken is a single-use token sent by email (verification, reset).
type EmailToken struct {
	ID        uuid.UUID `gorm:"primaryKey"`
	UserID    uuid.UUID
	Purpose   string
	TokenHash []byte
	ExpiresAt time.Time
	UsedAt    *time.Time
	CreatedAt time.Time
}

func (EmailToken) TableName() string { return "email_tokens" }

// Purposes of email tokens, and how long each lives.
const (
	PurposeVerifyEmail   = "verify_email"
	PurposePasswordReset = "password_reset"

	VerifyEmailTTL   = 24 * time.Hour
	PasswordResetTTL = time.Hour
	InvitationTTL    = 7 * 24 * time.Hour
)

// RefreshToken is one link of a rotating refresh-token family.
type RefreshToken struct {
	ID             uuid.UUID `gorm:"primaryKey"`
	FamilyID       uuid.UUID
	UserID         uuid.UUID
	OrganizationID *uuid.UUID
	TokenHash      []byte
	ExpiresAt      time.Time
	RotatedAt      *time.Time
	RevokedAt      *time.Time
	CreatedAt      time.Time
}

func (RefreshToken) TableName() string { return "refresh_tokens" }

// RefreshTokenTTL is how long a refresh token may be used.
const RefreshTokenTTL = 30 * 24 * time.Hour
