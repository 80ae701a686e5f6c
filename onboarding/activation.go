package onboarding

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// DefaultWindowDays is the window shown before a PM sets a definition.
const DefaultWindowDays = 30

// Definition says when an organization is activated: every required step
// completed within WindowDays of signup. With no required steps (before a PM
// sets one) no organization is activated.
type Definition struct {
	RequiredSteps []string   `json:"required_steps"`
	WindowDays    int        `json:"window_days"`
	UpdatedAt     *time.Time `json:"updated_at"`
	UpdatedBy     *uuid.UUID `json:"updated_by"`
	// Activated is how many organizations the change activated (PUT only).
	Activated *int `json:"organizations_activated,omitempty"`
}

// DefinitionInput replaces the definition.
type DefinitionInput struct {
	RequiredSteps []string
	WindowDays    int
}

// Activation returns the current definition.
func (s *Service) Activation(ctx context.Context) (Definition, error) {
	d, err := activationDefinition(ctx, s.db.SQL())
	return d, wrap("read activation definition", err)
}

func activationDefinition(ctx context.Context, db database.Querier) (Definition, error) {
	d := Definition{RequiredSteps: []string{}, WindowDays: DefaultWindowDays}
	var steps []byte
	var at sql.NullTime
	var by uuid.NullUUID
	err := db.QueryRowContext(ctx, `
		SELECT array_to_json(required_steps), window_days, updated_at, updated_by FROM onboarding_activation`).
		Scan(&steps, &d.WindowDays, &at, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return d, nil
	}
	if err != nil {
		return d, fmt.Errorf("read activation definition: %w", err)
	}
	if err := json.Unmarshal(steps, &d.RequiredSteps); err != nil {
		return d, fmt.Errorf("decode activation definition: %w", err)
	}
	d.UpdatedAt = timePtr(at)
	if by.Valid {
		d.UpdatedBy = &by.UUID
	}
	return d, nil
}

// SetActivation replaces the definition. Every required step must be a step
// of the latest published version (a draft-only step cannot be completed by
// anyone yet). Organizations not yet activated are evaluated against the new
// definition at once; activated ones keep their activated_at.
func (s *Service) SetActivation(ctx context.Context, actor uuid.UUID, in DefinitionInput) (Definition, error) {
	var v apperr.Validator
	v.Check(len(in.RequiredSteps) >= 1 && len(in.RequiredSteps) <= maxSteps, "required_steps", fmt.Sprintf("name 1 to %d steps", maxSteps))
	v.Check(in.WindowDays >= 1 && in.WindowDays <= 365, "window_days", "must be from 1 to 365")
	if err := v.Err(); err != nil {
		return Definition{}, err
	}
	var out Definition
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		if err := adminLock(ctx, tx); err != nil {
			return err
		}
		latest, err := latestVersion(ctx, tx.SQL())
		if err != nil {
			return err
		}
		ver, err := s.loadVersion(ctx, tx.SQL(), latest)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for i, k := range in.RequiredSteps {
			field := "required_steps[" + strconv.Itoa(i) + "]"
			_, known := ver.step(k)
			v.Check(known, field, fmt.Sprintf("%q is not a step of the latest published version (%d)", k, latest))
			v.Check(!seen[k], field, fmt.Sprintf("%q is listed twice", k))
			seen[k] = true
		}
		if err := v.Err(); err != nil {
			return err
		}
		before, err := activationDefinition(ctx, tx.SQL())
		if err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		if _, err := tx.SQL().ExecContext(ctx, `
			INSERT INTO onboarding_activation (singleton, required_steps, window_days, updated_at, updated_by)
			VALUES (true, $1::text[], $2, $3, $4)
			ON CONFLICT (singleton) DO UPDATE
			SET required_steps = excluded.required_steps, window_days = excluded.window_days,
			    updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
			in.RequiredSteps, in.WindowDays, now, nullID(actor)); err != nil {
			return err
		}
		out = Definition{RequiredSteps: in.RequiredSteps, WindowDays: in.WindowDays, UpdatedAt: &now}
		if actor != uuid.Nil {
			out.UpdatedBy = &actor
		}
		var beforeState any
		if before.UpdatedAt != nil {
			beforeState = before
		}
		if err := s.audit(ctx, tx, actor, "activation.update", "activation", beforeState, out); err != nil {
			return err
		}
		n, err := s.activatePending(ctx, tx, ver, in.RequiredSteps)
		out.Activated = &n
		return err
	})
	if err != nil {
		return Definition{}, wrap("set activation definition", err)
	}
	return out, nil
}

// activatePending evaluates every organization not yet activated that may
// now qualify: for each required step, either its key is among the
// organization's completed steps, or (for an organization that has not moved
// to the latest version yet) the organization's event counter already holds
// enough events of the step's name. Each candidate is then evaluated exactly
// (window included) under its lock, like on an event.
func (s *Service) activatePending(ctx context.Context, tx *database.Tx, ver *Version, required []string) (int, error) {
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
		ORDER BY o.organization_id`, keys, events, targets, ver.Version)
	if err != nil {
		return 0, fmt.Errorf("find organizations to activate: %w", err)
	}
	var candidates []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		candidates = append(candidates, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	activated := 0
	for _, id := range candidates {
		st, err := s.withState(ctx, tx, id, func(*orgState) error { return nil })
		if err != nil {
			return 0, err
		}
		if st.newlyActivated {
			activated++
		}
	}
	return activated, nil
}
