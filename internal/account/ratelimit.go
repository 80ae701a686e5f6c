package account

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// Limit is at most Max hits per sliding Window.
type Limit struct {
	Max    int
	Window time.Duration
}

// Limits on emails the service sends for someone who asks; the sign-in and
// invitation limits sit with their use cases (loginlimit.go, invitations.go).
const (
	resendsPerHour = 5 // verification emails per user
	resetsPerHour  = 5 // reset emails per address
	// Reset requests per client per hour, whatever the address: the
	// request path cannot limit per address without telling which ones
	// have an account, so this bounds what one client queues.
	resetRequestsPerClient = 20
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
func (l *limiter) take(ctx context.Context, bucket string, lim Limit, refusal string) (hit, error) {
	var h hit
	err := l.db.InTx(ctx, func(tx *database.Tx) error {
		var err error
		h, err = l.takeIn(ctx, tx, bucket, lim, refusal)
		return err
	})
	return h, err
}

// takeIn is take inside the caller's transaction: the hit counts if and
// only if tx commits, so a use case that fails later gives it back.
func (l *limiter) takeIn(ctx context.Context, tx *database.Tx, bucket string, lim Limit, refusal string) (hit, error) {
	if err := l.lock(ctx, tx, bucket); err != nil {
		return hit{}, err
	}
	w, err := l.window(ctx, tx, bucket, lim)
	if err != nil {
		return hit{}, err
	}
	if w.full() {
		return hit{}, apperr.RateLimited(refusal, w.retryAfter())
	}
	return l.record(ctx, tx, bucket)
}

// lock serializes check and record per bucket until tx ends (a
// transaction-scoped advisory lock), so racing requests cannot overshoot a
// limit. Several buckets are locked in one statement, in the order of their
// lock keys, so two transactions sharing some buckets never wait on each
// other in a cycle.
func (l *limiter) lock(ctx context.Context, tx *database.Tx, buckets ...string) error {
	_, err := tx.SQL().ExecContext(ctx, `SELECT pg_advisory_xact_lock(k) FROM (
		SELECT DISTINCT hashtextextended(b, 0) AS k FROM unnest($1::text[]) AS b ORDER BY k) AS keys`, buckets)
	if err != nil {
		return fmt.Errorf("rate limit %s: lock: %w", bucketKind(buckets[0]), err)
	}
	return nil
}

// window is what a locked bucket holds within a limit's window.
type window struct {
	lim            Limit
	now            time.Time
	n              int
	oldest, newest *time.Time
}

// full reports that one more hit would exceed the limit.
func (w window) full() bool { return w.n >= w.lim.Max }

// retryAfter is when the oldest hit leaves the window (a full bucket then
// takes one more), at least a second.
func (w window) retryAfter() time.Duration { return w.until(w.oldest) }

// clearsIn is when the newest hit leaves the window (the bucket is then
// empty), at least a second.
func (w window) clearsIn() time.Duration { return w.until(w.newest) }

func (w window) until(t *time.Time) time.Duration {
	if t == nil {
		return time.Second
	}
	return max(t.Add(w.lim.Window).Sub(w.now), time.Second)
}

// window counts bucket's hits in lim's window; the bucket must be locked.
func (l *limiter) window(ctx context.Context, tx *database.Tx, bucket string, lim Limit) (window, error) {
	w := window{lim: lim, now: l.now()}
	db := tx.WithContext(ctx)
	// Hits that left the window are no use to anyone any more.
	if err := db.Exec(`DELETE FROM rate_limit_hits WHERE bucket = ? AND occurred_at <= ?`, bucket, w.now.Add(-lim.Window)).Error; err != nil {
		return w, fmt.Errorf("rate limit %s: expire hits: %w", bucketKind(bucket), err)
	}
	var row struct {
		N              int
		Oldest, Newest *time.Time
	}
	if err := db.Raw(`SELECT count(*) AS n, min(occurred_at) AS oldest, max(occurred_at) AS newest FROM rate_limit_hits WHERE bucket = ?`, bucket).
		Scan(&row).Error; err != nil {
		return w, fmt.Errorf("rate limit %s: count hits: %w", bucketKind(bucket), err)
	}
	w.n, w.oldest, w.newest = row.N, row.Oldest, row.Newest
	return w, nil
}

// record adds a hit to a locked bucket.
func (l *limiter) record(ctx context.Context, tx *database.Tx, bucket string) (hit, error) {
	h := hit{bucket: bucket}
	if err := tx.WithContext(ctx).Raw(`INSERT INTO rate_limit_hits (bucket, occurred_at) VALUES (?, ?) RETURNING occurred_at`, bucket, l.now()).
		Scan(&h.at).Error; err != nil {
		return hit{}, fmt.Errorf("rate limit %s: record hit: %w", bucketKind(bucket), err)
	}
	return h, nil
}

// release removes hits that turned out not to count (a successful login).
func (l *limiter) release(ctx context.Context, tx *database.Tx, hits ...hit) error {
	for _, h := range hits {
		err := tx.WithContext(ctx).Exec(`
			DELETE FROM rate_limit_hits WHERE ctid = (
				SELECT ctid FROM rate_limit_hits WHERE bucket = ? AND occurred_at = ? LIMIT 1)`, h.bucket, h.at).Error
		if err != nil {
			return fmt.Errorf("release rate limit hit: %w", err)
		}
	}
	return nil
}

// reset forgets every hit of a bucket (a sign-in lockout ends).
func (l *limiter) reset(ctx context.Context, tx *database.Tx, bucket string) error {
	if err := tx.WithContext(ctx).Exec(`DELETE FROM rate_limit_hits WHERE bucket = ?`, bucket).Error; err != nil {
		return fmt.Errorf("reset rate limit %s: %w", bucketKind(bucket), err)
	}
	return nil
}

// resetPrefix forgets every hit of the buckets starting with prefix.
func (l *limiter) resetPrefix(ctx context.Context, tx *database.Tx, prefix string) error {
	if err := tx.WithContext(ctx).Exec(`DELETE FROM rate_limit_hits WHERE starts_with(bucket, ?)`, prefix).Error; err != nil {
		return fmt.Errorf("reset rate limits %s: %w", bucketKind(prefix), err)
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

// clientKey is the client a per-client limit counts: an IPv4 address, or
// the /64 of an IPv6 address (IPv4-mapped ones count as IPv4). One
// subscriber gets a whole /64 and can rotate through it at will, so
// counting its addresses apart would give it a fresh bucket per request.
// An IP that cannot be read (a caller that could not say; never the HTTP
// API) is "unknown".
func clientKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return "unknown"
	}
	addr = addr.Unmap().WithZone("")
	if addr.Is4() {
		return addr.String()
	}
	return netip.PrefixFrom(addr, 64).Masked().String()
}
