package onboarding

import (
	"context"
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

// activated reports whether st meets def, and since when: every required
// step completed before the window (WindowDays after signup) closed. It is
// the time the last of them was completed, never before signup. A
// definition without required steps activates no one. Whether st was
// activated already is the caller's business: activation is never undone
// nor moved.
func activated(def Definition, st *orgState) (time.Time, bool) {
	if len(def.RequiredSteps) == 0 {
		return time.Time{}, false
	}
	deadline := st.signedUpAt.AddDate(0, 0, def.WindowDays)
	last := st.signedUpAt
	for _, key := range def.RequiredSteps {
		p, ok := st.progress[key]
		if !ok || p.CompletedAt == nil || !p.CompletedAt.Before(deadline) {
			return time.Time{}, false
		}
		if p.CompletedAt.After(last) {
			last = *p.CompletedAt
		}
	}
	return last, true
}

// Activation returns the current definition.
func (s *Service) Activation(ctx context.Context) (Definition, error) {
	d, err := s.store.activationDefinition(ctx, s.db.SQL())
	return d, wrap("read activation definition", err)
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
		if err := s.store.adminLock(ctx, tx); err != nil {
			return err
		}
		latest, err := s.store.latestVersion(ctx, tx.SQL())
		if err != nil {
			return err
		}
		ver, err := s.store.version(ctx, tx.SQL(), latest)
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
		before, err := s.store.activationDefinition(ctx, tx.SQL())
		if err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Microsecond)
		if err := s.store.saveActivation(ctx, tx, in, now, actor); err != nil {
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

// activatePending evaluates, each under its lock like on an event, every
// organization not yet activated that may now qualify, and returns how
// many it activated.
func (s *Service) activatePending(ctx context.Context, tx *database.Tx, ver *Version, required []string) (int, error) {
	candidates, err := s.store.activationCandidates(ctx, tx, ver, required)
	if err != nil {
		return 0, err
	}
	activatedNow := 0
	for _, id := range candidates {
		var pending bool
		st, _, err := s.withState(ctx, tx, id, func(st *orgState, _ *Version) error {
			pending = st.activatedAt == nil
			return nil
		})
		if err != nil {
			return 0, err
		}
		if pending && st.activatedAt != nil {
			activatedNow++
		}
	}
	return activatedNow, nil
}
