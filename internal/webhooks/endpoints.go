package webhooks

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// Endpoint is a registered receiver, as listed (without its secret).
type Endpoint struct {
	ID        uuid.UUID `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	CreatedAt time.Time `json:"created_at"`
}

// CreatedEndpoint is a new endpoint with its signing secret, shown once.
type CreatedEndpoint struct {
	Endpoint
	Secret string `json:"secret"`
}

// EndpointInput is what staff send to register an endpoint.
type EndpointInput struct {
	URL    string
	Events []string
}

// CreateEndpoint registers an endpoint for staff member actor, audited.
func (s *Service) CreateEndpoint(ctx context.Context, actor uuid.UUID, in EndpointInput) (CreatedEndpoint, error) {
	var v apperr.Validator
	u, problem := checkURL(ctx, strings.TrimSpace(in.URL), s.allowPrivate)
	v.Check(problem == "", "url", problem)
	v.Check(len(in.Events) > 0, "events", "name at least one of "+strings.Join(Types, ", "))
	for i, t := range in.Events {
		v.Check(slices.Contains(Types, t), fmt.Sprintf("events[%d]", i), "must be one of "+strings.Join(Types, ", "))
	}
	if err := v.Err(); err != nil {
		return CreatedEndpoint{}, err
	}
	// 32 bytes: the Standard Webhooks specification asks for 24 to 64.
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return CreatedEndpoint{}, fmt.Errorf("create webhook endpoint: secret: %w", err)
	}
	e := Endpoint{ID: uuid.Must(uuid.NewV7()), URL: u.String(), Events: slices.Compact(slices.Sorted(slices.Values(in.Events))),
		CreatedAt: s.now().UTC().Truncate(time.Microsecond)}
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		if _, err := tx.SQL().ExecContext(ctx, `INSERT INTO webhook_endpoints (id, url, events, secret, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, e.ID, e.URL, e.Events, key, actor, e.CreatedAt); err != nil {
			return fmt.Errorf("insert webhook endpoint: %w", err)
		}
		return s.audit.Audit(ctx, tx, actor, "webhook_endpoint.created", "webhook_endpoint:"+e.ID.String(), nil, e)
	})
	if err != nil {
		return CreatedEndpoint{}, fmt.Errorf("create webhook endpoint: %w", err)
	}
	return CreatedEndpoint{Endpoint: e, Secret: showSecret(key)}, nil
}

const endpointColumns = `id, url, array_to_json(events), created_at`

func scanEndpoint(scan func(dest ...any) error) (Endpoint, error) {
	var e Endpoint
	var events []byte
	if err := scan(&e.ID, &e.URL, &events, &e.CreatedAt); err != nil {
		return Endpoint{}, err
	}
	if err := json.Unmarshal(events, &e.Events); err != nil {
		return Endpoint{}, fmt.Errorf("decode events: %w", err)
	}
	e.CreatedAt = e.CreatedAt.UTC()
	return e, nil
}

// Endpoints lists every endpoint, newest first.
func (s *Service) Endpoints(ctx context.Context) ([]Endpoint, error) {
	rows, err := s.db.SQL().QueryContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	out, err := database.Collect(rows, scanEndpoint)
	if err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	return out, nil
}

// DeleteEndpoint removes an endpoint and its deliveries (audited); jobs
// still queued for them find nothing to send.
func (s *Service) DeleteEndpoint(ctx context.Context, actor, id uuid.UUID) error {
	return s.db.InTx(ctx, func(tx *database.Tx) error {
		e, err := scanEndpoint(tx.SQL().QueryRowContext(ctx, `DELETE FROM webhook_endpoints WHERE id = $1 RETURNING `+endpointColumns, id).Scan)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFound("webhook endpoint")
		}
		if err != nil {
			return fmt.Errorf("delete webhook endpoint: %w", err)
		}
		return s.audit.Audit(ctx, tx, actor, "webhook_endpoint.deleted", "webhook_endpoint:"+id.String(), e, nil)
	})
}
