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
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/internal/serverevent"
)

// errBadEmailToken answers every token that cannot be used: unknown, used,
// expired. Which one it was is not told.
var errBadEmailToken = apperr.InvalidField("token", "is invalid, already used or expired")

// issueEmailToken stores the hash of a new single-use token for user and
// returns the token itself, which only ever leaves in an email.
func (s *Service) issueEmailToken(ctx context.Context, tx *database.Tx, userID uuid.UUID, purpose string, ttl time.Duration) (string, error) {
	token, hash := newSecret()
	now := s.now()
	row := EmailToken{ID: uuid.Must(uuid.NewV7()), UserID: userID, Purpose: purpose, TokenHash: hash, ExpiresAt: now.Add(ttl), CreatedAt: now}
	if err := tx.WithContext(ctx).Create(&row).Error; err != nil {
		return "", fmt.Errorf("store %s token: %w", purpose, err)
	}
	return token, nil
}

// consumeEmailToken marks a usable token of purpose used, with its row
// locked so that two concurrent uses cannot both succeed.
func (s *Service) consumeEmailToken(ctx context.Context, tx *database.Tx, token, purpose string) (EmailToken, error) {
	var row EmailToken
	err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("token_hash = ? AND purpose = ?", hashSecret(token), purpose).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return row, errBadEmailToken
	}
	if err != nil {
		return row, fmt.Errorf("find %s token: %w", purpose, err)
	}
	now := s.now()
	if row.UsedAt != nil || !now.Before(row.ExpiresAt) {
		return row, errBadEmailToken
	}
	if err := tx.Model(&row).Update("used_at", now).Error; err != nil {
		return row, fmt.Errorf("use %s token: %w", purpose, err)
	}
	return row, nil
}

// sendVerification queues a verification email for user in tx.
func (s *Service) sendVerification(ctx context.Context, tx *database.Tx, user User) error {
	token, err := s.issueEmailToken(ctx, tx, user.ID, PurposeVerifyEmail, VerifyEmailTTL)
	if err != nil {
		return err
	}
	m := mail.VerificationEmail(s.localeOf(user.Locale), user.Email, user.FullName, s.link("verify-email", token))
	m.UserID = user.ID
	return s.sendMail(ctx, tx, m)
}

// VerifyEmail confirms the address a verification token was sent to.
func (s *Service) VerifyEmail(ctx context.Context, token string) error {
	if token == "" {
		return apperr.InvalidField("token", "is required")
	}
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		row, err := s.consumeEmailToken(ctx, tx, token, PurposeVerifyEmail)
		if err != nil {
			return err
		}
		return s.markVerified(ctx, tx, row.UserID)
	})
	if err != nil {
		return fmt.Errorf("verify email: %w", err)
	}
	return nil
}

// markVerified records that the user proved their address, once: the
// email_verified event goes to each of the user's organizations.
func (s *Service) markVerified(ctx context.Context, tx *database.Tx, userID uuid.UUID) error {
	res := tx.WithContext(ctx).Model(&User{}).Where("id = ? AND email_verified_at IS NULL", userID).
		Updates(map[string]any{"email_verified_at": s.now(), "updated_at": s.now()})
	if res.Error != nil {
		return fmt.Errorf("mark email verified: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil // already verified
	}
	var orgIDs []uuid.UUID
	// In id order, like every other path that locks several organizations, so
	// two of them can never wait on each other.
	if err := tx.Model(&Membership{}).Where("user_id = ?", userID).Order("organization_id").Pluck("organization_id", &orgIDs).Error; err != nil {
		return fmt.Errorf("find memberships: %w", err)
	}
	for _, orgID := range orgIDs {
		if err := s.recordEvent(ctx, tx, orgID, serverevent.EmailVerified, userID, nil); err != nil {
			return fmt.Errorf("record email verified event: %w", err)
		}
	}
	return nil
}

// ResendVerification queues a new verification email for a signed-in user
// whose address is not verified yet.
func (s *Service) ResendVerification(ctx context.Context, userID uuid.UUID) error {
	user, err := s.user(ctx, s.db, userID)
	if err != nil {
		return err
	}
	if user.EmailVerifiedAt != nil {
		return apperr.Conflict("email_already_verified", "your email address is already verified")
	}
	if _, err := s.limits.take(ctx, "verify:"+userID.String(), Limit{Max: resendsPerHour, Window: time.Hour}, "too many verification emails; try again later"); err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *database.Tx) error { return s.sendVerification(ctx, tx, user) })
	if err != nil {
		return fmt.Errorf("resend verification: %w", err)
	}
	return nil
}

