package account

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
)

// SignupInput is what a company admin submits to create an organization.
type SignupInput struct {
	CompanyName string
	Email       string
	Password    string
	FullName    string
	UTMSource   string
	UTMMedium   string
	UTMCampaign string
	Referrer    string
	// Locale is the language the owner reads ("en", "fr"), from the body
	// or the request's Accept-Language; "" when neither said, and then
	// DEFAULT_LOCALE is stored: the owner reads it from their first email.
	Locale string
	// ClientIP is who is signing up, for the per-IP signup limit.
	ClientIP string
}

// Session is a signed-in user: who, in which organization (nil for a staff
// user without one), with which role, and the token pair.
type Session struct {
	User         User
	Organization *Organization
	Role         string
	Tokens
}

func (in *SignupInput) validate() error {
	var v apperr.Validator
	in.Email = NormalizeEmail(in.Email)
	in.CompanyName = strings.TrimSpace(in.CompanyName)
	in.FullName = strings.TrimSpace(in.FullName)
	checkName(&v, "company_name", in.CompanyName, 200)
	checkEmail(&v, "email", in.Email)
	checkPassword(&v, "password", in.Password)
	checkName(&v, "full_name", in.FullName, 200)
	checkOptionalText(&v, "utm_source", in.UTMSource, 200)
	checkOptionalText(&v, "utm_medium", in.UTMMedium, 200)
	checkOptionalText(&v, "utm_campaign", in.UTMCampaign, 200)
	checkOptionalText(&v, "referrer", in.Referrer, 2000)
	v.Check(in.Locale == "" || in.Locale == LocaleEN || in.Locale == LocaleFR, "locale", "must be en or fr")
	return v.Err()
}

// ValidateSignup checks in as Signup would, without signing up: the
// signup page reports every problem at once, its own (the plan) and these.
func ValidateSignup(in SignupInput) error { return in.validate() }

var errEmailTaken = apperr.Conflict("email_taken", "an account with this email already exists")

// Signup creates an organization, its owner and their session, and queues
// the verification email, all in one transaction.
func (s *Service) Signup(ctx context.Context, in SignupInput) (Session, error) {
	if err := in.validate(); err != nil {
		return Session{}, err
	}
	if s.signupRateLimit > 0 {
		limit := Limit{Max: s.signupRateLimit, Window: time.Hour}
		if _, err := s.limits.take(ctx, "signup:"+clientKey(in.ClientIP), limit, "too many signups from this address; try again later"); err != nil {
			return Session{}, err
		}
	}
	// A cheap early answer; the unique index is what really decides a race.
	if taken, err := s.emailTaken(ctx, s.db, in.Email); err != nil {
		return Session{}, fmt.Errorf("signup: %w", err)
	} else if taken {
		return Session{}, errEmailTaken
	}
	hash, err := s.passwords.Hash(ctx, in.Password)
	if err != nil {
		return Session{}, fmt.Errorf("signup: %w", err)
	}

	if in.Locale == "" {
		in.Locale = string(s.defaultLocale)
	}
	now := s.now()
	org := Organization{
		ID: uuid.Must(uuid.NewV7()), Name: in.CompanyName, BillingStatus: "none",
		UTMSource: optional(in.UTMSource), UTMMedium: optional(in.UTMMedium),
		UTMCampaign: optional(in.UTMCampaign), Referrer: optional(in.Referrer),
		CreatedAt: now, UpdatedAt: now,
	}
	user := User{ID: uuid.Must(uuid.NewV7()), Email: in.Email, FullName: in.FullName, PasswordHash: hash,
		Locale: &in.Locale, CreatedAt: now, UpdatedAt: now}
	var session Session
	err = s.db.InTx(ctx, func(tx *database.Tx) error {
		if err := tx.Create(&org).Error; err != nil {
			return fmt.Errorf("create organization: %w", err)
		}
		if err := tx.Create(&user).Error; err != nil {
			if database.IsUniqueViolation(err, "users_email_key") {
				return errEmailTaken
			}
			return fmt.Errorf("create user: %w", err)
		}
		if err := tx.Create(&Membership{OrganizationID: org.ID, UserID: user.ID, Role: RoleOwner, JoinedAt: now}).Error; err != nil {
			return fmt.Errorf("create membership: %w", err)
		}
		if err := s.sendVerification(ctx, tx, user); err != nil {
			return err
		}
		props := map[string]any{}
		for k, v := range map[string]*string{"utm_source": org.UTMSource, "utm_medium": org.UTMMedium, "utm_campaign": org.UTMCampaign, "referrer": org.Referrer} {
			if v != nil {
				props[k] = *v
			}
		}
		if err := s.recordEvent(ctx, tx, org.ID, serverevent.OrganizationSignedUp, user.ID, props); err != nil {
			return fmt.Errorf("record signup event: %w", err)
		}
		tokens, err := s.startSession(ctx, tx, user, org.ID, RoleOwner)
		if err != nil {
			return err
		}
		session = Session{User: user, Organization: &org, Role: RoleOwner, Tokens: tokens}
		return nil
	})
	if err != nil {
		return Session{}, fmt.Errorf("signup: %w", err)
	}
	return session, nil
}

// emailTaken reports whether a user already has this (normalized) email.
func (s *Service) emailTaken(ctx context.Context, h database.Handle, email string) (bool, error) {
	var n int64
	if err := h.Query(ctx).Model(&User{}).Where("email = ?", email).Count(&n).Error; err != nil {
		return false, fmt.Errorf("look up email: %w", err)
	}
	return n > 0, nil
}

// EmailTaken reports whether an account holds this email (any case).
func (s *Service) EmailTaken(ctx context.Context, email string) (bool, error) {
	return s.emailTaken(ctx, s.db, NormalizeEmail(email))
}
