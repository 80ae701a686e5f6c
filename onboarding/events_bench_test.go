package onboarding

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

// BenchmarkValidateBatch measures the checks of one 500-event batch.
//
//	go test -run '^$' -bench BenchmarkValidateBatch -benchmem ./onboarding/
func BenchmarkValidateBatch(b *testing.B) {
	names := []string{"app_opened", "page_viewed", "session_booked", "session_booked", "app_opened"}
	now := time.Now().UTC()
	events := make([]ClientEvent, MaxBatch)
	for k := range events {
		events[k] = ClientEvent{ID: uuid.NewString(), Name: names[k%len(names)], Timestamp: now.Add(-time.Duration(k) * time.Second).Format(time.RFC3339Nano)}
		if k%10 == 0 {
			events[k].Properties = []byte(`{"page":"/p/1","plan":"pro"}`)
		}
	}
	user := uuid.New()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := validateBatch(events, user, now); err != nil {
			b.Fatal(err)
		}
	}
}
