package onboarding

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// AuditEntry is one admin change: who did what to which target, with the
// target's state before and after.
type AuditEntry struct {
	ID        uuid.UUID       `json:"id"`
	ActorID   *uuid.UUID      `json:"actor_id"`
	Action    string          `json:"action"`
	Target    string          `json:"target"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
	CreatedAt time.Time       `json:"created_at"`
}

// Audit records an admin change in tx. Other areas (e.g. plan changes in
// billing) may record theirs through it too. actor uuid.Nil is the system
// (the seed command).
func (s *Service) Audit(ctx context.Context, tx *database.Tx, actor uuid.UUID, action, target string, before, after any) error {
	return s.audit(ctx, tx, actor, action, target, before, after)
}

func (s *Service) audit(ctx context.Context, tx *database.Tx, actor uuid.UUID, action, target string, before, after any) error {
	b, err := jsonOrNull(before)
	if err != nil {
		return err
	}
	a, err := jsonOrNull(after)
	if err != nil {
		return err
	}
	actorID := nullID(actor)
	_, err = tx.SQL().ExecContext(ctx, `
		INSERT INTO onboarding_audit_log (id, actor_id, action, target, before, after, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, newID(), actorID, action, target, b, a, s.now())
	if err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	return nil
}

// nullID is NULL for uuid.Nil.
func nullID(id uuid.UUID) uuid.NullUUID { return uuid.NullUUID{UUID: id, Valid: id != uuid.Nil} }

func jsonOrNull(v any) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode audit state: %w", err)
	}
	return b, nil
}

// AuditLog lists admin changes, newest first. cursor is the previous page's
// next cursor ("" for the first page); next is "" on the last page.
func (s *Service) AuditLog(ctx context.Context, limit int, cursor string) (entries []AuditEntry, next string, err error) {
	after := uuid.Max
	if cursor != "" {
		if after, err = uuid.Parse(cursor); err != nil {
			return nil, "", apperr.InvalidField("cursor", "is not a cursor this list returned")
		}
	}
	rows, err := s.db.SQL().QueryContext(ctx, `
		SELECT id, actor_id, action, target, before, after, created_at
		FROM onboarding_audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2`, after, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e AuditEntry
		var actor uuid.NullUUID
		var before, afterJSON []byte
		if err := rows.Scan(&e.ID, &actor, &e.Action, &e.Target, &before, &afterJSON, &e.CreatedAt); err != nil {
			return nil, "", fmt.Errorf("list audit log: %w", err)
		}
		if actor.Valid {
			e.ActorID = &actor.UUID
		}
		e.Before, e.After = rawOrNull(before), rawOrNull(afterJSON)
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list audit log: %w", err)
	}
	if len(entries) > limit {
		entries = entries[:limit]
		next = entries[limit-1].ID.String()
	}
	return entries, next, nil
}

func rawOrNull(b []byte) json.RawMessage {
	if b == nil {
		return json.RawMessage("null")
	}
	return b
}
