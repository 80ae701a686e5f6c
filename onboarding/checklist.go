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
	cur, err := s.current(ctx, c.OrgID, c.UserID)
	if err != nil {
		return Checklist{}, wrap("read checklist", err)
	}
	plan, err := s.planFor(ctx, s.db, c.OrgID, cur.version)
	if err != nil {
		return Checklist{}, wrap("read checklist", err)
	}
	list := buildChecklist(cur.state, cur.mine, cur.version, c, plan)
	list.Dismissed = cur.dismissed
	return list, nil
}

// currentState is an organization's state on the latest version, as one
// user reads it: their own progress on member steps and whether they
// dismissed the checklist.
type currentState struct {
	state     *orgState
	version   *Version
	mine      progressMap
	dismissed bool
}

// current reads the organization's state on the latest version for user
// (uuid.Nil: nobody's own progress): one batched read, and a transaction
// only when the organization must move to a newer version first.
func (s *Service) current(ctx context.Context, orgID, userID uuid.UUID) (currentState, error) {
	snap, err := s.store.snapshot(ctx, orgID, userID)
	if err != nil {
		return currentState{}, err
	}
	if snap.state.version < snap.latest {
		cur := currentState{dismissed: snap.dismissed}
		err := s.db.InTx(ctx, func(tx *database.Tx) error {
			var err error
			if cur.state, cur.version, err = s.withState(ctx, tx, orgID, nil); err != nil {
				return err
			}
			cur.mine, err = s.memberProgress(ctx, tx, orgID, userID)
			return err
		})
		if err != nil {
			return currentState{}, fmt.Errorf("move to version %d: %w", snap.latest, err)
		}
		return cur, nil
	}
	v, err := s.store.version(ctx, s.db.SQL(), snap.state.version)
	return currentState{state: snap.state, version: v, mine: snap.mine, dismissed: snap.dismissed}, err
}

// memberProgress is user's own progress on member steps in the
// organization (empty for someone without a member row, or uuid.Nil).
func (s *Service) memberProgress(ctx context.Context, tx *database.Tx, orgID, userID uuid.UUID) (progressMap, error) {
	if userID == uuid.Nil {
		return progressMap{}, nil
	}
	members, err := s.store.loadMembers(ctx, tx, orgID, []uuid.UUID{userID})
	if err != nil {
		return nil, err
	}
	if m, ok := members[userID]; ok {
		return m.progress, nil
	}
	return progressMap{}, nil
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
// commit. change gets the step with key of the organization's version, and
// the progress it changes: the organization's for an organization step,
// the caller's own for a member step. 404 when there is no such step or
// the caller does not see it (a step they do not see is like an unknown
// key).
func (s *Service) changeStep(ctx context.Context, c Caller, key string, change func(pm progressMap, step Step) error) (Checklist, error) {
	var list Checklist
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		var plan string
		var mine progressMap
		st, v, err := s.withState(ctx, tx, c.OrgID, func(st *orgState, v *Version) error {
			var err error
			if plan, err = s.planFor(ctx, tx, c.OrgID, v); err != nil {
				return err
			}
			step, ok := v.step(key)
			if !ok || !shown(step, c.Role, plan) {
				return apperr.NotFound("step")
			}
			if !step.member() {
				return change(st.progress, step)
			}
			mine, err = s.changeOwnStep(ctx, tx, st, c, step, change)
			return err
		})
		if err != nil {
			return err
		}
		if mine == nil { // an organization step: the caller's own progress is as it was
			if mine, err = s.memberProgress(ctx, tx, c.OrgID, c.UserID); err != nil {
				return err
			}
		}
		dismissed, err := s.store.dismissed(ctx, tx.SQL(), c.OrgID, c.UserID)
		if err != nil {
			return err
		}
		list = buildChecklist(st, mine, v, c, plan)
		list.Dismissed = dismissed
		return nil
	})
	return list, err
}

// changeOwnStep applies change to the caller's own progress on the member
// step, and counts a completion it makes in the organization's counters.
// The caller must (still, under the organization's lock) be a member. It
// returns the caller's progress as saved.
func (s *Service) changeOwnStep(ctx context.Context, tx *database.Tx, st *orgState, c Caller, step Step, change func(pm progressMap, step Step) error) (progressMap, error) {
	members, err := s.store.loadMembers(ctx, tx, c.OrgID, []uuid.UUID{c.UserID})
	if err != nil {
		return nil, err
	}
	me := members[c.UserID]
	if me == nil || !me.current {
		return nil, apperr.NotFound("member")
	}
	wasDone := me.progress[step.Key] != nil && me.progress[step.Key].CompletedAt != nil
	if err := change(me.progress, step); err != nil {
		return nil, err
	}
	if !wasDone && me.progress[step.Key].CompletedAt != nil {
		memberCompleted(st, me, step.Key)
	}
	return me.progress, s.store.saveMembers(ctx, tx, c.OrgID, []*memberState{me}, s.now())
}

// Complete ticks a manual step off: for the whole organization, or for the
// caller alone when it is a member step (see completeManually).
func (s *Service) Complete(ctx context.Context, c Caller, key string) (Checklist, error) {
	list, err := s.changeStep(ctx, c, key, func(pm progressMap, step Step) error {
		return completeManually(pm, step, c.UserID, s.nowMicros())
	})
	return list, wrap("complete step", err)
}

// Skip sets an optional step aside: for the whole organization, or for
// the caller alone when it is a member step (see skipStep).
func (s *Service) Skip(ctx context.Context, c Caller, key string) (Checklist, error) {
	list, err := s.changeStep(ctx, c, key, func(pm progressMap, step Step) error {
		return skipStep(pm, step, c.UserID, s.nowMicros())
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
		mine, err := s.memberProgress(ctx, tx, c.OrgID, c.UserID)
		if err != nil {
			return err
		}
		list = buildChecklist(st, mine, v, c, plan)
		list.Dismissed = true
		return nil
	})
	return list, wrap("dismiss checklist", err)
}

// nowMicros is the clock at PostgreSQL's precision, so that a time
// answered from memory before the commit is the one read back afterwards.
func (s *Service) nowMicros() time.Time { return s.now().UTC().Truncate(time.Microsecond) }
