package account

import (
	"context"
	"fmt"
	"time"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// Failed sign-ins are counted per client as well as per email, so that a
// third party hammering an address locks out itself, not the address's
// owner. A client is the clientKey of the IP gin reports (TRUSTED_PROXIES
// decides whether X-Forwarded-For names it): an IPv6 client is its /64.
const (
	loginWindow = 15 * time.Minute
	// The contract's limit ("10 failures in 15 minutes"), for the client
	// doing the failing: per (email, client).
	loginFailuresPerPair = 10
	// One client trying a password on many addresses. Generous, because an
	// office behind one NAT is one client to us and its people mistype too.
	loginFailuresPerClient = 50
	// Once an address has this many failures from all clients, a client
	// that has already failed on it waits until its own failures age out:
	// guessing from many clients then gets one try per client, while a
	// client that has not failed (the owner, elsewhere) still signs in.
	loginFailuresPerEmail = 10
)

const errTooManyLoginFailures = "too many failed sign-in attempts; try again later"

func loginBucket(email string) string { return "login:" + email }

// loginPairPrefix starts the (email, client) buckets of an email. Valid
// emails hold no space, so the prefix never matches another address.
func loginPairPrefix(email string) string { return "login-pair:" + email + " " }

func loginClientBucket(client string) string { return "login-client:" + client }

// loginAttempt is a sign-in attempt, counted as a failure until the
// password checks out: pair is its (email, client) bucket, hits its hits
// in the client's and the email's buckets.
type loginAttempt struct {
	pair string
	hits []hit
}

// takeLoginAttempt refuses a client over a failure limit (429 with
// Retry-After), and otherwise counts the attempt as a failure in each of its
// buckets, in one transaction: racing attempts cannot overshoot a limit.
func (s *Service) takeLoginAttempt(ctx context.Context, email, client string) (loginAttempt, error) {
	client = clientKey(client)
	a := loginAttempt{pair: loginPairPrefix(email) + client}
	perClient, perEmail := loginClientBucket(client), loginBucket(email)
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		if err := s.limits.lock(ctx, tx, a.pair, perClient, perEmail); err != nil {
			return err
		}
		pair, err := s.limits.window(ctx, tx, a.pair, Limit{Max: loginFailuresPerPair, Window: loginWindow})
		if err != nil {
			return err
		}
		byClient, err := s.limits.window(ctx, tx, perClient, Limit{Max: loginFailuresPerClient, Window: loginWindow})
		if err != nil {
			return err
		}
		byEmail, err := s.limits.window(ctx, tx, perEmail, Limit{Max: loginFailuresPerEmail, Window: loginWindow})
		if err != nil {
			return err
		}
		switch {
		case pair.full():
			return apperr.RateLimited(errTooManyLoginFailures, pair.retryAfter())
		case byClient.full():
			return apperr.RateLimited(errTooManyLoginFailures, byClient.retryAfter())
		case byEmail.full() && pair.n > 0:
			return apperr.RateLimited(errTooManyLoginFailures, pair.clearsIn())
		}
		if _, err := s.limits.record(ctx, tx, a.pair); err != nil {
			return err
		}
		for _, bucket := range []string{perClient, perEmail} {
			h, err := s.limits.record(ctx, tx, bucket)
			if err != nil {
				return err
			}
			a.hits = append(a.hits, h)
		}
		return nil
	})
	if err != nil {
		if apperr.Is(err, apperr.CodeRateLimited) {
			return loginAttempt{}, err
		}
		return loginAttempt{}, fmt.Errorf("count sign-in attempt: %w", err)
	}
	return a, nil
}

// loginSucceeded takes the attempt back, and the client's earlier
// failures on the address with it: the client knows the password.
func (s *Service) loginSucceeded(ctx context.Context, a loginAttempt) error {
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		if err := s.limits.release(ctx, tx, a.hits...); err != nil {
			return err
		}
		return s.limits.reset(ctx, tx, a.pair)
	})
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	return nil
}

// endLoginLockout forgets an address's failed sign-ins from every client
// (its owner reset the password through the emailed link).
func (s *Service) endLoginLockout(ctx context.Context, tx *database.Tx, email string) error {
	if err := s.limits.reset(ctx, tx, loginBucket(email)); err != nil {
		return err
	}
	return s.limits.resetPrefix(ctx, tx, loginPairPrefix(email))
}
