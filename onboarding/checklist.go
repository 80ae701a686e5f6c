package onboarding

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// Step statuses on a checklist.
const (
	StatusPending   = "pending"
	StatusCompleted = "completed"
	StatusSkipped   = "skipped"
)

// Viewer is who reads a checklist: a member of an organization.
type Viewer struct {
	OrgID  uuid.UUID
	UserID uuid.UUID
	Role   string
}

// Checklist is an organization's checklist as one member sees it. Version 0
// and no steps mean nothing has been published yet.
type Checklist struct {
	Version     int             `json:"version"`
	Steps       []ChecklistStep `json:"steps"`
	Completed   int             `json:"completed"`
	Total       int             `json:"total"`
	Percent     int             `json:"percent"`
	Dismissed   bool            `json:"dismissed"`
	ActivatedAt *time.Time      `json:"activated_at"`
}

// ChecklistStep is one step of a checklist with the organization's progress.
type ChecklistStep struct {
	Key         string     `json:"key"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Required    bool       `json:"required"`
	Type        string     `json:"type"`
	Status      string     `json:"status"`
	CompletedAt *time.Time `json:"completed_at"`
	Progress    Progress   `json:"progress"`
}

// Progress is how far a step is: events counted (or 1 once a manual step is
// ticked) out of the target.
type Progress struct {
	Count  int64 `json:"count"`
	Target int64 `json:"target"`
}

// snapshot is the organization's onboarding row as read without a lock.
type snapshot struct {
	version     *Version
	progress    map[string]*stepProgress
	activatedAt *time.Time
	dismissed   bool
}

// Checklist returns the viewer's checklist. An organization still on an
// older version moves to the latest one first, keeping its progress on the
// keys that survive.
func (s *Service) Checklist(ctx context.Context, v Viewer) (Checklist, error) {
	snap, err := s.snapshot(ctx, v.OrgID, v.UserID)
	if err != nil {
		return Checklist{}, wrap("read checklist", err)
	}
	plan, err := s.planFor(ctx, s.db, v.OrgID, snap.version)
	if err != nil {
		return Checklist{}, err
	}
	return buildChecklist(snap, v.Role, plan), nil
}

// snapshot reads the organization's row, the latest version number and
// whether the user dismissed the checklist in one query, and upgrades the
// organization when a newer version exists.
func (s *Service) snapshot(ctx context.Context, orgID, userID uuid.UUID) (*snapshot, error) {
	row, found, err := s.reads.read(ctx, orgID, userID)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, apperr.NotFound("organization")
	}
	snap := &snapshot{dismissed: row.dismissed}
	if row.version < row.latest {
		var st *orgState
		err := s.db.InTx(ctx, func(tx *database.Tx) error {
			var err error
			st, err = s.withState(ctx, tx, orgID, func(*orgState) error { return nil })
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("move to version %d: %w", row.latest, err)
		}
		snap.version, snap.progress, snap.activatedAt = st.version, st.progress, st.activatedAt
		return snap, nil
	}
	if err := json.Unmarshal(row.progress, &snap.progress); err != nil {
		return nil, fmt.Errorf("decode progress: %w", err)
	}
	snap.activatedAt = timePtr(sql.NullTime{Time: row.activated.Time, Valid: row.activated.Valid})
	snap.version, err = s.loadVersion(ctx, s.db.SQL(), row.version)
	return snap, err
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

// shown reports whether the audience rules show the step to a role on a
// plan (role "" ignores the role rule).
func shown(step Step, role, plan string) bool {
	a := step.Audience
	return (len(a.Plans) == 0 || slices.Contains(a.Plans, plan)) &&
		(role == "" || len(a.Roles) == 0 || slices.Contains(a.Roles, role))
}

// hiddenBy says which audience rule hides the step from a role on a plan,
// or "" when the step is shown.
func hiddenBy(step Step, role, plan string) string {
	if shown(step, role, plan) {
		return ""
	}
	if len(step.Audience.Plans) > 0 && !slices.Contains(step.Audience.Plans, plan) {
		on := fmt.Sprintf("plan %q", plan)
		if plan == "" {
			on = "no plan (no subscription)"
		}
		return fmt.Sprintf("shown only on plans %v; the organization is on %s", step.Audience.Plans, on)
	}
	if role != "" && len(step.Audience.Roles) > 0 && !slices.Contains(step.Audience.Roles, role) {
		return fmt.Sprintf("shown only to roles %v, not to %s", step.Audience.Roles, role)
	}
	return ""
}

func stepView(step Step, p *stepProgress) ChecklistStep {
	cs := ChecklistStep{
		Key: step.Key, Title: step.Title, Description: step.Description, Required: step.Required,
		Type: step.Completion.Type, Status: StatusPending,
		Progress: Progress{Target: int64(step.Completion.Target())},
	}
	if p == nil {
		return cs
	}
	cs.Progress.Count = p.Count
	switch {
	case p.CompletedAt != nil:
		cs.Status, cs.CompletedAt = StatusCompleted, p.CompletedAt
		if step.Completion.Type == CompletionManual {
			cs.Progress.Count = 1
		}
	case p.SkippedAt != nil && !step.Required:
		cs.Status = StatusSkipped
	}
	if step.Completion.Type == CompletionManual && p.CompletedAt == nil {
		cs.Progress.Count = 0
	}
	return cs
}

// buildChecklist applies the audience rules. completed counts completed
// steps; total counts shown steps that are not skipped (skipping an
// optional step takes it out of the count); percent is completed/total
// rounded down, 0 when total is 0.
func buildChecklist(snap *snapshot, role, plan string) Checklist {
	c := Checklist{Version: snap.version.Version, Steps: []ChecklistStep{}, Dismissed: snap.dismissed, ActivatedAt: snap.activatedAt}
	for _, step := range snap.version.Steps {
		if !shown(step, role, plan) {
			continue
		}
		cs := stepView(step, snap.progress[step.Key])
		c.Steps = append(c.Steps, cs)
		switch cs.Status {
		case StatusCompleted:
			c.Completed++
			c.Total++
		case StatusPending:
			c.Total++
		}
	}
	if c.Total > 0 {
		c.Percent = c.Completed * 100 / c.Total
	}
	return c
}

// visibleStep returns the step with key of the organization's version if the
// viewer sees it; a step they do not see is not found, like an unknown key.
func (s *Service) visibleStep(ctx context.Context, tx *database.Tx, st *orgState, v Viewer, key string) (Step, error) {
	step, ok := st.version.step(key)
	if !ok {
		return Step{}, apperr.NotFound("step")
	}
	plan, err := s.planFor(ctx, tx, v.OrgID, st.version)
	if err != nil {
		return Step{}, err
	}
	if !shown(step, v.Role, plan) {
		return Step{}, apperr.NotFound("step")
	}
	return step, nil
}

// Complete ticks a manual step off. Event steps complete only through their
// events (409 event_step). Completing a completed step changes nothing.
func (s *Service) Complete(ctx context.Context, v Viewer, key string) (Checklist, error) {
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		_, err := s.withState(ctx, tx, v.OrgID, func(st *orgState) error {
			step, err := s.visibleStep(ctx, tx, st, v, key)
			if err != nil {
				return err
			}
			if step.Completion.Type == CompletionEvent {
				return apperr.Conflict("event_step", fmt.Sprintf("step %q completes by itself after %d %q event(s)", key, step.Completion.Target(), step.Completion.Event))
			}
			p := st.step(key)
			if p.CompletedAt != nil {
				return nil
			}
			now := s.now().UTC().Truncate(time.Microsecond)
			user := v.UserID
			p.Count, p.CompletedAt, p.CompletedBy, p.How, p.SkippedAt, p.SkippedBy = 1, &now, &user, doneManually, nil, nil
			return nil
		})
		return err
	})
	if err != nil {
		return Checklist{}, wrap("complete step", err)
	}
	return s.Checklist(ctx, v)
}

// Skip sets an optional step aside. Required steps cannot be skipped (409
// step_required), nor completed ones (409 step_completed).
func (s *Service) Skip(ctx context.Context, v Viewer, key string) (Checklist, error) {
	err := s.db.InTx(ctx, func(tx *database.Tx) error {
		_, err := s.withState(ctx, tx, v.OrgID, func(st *orgState) error {
			step, err := s.visibleStep(ctx, tx, st, v, key)
			if err != nil {
				return err
			}
			if step.Required {
				return apperr.Conflict("step_required", fmt.Sprintf("step %q is required and cannot be skipped", key))
			}
			p := st.step(key)
			if p.CompletedAt != nil {
				return apperr.Conflict("step_completed", fmt.Sprintf("step %q is already completed", key))
			}
			if p.SkippedAt != nil {
				return nil
			}
			now := s.now().UTC().Truncate(time.Microsecond)
			user := v.UserID
			p.SkippedAt, p.SkippedBy = &now, &user
			return nil
		})
		return err
	})
	if err != nil {
		return Checklist{}, wrap("skip step", err)
	}
	return s.Checklist(ctx, v)
}

// Dismiss hides the checklist for the viewer (each member decides for
// themselves); it stays readable and keeps counting.
func (s *Service) Dismiss(ctx context.Context, v Viewer) (Checklist, error) {
	_, err := s.db.SQL().ExecContext(ctx, `
		INSERT INTO onboarding_dismissals (organization_id, user_id, dismissed_at)
		SELECT organization_id, $2, $3 FROM onboarding_organizations WHERE organization_id = $1
		ON CONFLICT DO NOTHING`, v.OrgID, v.UserID, s.now())
	if err != nil {
		return Checklist{}, wrap("dismiss checklist", err)
	}
	return s.Checklist(ctx, v)
}
