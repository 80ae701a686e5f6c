package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/testing/testenv"
	"github.com/onramp/onramp/internal/webhooks"
)

// BenchmarkWebhookDeliveries measures how fast one server delivers queued
// webhooks to a local receiver: b.N events are published in one
// transaction (untimed), then the clock runs from its commit until every
// delivery is recorded as succeeded. One op is one delivery.
//
//	go test -run '^$' -bench BenchmarkWebhookDeliveries -benchtime 5000x ./api/
func BenchmarkWebhookDeliveries(b *testing.B) {
	env := testenv.New(b)
	_, staff := env.StaffToken(b)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	defer receiver.Close()
	env.Do(b, "POST", "/v1/admin/webhook-endpoints", map[string]any{"url": receiver.URL, "events": []string{"member.joined"}},
		testenv.WithBearer(staff)).Expect(b, http.StatusCreated)
	org := uuid.Must(uuid.NewV7())
	ctx := context.Background()

	ready, commit := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- env.DB.InTx(ctx, func(tx *database.Tx) error {
			for i := range b.N {
				e := webhooks.Event{Type: webhooks.MemberJoined, OrganizationID: org, Data: map[string]any{"organization_id": org, "members_joined": i}}
				if err := env.App.Webhooks.Publish(ctx, tx, e); err != nil {
					return err
				}
			}
			close(ready)
			<-commit
			return nil
		})
	}()
	select {
	case <-ready:
	case err := <-done:
		b.Fatal(err)
	}
	b.ResetTimer()
	close(commit)
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var delivered int
		if err := env.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'`).Scan(&delivered); err != nil {
			b.Fatal(err)
		}
		if delivered == b.N {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d delivered after 5 minutes", delivered, b.N)
		}
		time.Sleep(10 * time.Millisecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
}
