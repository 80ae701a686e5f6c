package webhooks

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// ErrNotDelivered is a failed attempt: the receiver answered another
// status than 2xx, or did not answer in time. The job retries it.
var ErrNotDelivered = errors.New("webhook not delivered")

// Deliver makes one attempt at a delivery, for the job's attempt number
// jobAttempt (from 1; the MaxAttempts-th is the last), and records it. A
// delivery that is gone (its endpoint deleted) or already succeeded is
// left alone. It returns ErrNotDelivered (wrapped) when the attempt
// failed, so that the job is retried after Backoff(jobAttempt).
func (s *Service) Deliver(ctx context.Context, id uuid.UUID, jobAttempt int) error {
	var (
		url, status string
		key, raw    []byte
		msg         uuid.UUID
	)
	err := s.db.SQL().QueryRowContext(ctx, `
		SELECT d.status, e.url, e.secret, m.id, m.body FROM webhook_deliveries d
		JOIN webhook_endpoints e ON e.id = d.endpoint_id JOIN webhook_messages m ON m.id = d.message_id
		WHERE d.id = $1`, id).Scan(&status, &url, &key, &msg, &raw)
	if errors.Is(err, sql.ErrNoRows) || status == statusSucceeded {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deliver webhook: read: %w", err)
	}
	start := s.now()
	code, sendErr := s.send(ctx, url, key, messageID(msg), start, raw)
	a := attempt{at: start.UTC(), code: code, duration: s.now().Sub(start)}
	switch {
	case sendErr != nil:
		a.err = sendErr.Error()
	case code < 200 || code > 299:
		a.err = "the receiver answered " + strconv.Itoa(code)
	}
	a.status = statusSucceeded
	if a.err != "" {
		a.status = statusPending
		if next := start.Add(Backoff(jobAttempt)).UTC(); jobAttempt < MaxAttempts {
			a.next = &next
		} else {
			a.status = statusFailed
		}
	}
	if err := s.record(ctx, id, a); err != nil {
		return err
	}
	if a.err != "" {
		return fmt.Errorf("%w: %s", ErrNotDelivered, a.err)
	}
	return nil
}

// Delivery statuses.
const (
	statusPending   = "pending"
	statusSucceeded = "succeeded"
	statusFailed    = "failed"
)

// attempt is one attempt as recorded.
type attempt struct {
	at       time.Time
	code     int // 0: no answer
	err      string
	duration time.Duration
	status   string     // the delivery's status after it
	next     *time.Time // when the next attempt is due, if one is
}

// record stores attempt a of delivery id, numbered after the ones before
// it (the delivery's row lock numbers racing attempts apart).
func (s *Service) record(ctx context.Context, id uuid.UUID, a attempt) error {
	var code *int
	if a.code != 0 {
		code = &a.code
	}
	var errText *string
	if a.err != "" {
		errText = &a.err
	}
	_, err := s.db.SQL().ExecContext(ctx, `
		WITH d AS (
			UPDATE webhook_deliveries SET attempts = attempts + 1, last_status_code = $3, status = $4, next_attempt_at = $5,
			       delivered_at = CASE WHEN $4 = 'succeeded' THEN $2 ELSE delivered_at END
			WHERE id = $1 RETURNING id, attempts)
		INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, status_code, error, duration_ms)
		SELECT id, attempts, $2, $3, $6, $7 FROM d`,
		id, a.at, code, a.status, a.next, errText, a.duration.Milliseconds())
	if err != nil {
		return fmt.Errorf("deliver webhook: record attempt: %w", err)
	}
	return nil
}

// maxResponseBytes is how much of an answer is read (and thrown away), so
// that the connection can be reused.
const maxResponseBytes = 64 << 10

// send POSTs one signed attempt and returns the receiver's status.
func (s *Service) send(ctx context.Context, url string, key []byte, id string, at time.Time, raw []byte) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Onramp-Webhooks/1")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	req.Header.Set("webhook-signature", signature(key, id, at, raw))
	res, err := s.client.http.Do(req)
	if err != nil {
		if errors.Is(err, errRefusedAddress) {
			return 0, errRefusedAddress
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, fmt.Errorf("no answer within %s", s.timeout)
		}
		return 0, errors.New("could not connect to the endpoint")
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxResponseBytes))
	_ = res.Body.Close()
	return res.StatusCode, nil
}
