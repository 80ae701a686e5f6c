package onboarding

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
)

// recentEvents is how many events the support view shows.
const recentEvents = 20

// SupportView is everything support needs to answer "why is my checklist
// like this?" for one organization.
type SupportView struct {
	Organization SupportOrganization `json:"organization"`
	Subscription any                 `json:"subscription"`
	Plan         string              `json:"plan"`
	Checklist    SupportChecklist    `json:"checklist"`
	RecentEvents []Event             `json:"recent_events"`
}

// SupportOrganization is the organization with its milestones.
type SupportOrganization struct {
	ID                uuid.UUID  `json:"id"`
	Name              string     `json:"name"`
	BillingStatus     string     `json:"billing_status"`
	UTMSource         *string    `json:"utm_source"`
	CreatedAt         time.Time  `json:"created_at"`
	CheckoutStartedAt *time.Time `json:"checkout_started_at"`
	PaidAt            *time.Time `json:"paid_at"`
	ActivatedAt       *time.Time `json:"activated_at"`
}

// SupportChecklist is every step of the organization's version, shown or
// not, with the reason for its state.
type SupportChecklist struct {
	Version int           `json:"version"`
	Steps   []SupportStep `json:"steps"`
}

// SupportStep explains one step: its audience, whether the organization's
// plan hides it, and why it is pending, completed or skipped.
type SupportStep struct {
	ChecklistStep
	Audience   Audience   `json:"audience"`
	Completion Completion `json:"completion"`
	// HiddenReason is set when the audience hides the step from every
	// member of the organization (its plan rule); role rules are in Audience.
	HiddenReason *string    `json:"hidden_reason"`
	Explanation  string     `json:"explanation"`
	CompletedBy  *uuid.UUID `json:"completed_by"`
}

// Event is a recorded product event.
type Event struct {
	ID         uuid.UUID       `json:"id"`
	Name       string          `json:"name"`
	Source     string          `json:"source"`
	UserID     *uuid.UUID      `json:"user_id"`
	Timestamp  time.Time       `json:"timestamp"`
	OccurredAt time.Time       `json:"occurred_at"`
	ReceivedAt time.Time       `json:"received_at"`
	Clamped    bool            `json:"clamped"`
	Properties json.RawMessage `json:"properties"`
}

// Support returns the support view of an organization (404 when unknown).
func (s *Service) Support(ctx context.Context, orgID uuid.UUID) (SupportView, error) {
	var view SupportView
	var err error
	if view.Organization, err = s.store.supportOrganization(ctx, orgID); err != nil {
		return view, wrap("support view", err)
	}
	if s.subscriptions != nil {
		sub, err := s.subscriptions(ctx, orgID)
		if err != nil && !apperr.Is(err, apperr.CodeNotFound) {
			return view, fmt.Errorf("support view: subscription: %w", err)
		}
		if err == nil {
			view.Subscription = sub
		}
	}
	cur, err := s.current(ctx, orgID, uuid.Nil)
	st, v := cur.state, cur.version
	if err != nil {
		return view, fmt.Errorf("support view: %w", err)
	}
	if s.plans != nil {
		if view.Plan, err = s.plans.PlanID(ctx, s.db, orgID); err != nil {
			return view, fmt.Errorf("support view: plan: %w", err)
		}
	}
	view.Checklist = SupportChecklist{Version: v.Version, Steps: []SupportStep{}}
	for _, step := range v.Steps {
		p := st.progress[step.Key]
		ss := SupportStep{ChecklistStep: stepView(step, p), Audience: step.Audience, Completion: step.Completion}
		if reason := hiddenBy(step, "", view.Plan); reason != "" {
			ss.HiddenReason = &reason
		}
		if p != nil && p.CompletedAt != nil {
			ss.CompletedBy = p.CompletedBy
		}
		ss.Explanation = explain(step, p, ss.Status)
		view.Checklist.Steps = append(view.Checklist.Steps, ss)
	}
	if view.RecentEvents, err = s.store.recentEvents(ctx, orgID, recentEvents); err != nil {
		return view, err
	}
	return view, nil
}

func explain(step Step, p *stepProgress, status string) string {
	c := step.Completion
	var count int64
	if p != nil {
		count = p.Count
	}
	switch status {
	case StatusCompleted:
		if p.How == doneManually {
			return fmt.Sprintf("completed manually at %s", p.CompletedAt.Format(time.RFC3339))
		}
		return fmt.Sprintf("completed by %q events (%d counted, %d needed) at %s", c.Event, count, c.Target(), p.CompletedAt.Format(time.RFC3339))
	case StatusSkipped:
		return fmt.Sprintf("skipped at %s", p.SkippedAt.Format(time.RFC3339))
	}
	if c.Type == CompletionEvent {
		return fmt.Sprintf("pending: %d of %d %q events so far", count, c.Target(), c.Event)
	}
	return "pending: waiting for a member to mark it done"
}
