package idempotency_test

import (
	"context"
	"testing"

	"github.com/onramp/onramp/internal/idempotency"
	"github.com/onramp/onramp/internal/testing/dbtest"
)

// A request's context is canceled when its client goes (a double click
// drops the first post): its key must still be recorded or freed, or the
// retry finds it "in progress" until it is abandoned.
func TestCompleteAndReleaseFinishUnderACanceledContext(t *testing.T) {
	t.Parallel()
	store := idempotency.NewStore(dbtest.New(t))
	hash := idempotency.RequestHash("POST", "/things", []byte(`{"a":1}`))
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
