package onboarding

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// draftSteps lists the draft in order.
func (s *store) draftSteps(ctx context.Context, q database.Querier) ([]DraftStep, error) {
	rows, err := q.QueryContext(ctx, `
		SELECT key, position, title, description, required, scope, audience, completion, translations, created_at, updated_at
		FROM onboarding_steps ORDER BY position, key`)
	if err != nil {
		return nil, fmt.Errorf("read draft steps: %w", err)
	}
	defer rows.Close()
	var out []DraftStep
	for rows.Next() {
		var d DraftStep
		var audience, completion, translations []byte
		if err := rows.Scan(&d.Key, &d.Position, &d.Title, &d.Description, &d.Required, &d.Scope, &audience, &completion, &translations, &d.CreatedAt, &d.UpdatedAt); err != nil {
			return nil, fmt.Errorf("read draft steps: %w", err)
		}
		if err := json.Unmarshal(audience, &d.Audience); err != nil {
			return nil, fmt.Errorf("step %s audience: %w", d.Key, err)
		}
		if err := json.Unmarshal(completion, &d.Completion); err != nil {
			return nil, fmt.Errorf("step %s completion: %w", d.Key, err)
		}
		if err := json.Unmarshal(translations, &d.Translations); err != nil {
			return nil, fmt.Errorf("step %s translations: %w", d.Key, err)
		}
		d.normalize()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read draft steps: %w", err)
	}
	return out, nil
}

// stepColumns is a step's audience, completion and translations encoded
// for their jsonb columns.
type stepColumns struct{ audience, completion, translations []byte }

func encodeStepColumns(step Step) (stepColumns, error) {
	var c stepColumns
	var err error
	if c.audience, err = json.Marshal(step.Audience); err != nil {
		return c, fmt.Errorf("encode step %s audience: %w", step.Key, err)
	}
	if c.completion, err = json.Marshal(step.Completion); err != nil {
		return c, fmt.Errorf("encode step %s completion: %w", step.Key, err)
	}
	if c.translations, err = json.Marshal(step.Translations); err != nil {
		return c, fmt.Errorf("encode step %s translations: %w", step.Key, err)
	}
	return c, nil
}

// insertStep adds step to the draft at step.Position, moving the steps at
// or after it down one (409 step_exists when the key is taken).
func (s *store) insertStep(ctx context.Context, tx *database.Tx, step Step, now time.Time) error {
	cols, err := encodeStepColumns(step)
	if err != nil {
		return err
	}
	if _, err := tx.SQL().ExecContext(ctx, `UPDATE onboarding_steps SET position = position + 1 WHERE position >= $1`, step.Position); err != nil {
		return fmt.Errorf("make room for step %s: %w", step.Key, err)
	}
	_, err = tx.SQL().ExecContext(ctx, `
		INSERT INTO onboarding_steps (key, position, title, description, required, scope, audience, completion, translations, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
		step.Key, step.Position, step.Title, step.Description, step.Required, step.Scope, cols.audience, cols.completion, cols.translations, now)
	if database.IsUniqueViolation(err, "") {
		return apperr.Conflict("step_exists", fmt.Sprintf("the draft already has a step %q", step.Key))
	}
	if err != nil {
		return fmt.Errorf("insert step %s: %w", step.Key, err)
	}
	return nil
}

// updateStep writes a draft step's fields (not its position: setPositions).
func (s *store) updateStep(ctx context.Context, tx *database.Tx, step Step, now time.Time) error {
	cols, err := encodeStepColumns(step)
	if err != nil {
		return err
	}
	if _, err := tx.SQL().ExecContext(ctx, `
		UPDATE onboarding_steps SET title = $2, description = $3, required = $4, scope = $5, audience = $6, completion = $7,
		       translations = $8, updated_at = $9
		WHERE key = $1`, step.Key, step.Title, step.Description, step.Required, step.Scope, cols.audience, cols.completion, cols.translations, now); err != nil {
		return fmt.Errorf("update step %s: %w", step.Key, err)
	}
	return nil
}

// deleteStep removes the draft step with key at position, moving the steps
// after it up one.
func (s *store) deleteStep(ctx context.Context, tx *database.Tx, key string, position int) error {
	if _, err := tx.SQL().ExecContext(ctx, `DELETE FROM onboarding_steps WHERE key = $1`, key); err != nil {
		return fmt.Errorf("delete step %s: %w", key, err)
	}
	if _, err := tx.SQL().ExecContext(ctx, `UPDATE onboarding_steps SET position = position - 1 WHERE position > $1`, position); err != nil {
		return fmt.Errorf("close the gap of step %s: %w", key, err)
	}
	return nil
}

// setPositions numbers the draft steps keys 1..n in order.
func (s *store) setPositions(ctx context.Context, tx *database.Tx, keys []string) error {
	positions := make([]int32, len(keys))
	for i := range keys {
		positions[i] = int32(i + 1)
	}
	if _, err := tx.SQL().ExecContext(ctx, `
		UPDATE onboarding_steps s SET position = v.position
		FROM unnest($1::text[], $2::int[]) AS v(key, position)
		WHERE s.key = v.key AND s.position <> v.position`, keys, positions); err != nil {
		return fmt.Errorf("order steps: %w", err)
	}
	return nil
}
