package onboarding

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// Checklist returns the caller's checklist. An organization still on an
// older version moves to the latest one first (see upgradeProgress).
func (s *Service) Checklist(ctx context.Context, c Caller) (Checklist, error) {
	st, v, dismissed, err := s.current(ctx, c.OrgID, c.UserID)
	if err != nil {
		return Checklist{}, wrap("read checklist", err)
	}
	plan, err := s.planFor(ctx, s.db, c.OrgID, v)
	if err != nil {
		return Checklist{}, wrap("read checklist", err)
	}
	list := buildChecklist(st, v, c.Role, plan)
	list.Dismissed = dismissed
	return list, nil
}

// current returns the organization's state on the latest version, and
// whether user dismissed the checklist: one batched read, and a transaction
// only when the organization must move to a newer version first.
func (s *Service) current(ctx context.Context, orgID, userID uuid.UUID) (*orgState, *Version, bool, error) {
	snap, err := s.store.snapshot(ctx, orgID, userID)
	if err != nil {
		return nil, nil, false, err
	}
	if snap.state.version < snap.latest {
		var st *orgState
		var v *Version
		err := s.db.InTx(ctx, func(tx *database.Tx) error {
			var err error
			st, v, err = s.withState(ctx, tx, orgID, nil)
			return err
		})
		if err != nil {
			return nil, nil, false, fmt.Errorf("move to version %d: %w", snap.latest, err)
		}
		return st, v, snap.dismissed, nil
	}
	v, err := s.store.version(ctx, s.db.SQL(), snap.state.version)
	return snap.state, v, snap.dismissed, err
}

// planFor looks the organization's plan up, on h (the caller's
// transaction when it holds one: a second connection per request could
// exhaust the pool under load), only when a step of the version
// has a plan rule: most checklists do not, and the read stays one query.
func (s *Service) planFor(ctx context.Context, h database.Handle, orgID uuid.UUID, v *Version) (string, error) {
	if s.plans == nil || !slices.ContainsFunc(v.Steps, func(st Step) bool { return len(st.Audience.Plans) > 0 }) {
		return "", nil
	}
	plan, err := s.plans.PlanID(ctx, h, orgID)
	if err != nil {
		return "", fmt.Errorf("look up plan: %w", err)
	}
	return plan, nil
}

// changeStep runs a caller's change to a step of their organization's
// checklist in one transaction, and answers with the checklist built from
// the state that transaction saved, not from a second read after the
// commit. change gets the step with key of the organization's version: 404
// when there is none or the caller does not see it (a step they do not see
// is like an unknown key).
func (s *Service) changeStep(ctx context.Context, c Caller, key string, change func(st *orgState, step Step) error) (Checklist, error) {
	var list Checklist
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		var plan string
		st, v, err := s.withState(ctx, tx, c.OrgID, func(st *orgState, v *Version) error {
			var err error
			if plan, err = s.planFor(ctx, tx, c.OrgID, v); err != nil {
				return err
			}
			step, ok := v.step(key)
			if !ok || !shown(step, c.Role, plan) {
				return apperr.NotFound("step")
			}
			return change(st, step)
		})
		if err != nil {
			return err
		}
		dismissed, err := s.store.dismissed(ctx, tx.SQL(), c.OrgID, c.UserID)
		if err != nil {
			return err
		}
		list = buildChecklist(st, v, c.Role, plan)
		list.Dismissed = dismissed
		return nil
	})
	return list, err
}

// Complete ticks a manual step off for the whole organization (see
// completeManually).
func (s *Service) Complete(ctx context.Context, c Caller, key string) (Checklist, error) {
	list, err := s.changeStep(ctx, c, key, func(st *orgState, step Step) error {
		return completeManually(st, step, c.UserID, s.nowMicros())
	})
	return list, wrap("complete step", err)
}

// Skip sets an optional step aside (see skipStep).
func (s *Service) Skip(ctx context.Context, c Caller, key string) (Checklist, error) {
	list, err := s.changeStep(ctx, c, key, func(st *orgState, step Step) error {
		return skipStep(st, step, c.UserID, s.nowMicros())
	})
	return list, wrap("skip step", err)
}

// Dismiss hides the checklist for the caller (each member decides for
// themselves); it stays readable and keeps counting. It answers with the
// checklist as of its transaction, the organization brought up to date
// under its lock.
func (s *Service) Dismiss(ctx context.Context, c Caller) (Checklist, error) {
	var list Checklist
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		st, v, err := s.withState(ctx, tx, c.OrgID, nil)
		if err != nil {
			return err
		}
		if err := s.store.dismiss(ctx, tx, c.OrgID, c.UserID, s.now()); err != nil {
			return err
		}
		plan, err := s.planFor(ctx, tx, c.OrgID, v)
		if err != nil {
			return err
		}
		list = buildChecklist(st, v, c.Role, plan)
		list.Dismissed = true
		return nil
	})
	return list, wrap("dismiss checklist", err)
}

// nowMicros is the clock at PostgreSQL's precision, so that a time
// answered from memory before the commit is the one read back afterwards.
func (s *Service) nowMicros() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
