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
