package idempotency_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/idempotency"
	"github.com/onramp/onramp/internal/testing/dbtest"
)

var secret = []byte(strings.Repeat("k", idempotency.MinSecretLen))

func newStore(t *testing.T, db *database.DB, secret []byte) *idempotency.Store {
	t.Helper()
	store, err := idempotency.NewStore(db, secret)
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// A signup's fingerprint covers its password: the table keeps it keyed
// by the server's secret, never as a plain SHA-256 that could be tried
// against guessed passwords; and a short secret is refused.
func TestRequestFingerprintsAreKeyed(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	store := newStore(t, db, secret)
	body := []byte(`{"email":"ada@acme.test","password":"correct horse battery staple"}`)
	if _, err := store.Begin(t.Context(), "signup", "key-1", store.RequestHash("POST", "/v1/signup", body)); err != nil {
		t.Fatal(err)
	}
	var stored []byte
	if err := db.SQL().QueryRow(`SELECT request_hash FROM idempotency_keys WHERE key = 'key-1'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	plain := sha256.Sum256(append([]byte("POST /v1/signup\n"), body...))
	if bytes.Equal(stored, plain[:]) {
		t.Error("the table holds the plain SHA-256 of the request, password included")
	}
	other := newStore(t, db, []byte(strings.Repeat("o", idempotency.MinSecretLen)))
	if bytes.Equal(stored, other.RequestHash("POST", "/v1/signup", body)) {
		t.Error("another secret gives the same fingerprint")
	}
	if !bytes.Equal(stored, store.RequestHash("POST", "/v1/signup", body)) {
		t.Error("the same request's fingerprint changed")
	}
	if _, err := idempotency.NewStore(db, secret[:idempotency.MinSecretLen-1]); err == nil {
		t.Error("a 31-byte secret was accepted")
	}
}

// A request's context is canceled when its client goes (a double click
// drops the first post): its key must still be recorded or freed, or the
// retry finds it "in progress" until it is abandoned.
func TestCompleteAndReleaseFinishUnderACanceledContext(t *testing.T) {
	t.Parallel()
	store := newStore(t, dbtest.New(t), secret)
	hash := store.RequestHash("POST", "/things", []byte(`{"a":1}`))
	gone, cancel := context.WithCancel(t.Context())
	cancel()

	if stored, err := store.Begin(t.Context(), "test", "completed", hash); err != nil || stored != nil {
		t.Fatalf("claim: %v, %v", stored, err)
	}
	if err := store.Complete(gone, "test", "completed", idempotency.Response{Status: 201, Body: []byte("first")}); err != nil {
		t.Fatalf("complete under a canceled context: %v", err)
	}
	stored, err := store.Begin(t.Context(), "test", "completed", hash)
	if err != nil || stored == nil || stored.Status != 201 || string(stored.Body) != "first" {
		t.Fatalf("a retry after Complete got %+v, %v; want the first response", stored, err)
	}

	if stored, err := store.Begin(t.Context(), "test", "released", hash); err != nil || stored != nil {
		t.Fatalf("claim: %v, %v", stored, err)
	}
	if err := store.Release(gone, "test", "released"); err != nil {
		t.Fatalf("release under a canceled context: %v", err)
	}
	if stored, err := store.Begin(t.Context(), "test", "released", hash); err != nil || stored != nil {
		t.Fatalf("a retry after Release got %+v, %v; want to own the key again", stored, err)
	}
}
