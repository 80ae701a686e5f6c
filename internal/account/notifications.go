package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/unsubscribe"
)

// Opt-outs of optional emails are kept by address hash, not by account
// (notification_opt_outs, see its migration): an invitee can opt out
// before they have an account, and the opt-out outlives an erasure
// without keeping the address. Transactional emails ignore them.

// NotificationPreferences are the person's choices about optional emails.
type NotificationPreferences struct {
	OnboardingTips bool
}

// DefaultNotificationPreferences apply to whoever has not chosen.
var DefaultNotificationPreferences = NotificationPreferences{OnboardingTips: true}

// NotificationPreferencesUpdate sets the preferences; every field is
// required (a nil one is a 422 naming it).
type NotificationPreferencesUpdate struct {
	OnboardingTips *bool
}

// errBadUnsubscribeToken is every token that does not verify: nothing
// says whose it was meant to be.
var errBadUnsubscribeToken = apperr.InvalidField("token", "is not a valid unsubscribe link; open the link from the email again")

// userEmailHash is the SQL of a user's email hash, the expression the
// nudge sweep joins notification_opt_outs with (unsubscribe.EmailHash
// computes the same in Go).
const userEmailHash = `sha256(convert_to(lower(u.email), 'UTF8'))`

// NotificationPreferences are the caller's choices.
func (s *Service) NotificationPreferences(ctx context.Context, p auth.Principal) (NotificationPreferences, error) {
	return s.notificationPreferences(ctx, s.db, p.UserID)
}

func (s *Service) notificationPreferences(ctx context.Context, h database.Handle, userID uuid.UUID) (NotificationPreferences, error) {
	var found []struct {
		Category *string
	}
	err := h.Query(ctx).Raw(`
		SELECT o.category FROM users u
		  LEFT JOIN notification_opt_outs o ON o.email_hash = `+userEmailHash+`
		 WHERE u.id = ? AND u.erased_at IS NULL`, userID).Scan(&found).Error
	if err != nil {
		return NotificationPreferences{}, fmt.Errorf("read notification preferences: %w", err)
	}
	if len(found) == 0 {
		return NotificationPreferences{}, apperr.NotFound("user")
	}
	prefs := DefaultNotificationPreferences
	for _, f := range found {
		if f.Category != nil && unsubscribe.Category(*f.Category) == unsubscribe.OnboardingTips {
			prefs.OnboardingTips = false
		}
	}
	return prefs, nil
}

// SetNotificationPreferences records the caller's choices and answers
// them: opting out keeps the first opt-out's time, opting back in removes
// it.
func (s *Service) SetNotificationPreferences(ctx context.Context, p auth.Principal, in NotificationPreferencesUpdate) (NotificationPreferences, error) {
	var v apperr.Validator
	v.Check(in.OnboardingTips != nil, "onboarding_tips", "is required (true or false)")
	if err := v.Err(); err != nil {
		return NotificationPreferences{}, err
	}
	var out NotificationPreferences
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		var emails []string
		if err := tx.Query(ctx).Raw(`SELECT email FROM users WHERE id = ? AND erased_at IS NULL`, p.UserID).Scan(&emails).Error; err != nil {
			return fmt.Errorf("find user: %w", err)
		}
		if len(emails) == 0 {
			return apperr.NotFound("user")
		}
		hash := unsubscribe.EmailHash(emails[0])
		if *in.OnboardingTips {
			if err := tx.Where("email_hash = ? AND category = ?", hash, string(unsubscribe.OnboardingTips)).
				Delete(&notificationOptOut{}).Error; err != nil {
				return fmt.Errorf("opt in: %w", err)
			}
		} else if err := s.optOut(ctx, tx, hash, unsubscribe.OnboardingTips); err != nil {
			return err
		}
		var err error
		out, err = s.notificationPreferences(ctx, tx, p.UserID)
		return err
	})
	if err != nil {
		return NotificationPreferences{}, err
	}
	return out, nil
}

// UnsubscribeCategory verifies an unsubscribe token and says which
// emails it stops, changing nothing: the page a link opens asks first.
func (s *Service) UnsubscribeCategory(token string) (unsubscribe.Category, error) {
	sub, err := s.verifyUnsubscribe(token)
	return sub.Category, err
}

// Unsubscribe records the opt-out a token names, at once; a second time
// changes nothing (the first opt-out's time stays). It needs no sign-in:
// the signed token is the proof, and it works for an invitee without an
// account as for a user.
func (s *Service) Unsubscribe(ctx context.Context, token string) (unsubscribe.Category, error) {
	sub, err := s.verifyUnsubscribe(token)
	if err != nil {
		return "", err
	}
	if err := s.optOut(ctx, s.db, sub.EmailHash, sub.Category); err != nil {
		return "", err
	}
	return sub.Category, nil
}

func (s *Service) verifyUnsubscribe(token string) (unsubscribe.Subscription, error) {
	if s.unsubscribe == nil {
		return unsubscribe.Subscription{}, errors.New("verify unsubscribe token: no unsubscribe signer configured")
	}
	sub, err := s.unsubscribe.Verify(token)
	if err != nil {
		return unsubscribe.Subscription{}, errBadUnsubscribeToken
	}
	return sub, nil
}

// notificationOptOut is a row of notification_opt_outs.
type notificationOptOut struct {
	EmailHash  []byte
	Category   string
	OptedOutAt time.Time
}

func (notificationOptOut) TableName() string { return "notification_opt_outs" }

func (s *Service) optOut(ctx context.Context, h database.Handle, emailHash []byte, c unsubscribe.Category) error {
	row := notificationOptOut{EmailHash: emailHash, Category: string(c), OptedOutAt: s.now()}
	if err := h.Query(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return fmt.Errorf("record opt-out: %w", err)
	}
	return nil
}