// RequestPasswordReset asks for a reset link to be emailed when a user has
// this address; the caller cannot tell whether one has. The request does
// the same work for every address: it counts against client's hourly limit
// and queues the request, and SendPasswordReset, run by a job, looks the
// address up. So neither the answer, its timing nor the limit depends on
// the address having an account. client is the caller's IP.
func (s *Service) RequestPasswordReset(ctx context.Context, email, client string) error {
	email = NormalizeEmail(email)
	var v apperr.Validator
	checkEmail(&v, "email", email)
	if err := v.Err(); err != nil {
		return err
	}
	if s.resets == nil {
		return errors.New("password reset: no reset queue configured")
	}
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		// The hit counts only if the request is queued.
		if _, err := s.limits.takeIn(ctx, tx, "reset-client:"+clientKey(client), Limit{Max: resetRequestsPerClient, Window: time.Hour},
			"too many password reset requests; try again later"); err != nil {
			return err
		}
		return s.resets.Enqueue(ctx, tx, email)
	})
	if err != nil {
		return fmt.Errorf("password reset: %w", err)
	}
	return nil
}

// SendPasswordReset answers a queued reset request: when a user has the
// (normalized) address, it stores a single-use token and queues the email
// with its link, at most resetsPerHour per address. An unknown address and
// a request over the limit end quietly: nobody is waiting for an answer.
// The limit, the token and the email commit together, so a retried job
// neither sends twice nor counts twice.
func (s *Service) SendPasswordReset(ctx context.Context, email string) error {
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		var user User
		// An erased account's tombstone (…@erased.invalid) is nobody's.
		err := tx.WithContext(ctx).Where("email = ? AND erased_at IS NULL", email).Take(&user).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find user: %w", err)
		}
		if _, err := s.limits.takeIn(ctx, tx, resetBucket(email), Limit{Max: resetsPerHour, Window: time.Hour}, "too many reset emails"); err != nil {
			return err
		}
		token, err := s.issueEmailToken(ctx, tx, user.ID, PurposePasswordReset, PasswordResetTTL)
		if err != nil {
			return err
		}
		m := mail.PasswordResetEmail(s.localeOf(user.Locale), user.Email, user.FullName, s.link("reset-password", token))
		m.UserID = user.ID
		return s.sendMail(ctx, tx, m)
	})
	if apperr.Is(err, apperr.CodeRateLimited) {
		s.log.WarnContext(ctx, "password reset emails rate limited for an address")
		return nil
	}
	if err != nil {
		return fmt.Errorf("send password reset: %w", err)
	}
	return nil
}

// resetBucket counts the reset emails sent to an address.
func resetBucket(email string) string { return "reset:" + email }

// ResetPassword sets a new password with a reset token and signs the user
// out everywhere: every refresh token of the user is revoked.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword string) error {
	var v apperr.Validator
	v.Check(token != "", "token", "is required")
	checkPassword(&v, "new_password", newPassword)
	if err := v.Err(); err != nil {
		return err
	}
	hash, err := s.passwords.Hash(ctx, newPassword)
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	err = s.db.InTx(ctx, func(tx *database.Tx) error {
		row, err := s.consumeEmailToken(ctx, tx, token, PurposePasswordReset)
		if err != nil {
			return err
		}
		var user User
		if err := tx.Where("id = ?", row.UserID).Take(&user).Error; err != nil {
			return fmt.Errorf("find user: %w", err)
		}
		// The owner of the address got the link: a lockout from failed
		// sign-ins ends (replacePassword), and the address counts as verified.
		if err := s.replacePassword(ctx, tx, &user, hash); err != nil {
			return err
		}
		// Other reset links of the user die with this one.
		if err := tx.Model(&EmailToken{}).Where("user_id = ? AND purpose = ? AND used_at IS NULL", user.ID, PurposePasswordReset).
			Update("used_at", s.now()).Error; err != nil {
			return fmt.Errorf("retire reset tokens: %w", err)
		}
		return s.markVerified(ctx, tx, user.ID)
	})
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	return nil
}

// replacePassword stores user's new password hash, ends every session of
// theirs (the access tokens of those sessions stop working at once) and
// the lockout of failed sign-ins on their address: what any password
// change that the address's owner made does.
func (s *Service) replacePassword(ctx context.Context, tx *database.Tx, user *User, hash string) error {
	now := s.now()
	if err := tx.Model(user).Updates(map[string]any{"password_hash": hash, "updated_at": now}).Error; err != nil {
		return fmt.Errorf("store password: %w", err)
	}
	if err := tx.Model(&RefreshToken{}).Where("user_id = ? AND revoked_at IS NULL", user.ID).
		Update("revoked_at", now).Error; err != nil {
		return fmt.Errorf("revoke sessions: %w", err)
	}
	return s.endLoginLockout(ctx, tx, user.Email)
}

// user loads a user by id.
func (s *Service) user(ctx context.Context, h database.Handle, id uuid.UUID) (User, error) {
	var u User
	err := h.Query(ctx).Where("id = ?", id).Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return u, apperr.NotFound("user")
	}
	if err != nil {
		return u, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}
