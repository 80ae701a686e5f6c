package webhooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// Delivery is one message's delivery to one endpoint, with its attempts.
type Delivery struct {
	ID             uuid.UUID  `json:"id"`
	WebhookID      string     `json:"webhook_id"`
	Type           string     `json:"type"`
	OrganizationID *uuid.UUID `json:"organization_id"`
	Status         string     `json:"status"`
	AttemptCount   int        `json:"attempt_count"`
	LastStatusCode *int       `json:"last_status_code"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
	CreatedAt      time.Time  `json:"created_at"`
	DeliveredAt    *time.Time `json:"delivered_at"`
	Attempts       []Attempt  `json:"attempts"`
}

// Attempt is one attempt of a delivery.
type Attempt struct {
	Number      int       `json:"number"`
	AttemptedAt time.Time `json:"attempted_at"`
	StatusCode  *int      `json:"status_code"`
	Error       *string   `json:"error"`
	DurationMS  int       `json:"duration_ms"`
}

const deliveryColumns = `d.id, m.id, m.type, m.organization_id, d.status, d.attempts, d.last_status_code, d.next_attempt_at,
	d.created_at, d.delivered_at`

func scanDelivery(scan func(dest ...any) error) (Delivery, error) {
	var d Delivery
	var msg uuid.UUID
	if err := scan(&d.ID, &msg, &d.Type, &d.OrganizationID, &d.Status, &d.AttemptCount, &d.LastStatusCode, &d.NextAttemptAt,
		&d.CreatedAt, &d.DeliveredAt); err != nil {
		return Delivery{}, err
	}
	d.WebhookID, d.CreatedAt, d.Attempts = messageID(msg), d.CreatedAt.UTC(), []Attempt{}
	d.NextAttemptAt, d.DeliveredAt = utc(d.NextAttemptAt), utc(d.DeliveredAt)
	return d, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Deliveries lists an endpoint's deliveries, newest first, limit at a
// time after the delivery before (uuid.Max: from the newest), with their
// attempts. next is the last one's id when there may be more.
func (s *Service) Deliveries(ctx context.Context, endpoint uuid.UUID, limit int, before uuid.UUID) (list []Delivery, next string, err error) {
	var one int
	if err := s.db.SQL().QueryRowContext(ctx, `SELECT 1 FROM webhook_endpoints WHERE id = $1`, endpoint).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return nil, "", apperr.NotFound("webhook endpoint")
	} else if err != nil {
		return nil, "", fmt.Errorf("list deliveries: %w", err)
	}
	rows, err := s.db.SQL().QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id
		WHERE d.endpoint_id = $1 AND d.id < $2 ORDER BY d.id DESC LIMIT $3`, endpoint, before, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list deliveries: %w", err)
	}
	if list, err = database.Collect(rows, scanDelivery); err != nil {
		return nil, "", fmt.Errorf("list deliveries: %w", err)
	}
	if len(list) > limit {
		list = list[:limit]
		next = list[limit-1].ID.String()
	}
	return list, next, s.attachAttempts(ctx, list)
}

// attachAttempts reads the attempts of the listed deliveries.
func (s *Service) attachAttempts(ctx context.Context, list []Delivery) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(list))
	at := make(map[uuid.UUID]int, len(list))
	for i, d := range list {
		ids[i], at[d.ID] = d.ID, i
	}
	rows, err := s.db.SQL().QueryContext(ctx, `SELECT delivery_id, attempt, attempted_at, status_code, error, duration_ms
		FROM webhook_attempts WHERE delivery_id = ANY($1::uuid[]) ORDER BY delivery_id, attempt`, ids)
	if err != nil {
		return fmt.Errorf("list delivery attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var a Attempt
		if err := rows.Scan(&id, &a.Number, &a.AttemptedAt, &a.StatusCode, &a.Error, &a.DurationMS); err != nil {
			return fmt.Errorf("list delivery attempts: %w", err)
		}
		a.AttemptedAt = a.AttemptedAt.UTC()
		list[at[id]].Attempts = append(list[at[id]].Attempts, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list delivery attempts: %w", err)
	}
	return nil
}

// Retry sends a delivery of the endpoint again now, whatever its status
// (a receiver that lost a message asks for it again), under the same
// webhook-id, and answers it as it stands then.
func (s *Service) Retry(ctx context.Context, endpoint, id uuid.UUID) (Delivery, error) {
	var d Delivery
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		var err error
		d, err = scanDelivery(tx.SQL().QueryRowContext(ctx, `
			WITH d AS (UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3
			           WHERE id = $2 AND endpoint_id = $1 RETURNING *)
			SELECT `+deliveryColumns+` FROM d JOIN webhook_messages m ON m.id = d.message_id`,
			endpoint, id, s.now().UTC()).Scan)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("webhook delivery")
		}
		if err != nil {
			return fmt.Errorf("retry delivery: %w", err)
		}
		return s.queue.RetryNow(ctx, tx, id)
	})
	if err != nil {
		return Delivery{}, err
	}
	return d, s.attachAttempts(ctx, []Delivery{d})
}

// deliveryRetention is how long messages, their deliveries and attempts
// are kept for the delivery log: well past the day of retries.
const deliveryRetention = 30 * 24 * time.Hour

// Prune deletes the messages older than the retention, with their
// deliveries and attempts.
func (s *Service) Prune(ctx context.Context) (int64, error) {
	res, err := s.db.SQL().ExecContext(ctx, `DELETE FROM webhook_messages WHERE created_at < $1`, s.now().Add(-deliveryRetention))
	if err != nil {
		return 0, fmt.Errorf("prune webhook messages: %w", err)
	}
	return res.RowsAffected()
}
