package onboarding

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
)

// cachedDefinition is the activation definition as of one revision.
type cachedDefinition struct {
	revision int64 // 0: none set yet
	def      Definition
}

// definitionAt returns the activation definition at revision (0: none set
// yet), which the caller read in its transaction: from the cache when the
// cache holds that revision, else read again and cached. A revision is
// never reused, so a cached definition is never mistaken for another, on
// any server; a definition read inside the transaction that set it, which
// may still roll back, is cached under a revision that is then never seen
// again. Callers must not modify what it returns.
func (s *store) definitionAt(ctx context.Context, q database.Querier, revision int64) (Definition, error) {
	s.definitionMu.RLock()
	c, ok := s.definition, s.definitionOK
	s.definitionMu.RUnlock()
	if ok && c.revision == revision {
		return c.def, nil
	}
	d, rev, err := s.readActivation(ctx, q)
	if err != nil {
		return d, err
	}
	s.definitionMu.Lock()
	s.definition, s.definitionOK = cachedDefinition{revision: rev, def: d}, true
	s.definitionMu.Unlock()
	return d, nil
}

// activationDefinition reads the definition; before a PM sets one it is no
// required steps and the default window.
func (s *store) activationDefinition(ctx context.Context, q database.Querier) (Definition, error) {
	d, _, err := s.readActivation(ctx, q)
	return d, err
}

// readActivation reads the definition and its revision (0 before a PM sets
// one).
func (s *store) readActivation(ctx context.Context, q database.Querier) (Definition, int64, error) {
	d := Definition{RequiredSteps: []string{}, WindowDays: DefaultWindowDays, MemberSteps: []MemberStep{}}
	var steps, members []byte
	var at sql.NullTime
	var by uuid.NullUUID
	var revision int64
	err := q.QueryRowContext(ctx, `
		SELECT array_to_json(required_steps), window_days, member_steps, updated_at, updated_by, revision FROM onboarding_activation`).
		Scan(&steps, &d.WindowDays, &members, &at, &by, &revision)
	if errors.Is(err, sql.ErrNoRows) {
		return d, 0, nil
	}
	if err != nil {
		return d, 0, fmt.Errorf("read activation definition: %w", err)
	}
	if err := json.Unmarshal(steps, &d.RequiredSteps); err != nil {
		return d, 0, fmt.Errorf("decode activation definition: %w", err)
	}
	if err := json.Unmarshal(members, &d.MemberSteps); err != nil {
		return d, 0, fmt.Errorf("decode activation definition: %w", err)
	}
	d.UpdatedAt = timePtr(at)
	if by.Valid {
		d.UpdatedBy = &by.UUID
	}
	return d, revision, nil
}

// saveActivation replaces the definition, under a new revision (the
// column's default: the next number of its sequence).
func (s *store) saveActivation(ctx context.Context, tx *database.Tx, in DefinitionInput, at time.Time, by uuid.UUID) error {
	members, err := json.Marshal(in.MemberSteps)
	if err != nil {
		return fmt.Errorf("encode activation definition: %w", err)
	}
	if _, err := tx.SQL().ExecContext(ctx, `
		INSERT INTO onboarding_activation (singleton, required_steps, window_days, member_steps, updated_at, updated_by)
		VALUES (true, $1::text[], $2, $3, $4, $5)
		ON CONFLICT (singleton) DO UPDATE
		SET required_steps = excluded.required_steps, window_days = excluded.window_days, member_steps = excluded.member_steps,
		    updated_at = excluded.updated_at, updated_by = excluded.updated_by, revision = excluded.revision`,
		in.RequiredSteps, in.WindowDays, members, at, nullID(by)); err != nil {
		return fmt.Errorf("save activation definition: %w", err)
	}
	return nil
}

// activationCandidates lists, in id order (the order several organizations
// are locked in), the organizations not yet activated that may now qualify
// for the required steps of ver: for each, either its key is among the
// organization's completed steps, or (for an organization that has not
// moved to ver yet) the organization's counter already holds enough events
// of the step's name; and for each member threshold, some current member
// completed the member step (or the organization has not moved to ver
// yet). The list is a superset: each candidate is evaluated exactly under
// its lock.
func (s *store) activationCandidates(ctx context.Context, tx *database.Tx, ver *Version, in DefinitionInput) ([]uuid.UUID, error) {
	required := in.RequiredSteps
	memberKeys := make([]string, len(in.MemberSteps))
	for i, ms := range in.MemberSteps {
		memberKeys[i] = ms.Key
	}
	keys, events, targets := make([]string, len(required)), make([]string, len(required)), make([]int32, len(required))
	for i, k := range required {
		step, _ := ver.step(k)
		keys[i], targets[i] = k, int32(step.Completion.Target())
		if step.Completion.Type == CompletionEvent {
			events[i] = step.Completion.Event
		}
	}
	rows, err := tx.SQL().QueryContext(ctx, `
		SELECT o.organization_id FROM onboarding_organizations o
		WHERE o.activated_at IS NULL
		  AND NOT EXISTS (
		        SELECT 1 FROM unnest($1::text[], $2::text[], $3::int[]) AS r(key, event, target)
		        WHERE NOT o.completed_steps @> ARRAY[r.key]
		          AND NOT (o.version < $4 AND r.event <> '' AND EXISTS (
		                SELECT 1 FROM onboarding_event_counts c
		                WHERE c.organization_id = o.organization_id AND c.name = r.event AND c.count >= r.target)))
		  AND (o.version < $4 OR NOT EXISTS (
		        SELECT 1 FROM unnest($5::text[]) AS k WHERE coalesce((o.member_completions ->> k)::int, 0) = 0))
		ORDER BY o.organization_id`, keys, events, targets, ver.Version, memberKeys)
	if err != nil {
		return nil, fmt.Errorf("find organizations to activate: %w", err)
	}
	defer rows.Close()
	var candidates []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find organizations to activate: %w", err)
		}
		candidates = append(candidates, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find organizations to activate: %w", err)
	}
	return candidates, nil
}
