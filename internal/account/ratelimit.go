package account

import (
	"context"
	"fmt"
	"time"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// Limit is at most Max hits per sliding Window.
type Limit struct {
	Max    int
	Window time.Duration
}

// Limits the service applies.
var (
	loginFailureLimit = Limit{Max: 10, Window: 15 * time.Minute} // per email
	resendLimit       = Limit{Max: 5, Window: time.Hour}         // verification emails per user
	resetLimit        = Limit{Max: 5, Window: time.Hour}         // reset emails per address
)

// limiter counts hits per bucket (e.g. "login:ada@acme.test") in the
// rate_limit_hits table, so every instance of the service shares the count.
type limiter struct {
	db  *database.DB
	now func() time.Time
}

// hit is one recorded hit; release removes it again.
type hit struct {
	bucket string
	at     time.Time
}

// take records a hit in bucket, or refuses with a rate-limit error (carrying
// when to retry) when the bucket already holds lim.Max hits in the window.
// Check and record are serialized per bucket by a transaction-scoped
// advisory lock, so racing requests cannot overshoot the limit.
func (l *limiter) take(ctx context.Context, bucket string, lim Limit, refusal string) (hit, error) {
	var h hit
	err := l.db.InTx(ctx, func(tx *database.Tx) error {
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`, bucket).Error; err != nil {
			return err
		}
		now := l.now()
		since := now.Add(-lim.Window)
		// Hits that left the window are no use to anyone any more.
		if err := tx.Exec(`DELETE FROM rate_limit_hits WHERE bucket = ? AND occurred_at <= ?`, bucket, since).Error; err != nil {
			return err
		}
		var window struct {
			N      int
			Oldest *time.Time
		}
		if err := tx.Raw(`SELECT count(*) AS n, min(occurred_at) AS oldest FROM rate_limit_hits WHERE bucket = ?`, bucket).
			Scan(&window).Error; err != nil {
			return err
		}
		if window.N >= lim.Max && window.Oldest != nil {
			retry := window.Oldest.Add(lim.Window).Sub(now)
			if retry < time.Second {
				retry = time.Second
			}
			return apperr.RateLimited(refusal, retry)
		}
		h.bucket = bucket
		return tx.Raw(`INSERT INTO rate_limit_hits (bucket, occurred_at) VALUES (?, ?) RETURNING occurred_at`, bucket, now).
			Scan(&h.at).Error
	})
	if err != nil {
		if _, ok := apperr.As(err); ok {
			return hit{}, err
		}
		return hit{}, fmt.Errorf("rate limit %s: %w", bucketKind(bucket), err)
	}
	return h, nil
}

// release removes a hit that turned out not to count (a successful login).
func (l *limiter) release(ctx context.Context, h hit) error {
	err := l.db.Gorm.WithContext(ctx).Exec(`
		DELETE FROM rate_limit_hits WHERE ctid = (
			SELECT ctid FROM rate_limit_hits WHERE bucket = ? AND occurred_at = ? LIMIT 1)`, h.bucket, h.at).Error
	if err != nil {
		return fmt.Errorf("release rate limit hit: %w", err)
	}
	return nil
}

// reset forgets every hit of a bucket (a password reset ends a lockout).
func (l *limiter) reset(ctx context.Context, tx *database.Tx, bucket string) error {
	if err := tx.WithContext(ctx).Exec(`DELETE FROM rate_limit_hits WHERE bucket = ?`, bucket).Error; err != nil {
		return fmt.Errorf("reset rate limit: %w", err)
	}
	return nil
}

// bucketKind is the bucket without its subject (an email or an IP), for
// error messages and logs.
func bucketKind(bucket string) string {
	for i := 0; i < len(bucket); i++ {
		if bucket[i] == ':' {
			return bucket[:i]
		}
	}
	return bucket
}
