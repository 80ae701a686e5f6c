package onboarding

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// DefaultWindowDays is the window shown before a PM sets a definition.
const DefaultWindowDays = 30

// Definition says when an organization is activated: every required
// organization step completed and, for each member step listed, at least
// its share of the organization's seats completed it, all within
// WindowDays of signup. With neither (before a PM sets one) no organization
// is activated.
type Definition struct {
	RequiredSteps []string     `json:"required_steps"`
	WindowDays    int          `json:"window_days"`
	MemberSteps   []MemberStep `json:"member_steps"`
	UpdatedAt     *time.Time   `json:"updated_at"`
	UpdatedBy     *uuid.UUID   `json:"updated_by"`
	// Activated is how many organizations the change activated (PUT only).
	Activated *int `json:"organizations_activated,omitempty"`
}

// MemberStep is a member threshold: at least MinShare (0 < x ≤ 1) of the
// organization's seats (the subscription's quantity; the members who
// joined while it has none) completed the member step Key.
type MemberStep struct {
	Key      string  `json:"key"`
	MinShare float64 `json:"min_share"`
}

// DefinitionInput replaces the definition.
type DefinitionInput struct {
	RequiredSteps []string
	WindowDays    int
	MemberSteps   []MemberStep
}

// membersNeeded is how many members a share of base seats is: the
// smallest whole number of people at or above it, and at least one. The
// tolerance keeps 0.3 × 10 at 3 people, not 4, despite floating point.
func membersNeeded(share float64, base int) int {
	return max(1, int(math.Ceil(share*float64(base)-1e-9)))
}

// organizationStepsDone reports whether every required organization step
// of def was completed before the window (WindowDays after signup) closed,
// and the time the last of them was (never before signup).
func organizationStepsDone(def Definition, st *orgState) (time.Time, bool) {
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

// activated reports whether st meets def, and since when: the required
// organization steps done (organizationStepsDone) and each member
// threshold reached, all before the window closed; reached holds, per
// member step of def, when its threshold was reached (absent: not yet).
// It is the latest of those times. A definition without required or
// member steps activates no one. Whether st was activated already is the
// caller's business: activation is never undone nor moved.
func activated(def Definition, st *orgState, reached map[string]time.Time) (time.Time, bool) {
	if len(def.RequiredSteps) == 0 && len(def.MemberSteps) == 0 {
		return time.Time{}, false
	}
	last, ok := organizationStepsDone(def, st)
	if !ok {
		return time.Time{}, false
	}
	deadline := st.signedUpAt.AddDate(0, 0, def.WindowDays)
	for _, ms := range def.MemberSteps {
		at, ok := reached[ms.Key]
		if !ok || !at.Before(deadline) {
			return time.Time{}, false
		}
		if at.After(last) {
			last = at
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
	if in.RequiredSteps == nil {
		in.RequiredSteps = []string{}
	}
	if in.MemberSteps == nil {
		in.MemberSteps = []MemberStep{}
	}
	v.Check(len(in.RequiredSteps)+len(in.MemberSteps) >= 1, "required_steps", "name at least one required step or member step")
	v.Check(len(in.RequiredSteps) <= maxSteps, "required_steps", fmt.Sprintf("name at most %d steps", maxSteps))
	v.Check(len(in.MemberSteps) <= maxSteps, "member_steps", fmt.Sprintf("name at most %d steps", maxSteps))
	v.Check(in.WindowDays >= 1 && in.WindowDays <= 365, "window_days", "must be from 1 to 365")
	for i, ms := range in.MemberSteps {
		v.Check(ms.MinShare > 0 && ms.MinShare <= 1, "member_steps["+strconv.Itoa(i)+"].min_share", "must be more than 0 and at most 1")
	}
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
		checkSteps(&v, ver, in)
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
		if err := s.restageFunnel(ctx, tx, before, in); err != nil {
			return err
		}
		out = Definition{RequiredSteps: in.RequiredSteps, WindowDays: in.WindowDays, MemberSteps: in.MemberSteps, UpdatedAt: &now}
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
		n, err := s.activatePending(ctx, tx, ver, in)
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
func (s *Service) activatePending(ctx context.Context, tx *database.Tx, ver *Version, in DefinitionInput) (int, error) {
	candidates, err := s.store.activationCandidates(ctx, tx, ver, in)
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

// checkSteps checks that each required step is an organization step, and
// each member threshold a member step, of the latest published version ver
// (a draft-only step cannot be completed by anyone yet), each listed once.
func checkSteps(v *apperr.Validator, ver *Version, in DefinitionInput) {
	seen := map[string]bool{}
	for i, k := range in.RequiredSteps {
		field := "required_steps[" + strconv.Itoa(i) + "]"
		step, known := ver.step(k)
		v.Check(known, field, fmt.Sprintf("%q is not a step of the latest published version (%d)", k, ver.Version))
		v.Check(!known || !step.member(), field, fmt.Sprintf("%q is a member step: list it in member_steps with the share of seats that must complete it", k))
		v.Check(!seen[k], field, fmt.Sprintf("%q is listed twice", k))
		seen[k] = true
	}
	for i, ms := range in.MemberSteps {
		field := "member_steps[" + strconv.Itoa(i) + "].key"
		step, known := ver.step(ms.Key)
		v.Check(known, field, fmt.Sprintf("%q is not a step of the latest published version (%d)", ms.Key, ver.Version))
		v.Check(!known || step.member(), field, fmt.Sprintf("%q is an organization step: list it in required_steps", ms.Key))
		v.Check(!seen[ms.Key], field, fmt.Sprintf("%q is listed twice", ms.Key))
		seen[ms.Key] = true
	}
}

// restageFunnel, when the required steps change (and so the funnel's
// sequence of stages), marks the funnel rollups stale and queues their
// recompute, in the definition change's transaction.
func (s *Service) restageFunnel(ctx context.Context, tx *database.Tx, before Definition, in DefinitionInput) error {
	if slices.Equal(before.RequiredSteps, in.RequiredSteps) {
		return nil
	}
	if err := s.store.staleFunnelStages(ctx, tx, in.RequiredSteps); err != nil {
		return err
	}
	if s.funnelStages == nil {
		return nil
	}
	return s.funnelStages.Enqueue(ctx, tx)
}
