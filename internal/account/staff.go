package account

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// CreateStaff creates a staff user (a product manager): no organization,
// signs in with /v1/auth/login and gets staff tokens. Staff users are made
// on the command line only, never through the API.
func (s *Service) CreateStaff(ctx context.Context, email, password, fullName string) (User, error) {
	email = NormalizeEmail(email)
	fullName = strings.TrimSpace(fullName)
	if fullName == "" {
		fullName = email
	}
	var v apperr.Validator
	checkEmail(&v, "email", email)
	checkPassword(&v, "password", password)
	checkText(&v, "full_name", fullName, 200)
	if err := v.Err(); err != nil {
		return User{}, err
	}
	hash, err := s.passwords.Hash(ctx, password)
	if err != nil {
		return User{}, fmt.Errorf("create staff user: %w", err)
	}
	now := s.now()
	// The operator who runs the command vouches for the address.
	user := User{ID: uuid.Must(uuid.NewV7()), Email: email, FullName: fullName, PasswordHash: hash, IsStaff: true,
		EmailVerifiedAt: &now, CreatedAt: now, UpdatedAt: now}
	if err := s.db.Gorm.WithContext(ctx).Create(&user).Error; err != nil {
		if database.IsUniqueViolation(err, "users_email_key") {
			return User{}, apperr.Conflict("email_taken", fmt.Sprintf("a user with email %s already exists", email))
		}
		return User{}, fmt.Errorf("create staff user: %w", err)
	}
	return user, nil
}

// ResetStaffPassword gives the staff user with this email a new password
// and ends their sessions, as a password reset does. Only a staff user's:
// a customer's account answers NotFound, as no account does.
func (s *Service) ResetStaffPassword(ctx context.Context, email, password string) (User, error) {
	email = NormalizeEmail(email)
	if err := PasswordError("password", password); err != nil {
		return User{}, err
	}
	hash, err := s.passwords.Hash(ctx, password)
	if err != nil {
		return User{}, fmt.Errorf("reset staff password: %w", err)
	}
	var user User
	err = s.db.InTx(ctx, func(tx *database.Tx) error {
		res := tx.Where("email = ? AND is_staff", email).Limit(1).Find(&user)
		if res.Error != nil {
			return fmt.Errorf("find staff user: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return apperr.NotFound("staff user")
		}
		return s.replacePassword(ctx, tx, &user, hash)
	})
	if err != nil {
		return User{}, fmt.Errorf("reset staff password: %w", err)
	}
	return user, nil
}
