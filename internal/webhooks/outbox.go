package webhooks

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
)

// body is what every delivery sends, as the specification shapes it.
type body struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	Data      any       `json:"data"`
}

// Publish writes e to the outbox in tx, the transaction of the change that
// raised it: a message, a delivery for each endpoint subscribed to its
// type, and their jobs. With no endpoint subscribed it writes nothing.
func (s *Service) Publish(ctx context.Context, tx *database.Tx, e Event) error {
	rows, err := tx.SQL().QueryContext(ctx, `SELECT id FROM webhook_endpoints WHERE $1 = ANY (events)`, e.Type)
	if err != nil {
		return fmt.Errorf("publish %s: endpoints: %w", e.Type, err)
	}
	endpoints, err := database.Collect(rows, func(scan func(...any) error) (id uuid.UUID, err error) { return id, scan(&id) })
	if err != nil {
		return fmt.Errorf("publish %s: endpoints: %w", e.Type, err)
	}
	if len(endpoints) == 0 {
		return nil
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	raw, err := json.Marshal(body{Type: e.Type, Timestamp: now, Data: e.Data})
	if err != nil {
		return fmt.Errorf("publish %s: encode: %w", e.Type, err)
	}
	msg := uuid.Must(uuid.NewV7())
	deliveries := make([]uuid.UUID, len(endpoints))
	for i := range endpoints {
		deliveries[i] = uuid.Must(uuid.NewV7())
	}
	var org *uuid.UUID
	if e.OrganizationID != uuid.Nil {
		org = &e.OrganizationID
	}
	_, err = tx.SQL().ExecContext(ctx, `
		WITH m AS (INSERT INTO webhook_messages (id, type, organization_id, body, created_at) VALUES ($1, $2, $3, $4, $5))
		INSERT INTO webhook_deliveries (id, endpoint_id, message_id, status, next_attempt_at, created_at)
		SELECT d, e, $1, 'pending', $5, $5 FROM unnest($6::uuid[], $7::uuid[]) AS x(d, e)`,
		msg, e.Type, org, raw, now, deliveries, endpoints)
	if err != nil {
		return fmt.Errorf("publish %s: %w", e.Type, err)
	}
	return s.queue.EnqueueDeliveries(ctx, tx, deliveries)
}
