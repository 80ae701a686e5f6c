// Package apikeys holds the server keys the product's own backend calls the
// API with: created and revoked by staff (audited), shown once, stored as
// a SHA-256 hash, scoped, and limited to a number of events per minute.
//
// A key is looked up in the database on every request: no cache, so a
// revoked key stops working on the next request, on every instance.
package apikeys

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/clock"
	"github.com/onramp/onramp/internal/database"
)

// Prefix starts every key, so a key is recognized (by people, by secret
// scanners, by the API telling it from an access token).
const Prefix = "onr_sk_"

// ScopeEventsWrite lets a key send events for the members of any
// organization (POST /v1/events).
const ScopeEventsWrite = "events:write"

// scopes are the scopes a key may carry.
var scopes = []string{ScopeEventsWrite}

// Key is a server key as listed: never the key itself.
type Key struct {
	ID        uuid.UUID  `json:"id"`
	Name      string     `json:"name"`
	Scopes    []string   `json:"scopes"`
	Prefix    string     `json:"prefix"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// Created is a new key with its secret, shown this once.
type Created struct {
	Key
	Secret string `json:"key"`
}

// Auditor records staff changes in the audit log, in the change's
// transaction; onboarding implements it.
type Auditor interface {
	Audit(ctx context.Context, tx *database.Tx, actor uuid.UUID, action, target string, before, after any) error
}

// Config holds the service's dependencies.
type Config struct {
	DB    *database.DB
	Audit Auditor
	Clock clock.Clock // nil: the system clock
	// RateLimit is how many events one key may send per minute
	// (API_KEY_RATE_LIMIT); 0: no limit.
	RateLimit int
}

// Service creates, lists, revokes and authenticates keys.
type Service struct {
	db        *database.DB
	audit     Auditor
	now       func() time.Time
	rateLimit int
}

// NewService builds the service.
func NewService(c Config) *Service {
	return &Service{db: c.DB, audit: c.Audit, now: clock.Or(c.Clock).Now, rateLimit: c.RateLimit}
}

// keyColumns are what a Key is read from: scopes come as JSON
// (database/sql has no text[]).
const keyColumns = `id, name, array_to_json(scopes), prefix, created_at, revoked_at`

// scanKey reads keyColumns.
func scanKey(scan func(dest ...any) error) (Key, error) {
	var k Key
	var scopes []byte
	if err := scan(&k.ID, &k.Name, &scopes, &k.Prefix, &k.CreatedAt, &k.RevokedAt); err != nil {
		return Key{}, err
	}
	if err := json.Unmarshal(scopes, &k.Scopes); err != nil {
		return Key{}, fmt.Errorf("decode scopes: %w", err)
	}
	k.CreatedAt = k.CreatedAt.UTC()
	if k.RevokedAt != nil {
		at := k.RevokedAt.UTC()
		k.RevokedAt = &at
	}
	return k, nil
}

// Input is what staff send to create a key.
type Input struct {
	Name   string
	Scopes []string
}

// IsKey reports whether a bearer credential is a server key rather than
// an access token.
func IsKey(credential string) bool { return strings.HasPrefix(credential, Prefix) }

// Create makes a key for staff member actor, audited in the same
// transaction. The returned secret is never stored nor shown again.
func (s *Service) Create(ctx context.Context, actor uuid.UUID, in Input) (Created, error) {
	in.Name = strings.TrimSpace(in.Name)
	var v apperr.Validator
	v.Check(in.Name != "" && len([]rune(in.Name)) <= 100, "name", "must be 1-100 characters")
	v.Check(len(in.Scopes) > 0, "scopes", fmt.Sprintf("name at least one of %s", strings.Join(scopes, ", ")))
	for i, sc := range in.Scopes {
		v.Check(slices.Contains(scopes, sc), fmt.Sprintf("scopes[%d]", i), fmt.Sprintf("must be one of %s", strings.Join(scopes, ", ")))
	}
	if err := v.Err(); err != nil {
		return Created{}, err
	}
	secret, err := newSecret()
	if err != nil {
		return Created{}, err
	}
	k := Key{ID: uuid.Must(uuid.NewV7()), Name: in.Name, Scopes: slices.Compact(slices.Sorted(slices.Values(in.Scopes))),
		Prefix: secret[:len(Prefix)+6], CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	err = s.db.InTx(ctx, func(tx *database.Tx) error {
		if _, err := tx.SQL().ExecContext(ctx, `INSERT INTO api_keys (id, name, scopes, key_hash, prefix, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, k.ID, k.Name, k.Scopes, hash(secret), k.Prefix, actor, k.CreatedAt); err != nil {
			return fmt.Errorf("insert api key: %w", err)
		}
		return s.audit.Audit(ctx, tx, actor, "api_key.created", "api_key:"+k.ID.String(), nil, k)
	})
	if err != nil {
		return Created{}, fmt.Errorf("create api key: %w", err)
	}
	return Created{Key: k, Secret: secret}, nil
}

// hash is what is stored of a key.
func hash(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

// newSecret is Prefix and 32 random bytes, base64url.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate api key: %w", err)
	}
	return Prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// List lists every key, newest first, revoked ones included (marked).
func (s *Service) List(ctx context.Context) ([]Key, error) {
	rows, err := s.db.SQL().QueryContext(ctx, `SELECT `+keyColumns+` FROM api_keys ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	keys, err := database.Collect(rows, scanKey)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	return keys, nil
}

// Revoke ends a key at once (404 for an unknown or already revoked key),
// audited in the same transaction.
func (s *Service) Revoke(ctx context.Context, actor, id uuid.UUID) error {
	return s.db.InTx(ctx, func(tx *database.Tx) error {
		after, err := scanKey(tx.SQL().QueryRowContext(ctx, `UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL
			RETURNING `+keyColumns, id, s.now().UTC()).Scan)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("api key")
		}
		if err != nil {
			return fmt.Errorf("revoke api key: %w", err)
		}
		before := after
		before.RevokedAt = nil
		return s.audit.Audit(ctx, tx, actor, "api_key.revoked", "api_key:"+id.String(), before, after)
	})
}

// Authenticate finds the live key secret is, holding scope: 401 for a key
// that is unknown or revoked, 403 for one without the scope.
func (s *Service) Authenticate(ctx context.Context, secret, scope string) (Key, error) {
	k, err := scanKey(s.db.SQL().QueryRowContext(ctx, `SELECT `+keyColumns+` FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`,
		hash(secret)).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return Key{}, apperr.Unauthorized("this server key is unknown or revoked")
	}
	if err != nil {
		return Key{}, fmt.Errorf("authenticate api key: %w", err)
	}
	if !slices.Contains(k.Scopes, scope) {
		return Key{}, apperr.Forbidden(fmt.Sprintf("this server key lacks the %s scope", scope))
	}
	return k, nil
}
