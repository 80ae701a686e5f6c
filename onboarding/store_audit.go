package onboarding

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
)

// insertAudit records an entry; a nil Before or After is stored as NULL.
func (s *store) insertAudit(ctx context.Context, tx *database.Tx, e AuditEntry) error {
	var actor uuid.UUID
	if e.ActorID != nil {
		actor = *e.ActorID
	}
	if _, err := tx.SQL().ExecContext(ctx, `
		INSERT INTO onboarding_audit_log (id, actor_id, action, target, before, after, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		e.ID, nullID(actor), e.Action, e.Target, []byte(e.Before), []byte(e.After), e.CreatedAt); err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	return nil
}

// auditEntries lists up to limit entries older than the entry with id
// before (ids are UUIDv7: time-ordered), newest first.
func (s *store) auditEntries(ctx context.Context, before uuid.UUID, limit int) ([]AuditEntry, error) {
	rows, err := s.db.SQL().QueryContext(ctx, `
		SELECT id, actor_id, action, target, before, after, created_at
		FROM onboarding_audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var entries []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var actor uuid.NullUUID
		var beforeJSON, afterJSON []byte
		if err := rows.Scan(&e.ID, &actor, &e.Action, &e.Target, &beforeJSON, &afterJSON, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("list audit log: %w", err)
		}
		if actor.Valid {
			e.ActorID = &actor.UUID
		}
		e.Before, e.After = rawOrNull(beforeJSON), rawOrNull(afterJSON)
		entries = append(entries, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	return entries, nil
}
