package onboarding

import (
	"fmt"
	"slices"
	"time"
)

// Step statuses on a checklist.
const (
	StatusPending   = "pending"
	StatusCompleted = "completed"
	StatusSkipped   = "skipped"
)

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

// ChecklistStep is one step of a checklist with its progress: the
// organization's, or for a member step the reader's own.
type ChecklistStep struct {
	Key         string     `json:"key"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Required    bool       `json:"required"`
	Scope       string     `json:"scope"`
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

// buildChecklist is the checklist of st on version v as member c sees it
// when the organization is on plan: the steps the audience rules show
// their role, in their language, with the organization's progress on organization steps and
// mine (the reader's own) on member steps. completed counts completed
// steps; total counts shown steps that are not skipped (skipping an
// optional step takes it out of the count); percent is completed/total
// rounded down, 0 when total is 0. Dismissed is the member's own, not the
// organization's: the caller sets it. An activation that member thresholds
// decided shows no time (it would tell when members used the service).
func buildChecklist(st *orgState, mine progressMap, v *Version, c Caller, plan string) Checklist {
	list := Checklist{Version: v.Version, Steps: make([]ChecklistStep, 0, len(v.Steps))}
	if !st.activatedByMembers {
		list.ActivatedAt = st.activatedAt
	}
	for _, step := range v.Steps {
		if !shown(step, c.Role, plan) {
			continue
		}
		p := st.progress[step.Key]
		if step.member() {
			p = mine[step.Key]
		}
		cs := stepView(step, p)
		cs.Title, cs.Description = step.textIn(c.Locale)
		list.Steps = append(list.Steps, cs)
		switch cs.Status {
		case StatusCompleted:
			list.Completed++
			list.Total++
		case StatusPending:
			list.Total++
		}
	}
	if list.Total > 0 {
		list.Percent = list.Completed * 100 / list.Total
	}
	return list
}

// stepView is one step with the organization's progress on it (p nil: none
// yet).
func stepView(step Step, p *stepProgress) ChecklistStep {
	cs := ChecklistStep{
		Key: step.Key, Title: step.Title, Description: step.Description, Required: step.Required,
		Scope: step.Scope, Type: step.Completion.Type, Status: StatusPending,
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
