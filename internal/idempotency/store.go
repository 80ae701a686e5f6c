// Package idempotency keeps the first response to a request made with an
// Idempotency-Key, so a client that retries (a timeout, a double click) gets
// that response again instead of a second signup or checkout.
package idempotency

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// TTL is how long a key's response is replayed.
const TTL = 24 * time.Hour

// abandonAfter is when an unfinished first request (its process died) no
// longer blocks retries with the same key.
const abandonAfter = 2 * time.Minute

// finishTimeout bounds Complete and Release, which run on their own
// rather than under the caller's context: they are called as a request
// ends, often after its client has gone (a double click drops the first
// post), and a key not recorded or freed then stays "in progress" for
// abandonAfter, so the client's retry waits and fails.
const finishTimeout = 5 * time.Second

// Store records keys and their responses in PostgreSQL, shared by every
// instance of the service.
type Store struct {
	db      *database.DB
	hashKey []byte
	now     func() time.Time
}

// MinSecretLen is the shortest secret NewStore takes.
const MinSecretLen = 32

// NewStore builds a store over db. secret keys the request fingerprints
// (RequestHash): a signup's carries its password, and a plain SHA-256 of
// it, kept for a day, could be tried against guesses by anyone who reads
// the table, bypassing the password hash's cost.
func NewStore(db *database.DB, secret []byte) (*Store, error) {
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("idempotency: the request fingerprints' secret must be at least %d bytes, got %d", MinSecretLen, len(secret))
	}
	// A key of its own, so these fingerprints say nothing of what else
	// the secret signs.
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("onramp idempotency request fingerprint"))
	return &Store{db: db, hashKey: mac.Sum(nil), now: time.Now}, nil
}

// Response is a stored first response.
type Response struct {
	Status int
	Body   []byte
}

// RequestHash fingerprints what a key must always be sent with, keyed by
// the store's secret.
func (s *Store) RequestHash(method, path string, body []byte) []byte {
	h := hmac.New(sha256.New, s.hashKey)
	fmt.Fprintf(h, "%s %s\n", method, path)
	h.Write(body)
	return h.Sum(nil)
}

// Begin claims (scope, key) for a request with the given hash. It returns
// the stored response when the same request already completed (replay it),
// nil when the caller owns the key and must run the request and then call
// Complete or Release, or a conflict: the key was used with another request
// (idempotency_key_reused), or its first request is still running
// (idempotency_request_in_progress).
func (s *Store) Begin(ctx context.Context, scope, key string, hash []byte) (*Response, error) {
	now := s.now()
	db := s.db.Gorm.WithContext(ctx)
	// A key expires 24 h after first use; an unfinished claim older than
	// abandonAfter belongs to a request that never finished.
	if err := db.Exec(`DELETE FROM idempotency_keys WHERE scope = ? AND key = ?
		AND (created_at < ? OR (completed_at IS NULL AND created_at < ?))`,
		scope, key, now.Add(-TTL), now.Add(-abandonAfter)).Error; err != nil {
		return nil, fmt.Errorf("expire idempotency key: %w", err)
	}
	res := db.Exec(`INSERT INTO idempotency_keys (scope, key, request_hash, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (scope, key) DO NOTHING`, scope, key, hash, now)
	if res.Error != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return nil, nil
	}
	var row struct {
		RequestHash  []byte
		StatusCode   *int
		ResponseBody []byte
	}
	err := db.Raw(`SELECT request_hash, status_code, response_body FROM idempotency_keys
		WHERE scope = ? AND key = ?`, scope, key).Scan(&row).Error
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	switch {
	case row.RequestHash == nil:
		// Released between our insert and this read: the caller may retry.
		return nil, apperr.Conflict("idempotency_request_in_progress", "a request with this Idempotency-Key is in progress; retry shortly")
	case string(row.RequestHash) != string(hash):
		return nil, apperr.Conflict("idempotency_key_reused", "this Idempotency-Key was already used with a different request")
	case row.StatusCode == nil:
		return nil, apperr.Conflict("idempotency_request_in_progress", "a request with this Idempotency-Key is in progress; retry shortly")
	}
	return &Response{Status: *row.StatusCode, Body: row.ResponseBody}, nil
}

// finishing is ctx without its cancellation (its values kept), bounded by
// finishTimeout.
func finishing(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
}

// Complete stores the response that later requests with the key replay,
// even when ctx is already canceled (finishTimeout).
func (s *Store) Complete(ctx context.Context, scope, key string, r Response) error {
	ctx, cancel := finishing(ctx)
	defer cancel()
	err := s.db.Gorm.WithContext(ctx).Exec(`UPDATE idempotency_keys SET status_code = ?, response_body = ?, completed_at = ?
		WHERE scope = ? AND key = ?`, r.Status, r.Body, s.now(), scope, key).Error
	if err != nil {
		return fmt.Errorf("store idempotent response: %w", err)
	}
	return nil
}

// Release forgets an unfinished claim, so a retry runs the request again
// (used when the request failed and changed nothing), even when ctx is
// already canceled (finishTimeout).
func (s *Store) Release(ctx context.Context, scope, key string) error {
	ctx, cancel := finishing(ctx)
	defer cancel()
	err := s.db.Gorm.WithContext(ctx).Exec(`DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND completed_at IS NULL`, scope, key).Error
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}

// Prune deletes keys older than TTL; the job runner calls it hourly.
func (s *Store) Prune(ctx context.Context) (int64, error) {
	res := s.db.Gorm.WithContext(ctx).Exec(`DELETE FROM idempotency_keys WHERE created_at < ?`, s.now().Add(-TTL))
	if res.Error != nil {
		return 0, fmt.Errorf("prune idempotency keys: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// ErrNoKey is returned by ValidKey for an empty key.
var ErrNoKey = errors.New("no idempotency key")

// ValidKey checks a client-supplied key: 1-255 printable ASCII characters.
func ValidKey(key string) error {
	if key == "" {
		return ErrNoKey
	}
	if len(key) > 255 {
		return apperr.InvalidField("Idempotency-Key", "must be at most 255 characters")
	}
	for _, r := range key {
		if r < 0x20 || r > 0x7e {
			return apperr.InvalidField("Idempotency-Key", "must be printable ASCII (a UUID is a good key)")
		}
	}
	return nil
}
