package nudge

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/onramp/onramp/internal/database"
)

// store owns the package's SQL. It knows no clock: times come in as
// arguments.
type store struct{ db *database.DB }

const ruleColumns = `id, key, trigger_type, coalesce(trigger_step, ''), after_days, array_to_json(audience_roles), max_sends,
	every_days, holdout_percent, enabled, templates, created_at, updated_at`

func scanRule(row interface{ Scan(...any) error }) (Rule, error) {
	var r Rule
	var roles, templates []byte
	err := row.Scan(&r.id, &r.Key, &r.Trigger.Type, &r.Trigger.Step, &r.Trigger.AfterDays, &roles,
		&r.MaxSends, &r.EveryDays, &r.HoldoutPercent, &r.Enabled, &templates, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return Rule{}, err
	}
	if err := json.Unmarshal(roles, &r.Audience.Roles); err != nil {
		return Rule{}, fmt.Errorf("decode audience of nudge %q: %w", r.Key, err)
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	if err := json.Unmarshal(templates, &r.Templates); err != nil {
		return Rule{}, fmt.Errorf("decode templates of nudge %q: %w", r.Key, err)
	}
	return r, nil
}

// rules lists rules by key (enabledOnly: those the sweep runs).
func (s store) rules(ctx context.Context, q database.Querier, enabledOnly bool) ([]Rule, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+ruleColumns+` FROM nudge_rules WHERE enabled OR NOT $1 ORDER BY key`, enabledOnly)
	if err != nil {
		return nil, fmt.Errorf("list nudges: %w", err)
	}
	defer rows.Close()
	out := []Rule{}
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, fmt.Errorf("read nudge: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// rule reads one rule, locked for update when q is a transaction's; found
// is false when there is none.
func (s store) rule(ctx context.Context, q database.Querier, key string, lock bool) (r Rule, found bool, err error) {
	query := `SELECT ` + ruleColumns + ` FROM nudge_rules WHERE key = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	r, err = scanRule(q.QueryRowContext(ctx, query, key))
	if errors.Is(err, sql.ErrNoRows) {
		return Rule{}, false, nil
	}
	if err != nil {
		return Rule{}, false, fmt.Errorf("read nudge %q: %w", key, err)
	}
	return r, true, nil
}

// saveRule inserts or updates r (by id).
func (s store) saveRule(ctx context.Context, tx *database.Tx, r Rule) error {
	templates, err := json.Marshal(r.Templates)
	if err != nil {
		return fmt.Errorf("encode templates: %w", err)
	}
	_, err = tx.SQL().ExecContext(ctx, `
		INSERT INTO nudge_rules (id, key, trigger_type, trigger_step, after_days, audience_roles, max_sends, every_days,
		                         holdout_percent, enabled, templates, created_at, updated_at)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6::text[], $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (id) DO UPDATE SET trigger_type = EXCLUDED.trigger_type, trigger_step = EXCLUDED.trigger_step,
		    after_days = EXCLUDED.after_days, audience_roles = EXCLUDED.audience_roles, max_sends = EXCLUDED.max_sends,
		    every_days = EXCLUDED.every_days, holdout_percent = EXCLUDED.holdout_percent, enabled = EXCLUDED.enabled,
		    templates = EXCLUDED.templates, updated_at = EXCLUDED.updated_at`,
		r.id, r.Key, r.Trigger.Type, r.Trigger.Step, r.Trigger.AfterDays, r.Audience.Roles, r.MaxSends, r.EveryDays,
		r.HoldoutPercent, r.Enabled, templates, r.CreatedAt, r.UpdatedAt)
	if database.IsUniqueViolation(err, "nudge_rules_key_key") {
		return errKeyTaken
	}
	if err != nil {
		return fmt.Errorf("save nudge %q: %w", r.Key, err)
	}
	return nil
}

func (s store) deleteRule(ctx context.Context, tx *database.Tx, key string) error {
	if _, err := tx.SQL().ExecContext(ctx, `DELETE FROM nudge_rules WHERE key = $1`, key); err != nil {
		return fmt.Errorf("delete nudge %q: %w", key, err)
	}
	return nil
}

// stepScopes is the scope of each draft checklist step by key: a rule's
// trigger step must be one of them.
func (s store) stepScopes(ctx context.Context, q database.Querier) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT key, scope FROM onboarding_steps`)
	if err != nil {
		return nil, fmt.Errorf("read checklist steps: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var key, scope string
		if err := rows.Scan(&key, &scope); err != nil {
			return nil, fmt.Errorf("read checklist step: %w", err)
		}
		out[key] = scope
	}
	return out, rows.Err()
}
