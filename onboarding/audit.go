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
	e := AuditEntry{ID: newID(), Action: action, Target: target, CreatedAt: s.now()}
	if actor != uuid.Nil {
		e.ActorID = &actor
	}
	var err error
	if e.Before, err = jsonOrNil(before); err != nil {
		return err
	}
	if e.After, err = jsonOrNil(after); err != nil {
		return err
	}
	return s.store.insertAudit(ctx, tx, e)
}

// jsonOrNil encodes v, nil (stored as NULL) for nil.
func jsonOrNil(v any) (json.RawMessage, error) {
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
	before := uuid.Max
	if cursor != "" {
		if before, err = uuid.Parse(cursor); err != nil {
			return nil, "", apperr.InvalidField("cursor", "is not a cursor this list returned")
		}
	}
	if entries, err = s.store.auditEntries(ctx, before, limit+1); err != nil {
		return nil, "", err
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
