package account

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
)

var (
	// A wrong password is a 403, not a 401: the access token is fine, and
	// a client that signs its user out on a 401 would do so for a typo.
	errWrongPassword = &apperr.Error{Code: apperr.CodeForbidden, Reason: "wrong_password",
		Message: "the password is not right; your account was not deleted"}
	errLastOwnerLeaving = apperr.Conflict("last_owner",
		"you are the last owner of an organization with other members; make someone else owner first")
	errSubscriptionActive = apperr.Conflict("subscription_active",
		"you are the only member of an organization whose subscription is still live; cancel it first (billing portal)")
)

// liveBilling are the organization billing statuses of a subscription that
// may still charge or be resumed: an organization in one of them is not
// erased with its last member. canceled, incomplete_expired and none are
// over.
var liveBilling = map[string]bool{
	"trialing": true, "active": true, "past_due": true, "unpaid": true, "paused": true, "incomplete": true,
}

// EraseInput confirms an erasure with the account's password. ClientIP is
// who asks, for the sign-in failure limits the password check counts in.
type EraseInput struct {
	Password string
	ClientIP string
}

// EraseAccount deletes the caller's account (GDPR art. 17), in one
// transaction: they leave every organization (an organization they are the
// sole member of is erased with them, unless its subscription is live: 409
// subscription_active; the last owner of an organization with other members
// is refused: 409 last_owner), what other packages keep about them goes
// (PersonalData), and the user row stays as a tombstone with no email,
// name or password, its sessions ended. Events stay, without the user, so
// company counters do not change. A wrong password counts as a failed
// sign-in (429 after too many).
func (s *Service) EraseAccount(ctx context.Context, p auth.Principal, in EraseInput) error {
	var v apperr.Validator
	v.Check(in.Password != "", "password", "is required")
	v.Check(utf8.RuneCountInString(in.Password) <= MaxPasswordLen, "password", "must be at most 128 characters")
	if err := v.Err(); err != nil {
		return err
	}
	user, err := s.user(ctx, s.db, p.UserID)
	if err != nil {
		return err
	}
	attempt, err := s.takeLoginAttempt(ctx, user.Email, in.ClientIP)
	if err != nil {
		return err
	}
	ok, err := s.passwords.Check(ctx, user.PasswordHash, in.Password)
	if err != nil {
		return fmt.Errorf("erase account: %w", err)
	}
	if !ok {
		return errWrongPassword
	}
	if err := s.loginSucceeded(ctx, attempt); err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *database.Tx) error {
		// The row lock holds off new memberships and sessions of the user
		// (their inserts check the row) until the erasure is done, so the
		// memberships read below are all there are.
		var locked User
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ? AND erased_at IS NULL", user.ID).Take(&locked).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return errAccessEnded // erased meanwhile
		}
		if err != nil {
			return fmt.Errorf("lock user: %w", err)
		}
		if locked.PasswordHash != user.PasswordHash {
			return errWrongPassword // changed since it was checked
		}
		var memberships []Membership
		// In id order, like every path that locks several organizations.
		if err := tx.Where("user_id = ?", user.ID).Order("organization_id").Find(&memberships).Error; err != nil {
			return fmt.Errorf("find memberships: %w", err)
		}
		if err := s.lockPersonOrganizations(ctx, tx, user.ID, memberships); err != nil {
			return err
		}
		for _, m := range memberships {
			if err := s.leaveForGood(ctx, tx, m); err != nil {
				return err
			}
		}
		if s.personal != nil {
			if err := s.personal.ErasePerson(ctx, tx, user.ID); err != nil {
				return fmt.Errorf("erase personal data: %w", err)
			}
		}
		return s.leaveTombstone(ctx, tx, locked)
	})
	if err != nil {
		return fmt.Errorf("erase account: %w", err)
	}
	return nil
}

