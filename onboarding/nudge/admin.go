package nudge

import (
	"context"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

var errKeyTaken = apperr.Conflict("nudge_exists", "a nudge with this key already exists")

// Rules lists every rule, by key.
func (s *Service) Rules(ctx context.Context) ([]Rule, error) {
	return s.store.rules(ctx, s.db.SQL(), false)
}

// Rule reads one rule.
func (s *Service) Rule(ctx context.Context, key string) (Rule, error) {
	r, found, err := s.store.rule(ctx, s.db.SQL(), key, false)
	if err != nil {
		return Rule{}, err
	}
	if !found {
		return Rule{}, apperr.NotFound("nudge")
	}
	return r, nil
}

// CreateRule writes a new rule, audited.
func (s *Service) CreateRule(ctx context.Context, actor uuid.UUID, in RuleInput) (Rule, error) {
	r := newRule(in)
	r.id = uuid.Must(uuid.NewV7())
	r.CreatedAt = s.now().UTC()
	r.UpdatedAt = r.CreatedAt
	var out Rule
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		var v apperr.Validator
		v.Check(in.Enabled != nil, "enabled", "is required: say whether the nudge sends once written")
		v.Check(in.Trigger != nil, "trigger", "is required")
		if err := s.check(ctx, tx, r, &v); err != nil {
			return err
		}
		if err := s.store.saveRule(ctx, tx, r); err != nil {
			return err
		}
		out = r
		return s.audit.Audit(ctx, tx, actor, "nudge.create", "nudge:"+r.Key, nil, r)
	})
	return out, wrap("create nudge", err)
}

// UpdateRule changes a rule, audited with its state before and after.
func (s *Service) UpdateRule(ctx context.Context, actor uuid.UUID, key string, p RulePatch) (Rule, error) {
	var out Rule
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		before, found, err := s.store.rule(ctx, tx.SQL(), key, true)
		if err != nil {
			return err
		}
		if !found {
			return apperr.NotFound("nudge")
		}
		r := before
		r.apply(p)
		r.UpdatedAt = s.now().UTC()
		var v apperr.Validator
		if err := s.check(ctx, tx, r, &v); err != nil {
			return err
		}
		if err := s.store.saveRule(ctx, tx, r); err != nil {
			return err
		}
		out = r
		return s.audit.Audit(ctx, tx, actor, "nudge.update", "nudge:"+key, before, r)
	})
	return out, wrap("update nudge", err)
}

// DeleteRule removes a rule, audited. What it sent still counts towards
// each person's weekly cap.
func (s *Service) DeleteRule(ctx context.Context, actor uuid.UUID, key string) error {
	return wrap("delete nudge", s.db.InTx(ctx, func(tx *database.Tx) error {
		before, found, err := s.store.rule(ctx, tx.SQL(), key, true)
		if err != nil {
			return err
		}
		if !found {
			return apperr.NotFound("nudge")
		}
		if err := s.store.deleteRule(ctx, tx, key); err != nil {
			return err
		}
		return s.audit.Audit(ctx, tx, actor, "nudge.delete", "nudge:"+key, before, nil)
	}))
}

// check validates r whole against the draft checklist, adding to v.
func (s *Service) check(ctx context.Context, tx *database.Tx, r Rule, v *apperr.Validator) error {
	scopes, err := s.store.stepScopes(ctx, tx.SQL())
	if err != nil {
		return err
	}
	r.validate(v, func(key string) string { return scopes[key] })
	return v.Err()
}
