package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
)

// LockOrganizationQuery is LockOrganization's statement ($1 the
// organization; one row when it exists), for code that sends it in a
// pipeline with the reads that follow it.
const LockOrganizationQuery = `SELECT 1 FROM organizations WHERE id = $1 FOR NO KEY UPDATE`

// LockOrganization locks the organization's row until tx ends. It is the
// one lock that serializes changes to one organization across packages:
// memberships and invitations (seats), subscription sync, event ingestion
// and checklist writes of one organization take turns on it, and nothing
// else of the organization is blocked. FOR NO KEY UPDATE, not FOR UPDATE:
// rows that merely reference the organization (events, tokens) can still be
// inserted while it is held. Callers that need several organizations lock
// them in id order, so two of them cannot deadlock.
// It answers apperr NotFound when no organization has the id.
func (tx *Tx) LockOrganization(ctx context.Context, id uuid.UUID) error {
	var one int
	err := tx.sql.QueryRowContext(ctx, LockOrganizationQuery, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFound("organization")
	}
	if err != nil {
		return fmt.Errorf("lock organization: %w", err)
	}
	return nil
}