// lockPersonOrganizations locks, in id order, every organization the
// erasure will touch: those of the person's memberships and those they
// left that still hold something of theirs (their ticks, their events).
// Locking them as it goes would take a former organization after a
// current one with a higher id: the reverse of other multi-organization
// paths, a deadlock.
func (s *Service) lockPersonOrganizations(ctx context.Context, tx *database.Tx, userID uuid.UUID, memberships []Membership) error {
	orgs := make([]uuid.UUID, 0, len(memberships))
	for _, m := range memberships {
		orgs = append(orgs, m.OrganizationID)
	}
	if s.personal != nil {
		former, err := s.personal.PersonOrganizations(ctx, tx, userID)
		if err != nil {
			return fmt.Errorf("find the person's organizations: %w", err)
		}
		orgs = append(orgs, former...)
	}
	slices.SortFunc(orgs, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	for _, id := range slices.Compact(orgs) {
		if err := tx.LockOrganization(ctx, id); err != nil && !apperr.Is(err, apperr.CodeNotFound) {
			return err
		}
	}
	return nil
}

// leaveForGood takes the person out of m's organization, with it locked:
// the sole member erases it (cascading everything of it) unless its
// subscription is live; otherwise the membership goes (its trigger marks
// the onboarding member row left) and member_left is recorded, without the
// user: the company learns that someone left, not who.
func (s *Service) leaveForGood(ctx context.Context, tx *database.Tx, m Membership) error {
	if err := tx.LockOrganization(ctx, m.OrganizationID); err != nil {
		if apperr.Is(err, apperr.CodeNotFound) {
			return nil // erased meanwhile, with the membership
		}
		return err
	}
	var st struct {
		Role          *string
		Members       int64
		Owners        int64
		BillingStatus string
	}
	err := tx.Raw(`
		SELECT (SELECT role FROM memberships WHERE organization_id = o.id AND user_id = ?) AS role,
		       (SELECT count(*) FROM memberships WHERE organization_id = o.id) AS members,
		       (SELECT count(*) FROM memberships WHERE organization_id = o.id AND role = ?) AS owners,
		       o.billing_status
		  FROM organizations o WHERE o.id = ?`, m.UserID, RoleOwner, m.OrganizationID).Scan(&st).Error
	if err != nil {
		return fmt.Errorf("read organization: %w", err)
	}
	switch {
	case st.Role == nil:
		return nil // removed meanwhile
	case st.Members == 1:
		if liveBilling[st.BillingStatus] {
			return errSubscriptionActive
		}
		if s.personal != nil {
			if err := s.personal.ForgetOrganization(ctx, tx, m.OrganizationID); err != nil {
				return fmt.Errorf("erase organization: %w", err)
			}
		}
		if err := tx.Exec(`DELETE FROM organizations WHERE id = ?`, m.OrganizationID).Error; err != nil {
			return fmt.Errorf("erase organization: %w", err)
		}
		return nil
	case *st.Role == RoleOwner && st.Owners == 1:
		return errLastOwnerLeaving
	}
	if err := tx.Where("organization_id = ? AND user_id = ?", m.OrganizationID, m.UserID).Delete(&Membership{}).Error; err != nil {
		return fmt.Errorf("delete membership: %w", err)
	}
	return s.recordEvent(ctx, tx, m.OrganizationID, serverevent.MemberLeft, uuid.Nil, nil)
}

// leaveTombstone ends the user's sessions, deletes what names them (email
// tokens, the sent-email log, invitations to them, rate-limit buckets and
// queued emails with their address, those by address only once the
// address was proved theirs) and blanks the user row: its email
// becomes <id>@erased.invalid (unique, and nobody's), its name and
// password hash empty (no password matches an empty hash, so no sign-in
// ever does). The row stays because ids of it are referenced (events'
// authors are anonymized, but audit and billing rows keep actor ids);
// is_staff stays as it was. Opt-outs of optional emails stay: they
// hold no address (only its hash), and "never send me these" must still
// hold if the address is invited again.
func (s *Service) leaveTombstone(ctx context.Context, tx *database.Tx, u User) error {
	now := s.now()
	steps := []struct {
		what  string
		query string
		args  []any
	}{
		{"end sessions", `UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, []any{now, u.ID}},
		{"delete email tokens", `DELETE FROM email_tokens WHERE user_id = ?`, []any{u.ID}},
		// What was sent to their account, and, once they proved the
		// address is theirs, to the address: an unproved address may be
		// someone else's, whose log and invitations stay. Invitations: the
		// ones they accepted, and with a proved address every other one to
		// it (pending ones included: the address is theirs to withdraw).
		{"delete sent-email log", `DELETE FROM sent_emails WHERE user_id = ? OR (? AND recipient = ?)`,
			[]any{u.ID, u.EmailVerifiedAt != nil, u.Email}},
		{"delete invitations", `DELETE FROM invitations WHERE accepted_by = ? OR (? AND email = ?)`,
			[]any{u.ID, u.EmailVerifiedAt != nil, u.Email}},
		// Buckets named after the address: failed sign-ins, reset emails,
		// and each organization's invitations to it ("invite-to:<org> <email>").
		{"delete rate limits", `DELETE FROM rate_limit_hits
			WHERE bucket IN (?, ?) OR starts_with(bucket, ?) OR (starts_with(bucket, 'invite-to:') AND right(bucket, length(?)) = ?)`,
			[]any{loginBucket(u.Email), resetBucket(u.Email), loginPairPrefix(u.Email), " " + u.Email, " " + u.Email}},
		// A signup sent with an Idempotency-Key keeps its answer (their
		// email and name) for a day, to replay it: it goes too.
		{"delete signup replays", `DELETE FROM idempotency_keys
			WHERE starts_with(scope, 'signup:') AND position(convert_to(?, 'UTF8') IN response_body) > 0`, []any{u.ID.String()}},
		{"blank user", `UPDATE users SET email = ?, full_name = '', password_hash = '', locale = NULL, time_zone = NULL,
			email_verified_at = NULL, erased_at = ?, updated_at = ? WHERE id = ?`,
			[]any{u.ID.String() + "@erased.invalid", now, now, u.ID}},
	}
	for _, st := range steps {
		if err := tx.Exec(st.query, st.args...).Error; err != nil {
			return fmt.Errorf("%s: %w", st.what, err)
		}
	}
	if s.mailer != nil {
		address := "" // by account only
		if u.EmailVerifiedAt != nil {
			address = u.Email
		}
		if err := s.mailer.Forget(ctx, tx, u.ID, address); err != nil {
			return err
		}
	}
	return nil
}
