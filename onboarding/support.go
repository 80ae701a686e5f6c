package onboarding

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
)

// recentEvents is how many server-side events the support view shows.
const recentEvents = 20

// ActionSupportViewed is the audit log's action for a staff read of an
// organization's support view.
const ActionSupportViewed = "support.viewed"

// SupportView is everything support needs to answer "why is my checklist
// like this?" for one organization, and nothing about any one person: no
// member's events, properties, ticks or member-step status. Members use a
// mental-health service; staff see their use only as counts over at least
// MinGroupSize people.
type SupportView struct {
	Organization SupportOrganization `json:"organization"`
	Subscription any                 `json:"subscription"`
	Plan         string              `json:"plan"`
	Checklist    SupportChecklist    `json:"checklist"`
	EventCounts  []EventCount        `json:"event_counts"`
	RecentEvents []SupportEvent      `json:"recent_events"`
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
	// ActivatedAt is null when member thresholds were part of the
	// activation: even whether it happened would tell that members used
	// the service; it counts in the funnel only.
	ActivatedAt *time.Time `json:"activated_at"`
}

// SupportChecklist is every step of the organization's version, shown or
// not.
type SupportChecklist struct {
	Version int           `json:"version"`
	Steps   []SupportStep `json:"steps"`
}

// SupportStep is one step of the version. An organization step carries its
// state and why; a member step only its definition, since each member's
// progress on it is theirs alone.
type SupportStep struct {
	Key        string     `json:"key"`
	Title      string     `json:"title"`
	Scope      string     `json:"scope"`
	Audience   Audience   `json:"audience"`
	Completion Completion `json:"completion"`
	*SupportStepState
}

// SupportStepState is an organization step's state: its checklist fields,
// whether the organization's plan hides it, and why it is pending,
// completed or skipped. It never names who ticked it.
type SupportStepState struct {
	Description string     `json:"description"`
	Required    bool       `json:"required"`
	Type        string     `json:"type"`
	Status      string     `json:"status"`
	CompletedAt *time.Time `json:"completed_at"`
	Progress    Progress   `json:"progress"`
	// HiddenReason is set when the audience hides the step from every
	// member of the organization (its plan rule); role rules are in Audience.
	HiddenReason *string `json:"hidden_reason"`
	Explanation  string  `json:"explanation"`
}

// EventCount is how many events of a name the organization recorded. A
// client-sent name's count is null (Suppressed) while fewer than
// MinGroupSize current members sent it: a count over a handful of people
// tells what each of them did.
type EventCount struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// SupportEvent is a server-side event as support sees it: what happened
// and when, without who caused it or its properties.
type SupportEvent struct {
	ID         uuid.UUID `json:"id"`
	Name       string    `json:"name"`
	Source     string    `json:"source"`
	OccurredAt time.Time `json:"occurred_at"`
	ReceivedAt time.Time `json:"received_at"`
}

// Support returns the support view of an organization for the staff user
// actor (404 when unknown). Every view shown is in the audit log: the row
// is written once the view is assembled, and the view is not returned if
// it cannot be written.
func (s *Service) Support(ctx context.Context, actor, orgID uuid.UUID) (SupportView, error) {
	view, err := s.supportView(ctx, orgID)
	if err != nil {
		return SupportView{}, err
	}
	err = s.db.InTx(ctx, func(tx *database.Tx) error {
		return s.audit(ctx, tx, actor, ActionSupportViewed, "organization:"+orgID.String(), nil, nil)
	})
	if err != nil {
		return SupportView{}, fmt.Errorf("support view: %w", err)
	}
	return view, nil
}

func (s *Service) supportView(ctx context.Context, orgID uuid.UUID) (SupportView, error) {
	var view SupportView
	org, byMembers, err := s.store.supportOrganization(ctx, orgID)
	if err != nil {
		return view, wrap("support view", err)
	}
	if byMembers {
		org.ActivatedAt = nil
	}
	view.Organization = org
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
	view.Checklist = SupportChecklist{Version: v.Version, Steps: make([]SupportStep, 0, len(v.Steps))}
	for _, step := range v.Steps {
		view.Checklist.Steps = append(view.Checklist.Steps, supportStep(step, st.progress[step.Key], view.Plan))
	}
	counts, err := s.store.supportEventCounts(ctx, orgID)
	if err != nil {
		return view, fmt.Errorf("support view: %w", err)
	}
	view.EventCounts = eventCounts(counts, s.minGroupSize, byMembers)
	if view.RecentEvents, err = s.store.supportRecentEvents(ctx, orgID, byMembers, recentEvents); err != nil {
		return view, fmt.Errorf("support view: %w", err)
	}
	return view, nil
}

// supportStep is step as support sees it. A member step's p, whatever it
// holds, is never read.
func supportStep(step Step, p *stepProgress, plan string) SupportStep {
	ss := SupportStep{Key: step.Key, Title: step.Title, Scope: ScopeOrganization, Audience: step.Audience, Completion: step.Completion}
	if step.Scope == ScopeMember {
		ss.Scope = ScopeMember
		return ss
	}
	cs := stepView(step, p)
	state := &SupportStepState{Description: cs.Description, Required: cs.Required, Type: cs.Type,
		Status: cs.Status, CompletedAt: cs.CompletedAt, Progress: cs.Progress}
	if reason := hiddenBy(step, "", plan); reason != "" {
		state.HiddenReason = &reason
	}
	state.Explanation = explain(step, p, cs.Status)
	ss.SupportStepState = state
	return ss
}

// eventNameCount is one row of an organization's event counters with how
// many current members sent events of that name.
type eventNameCount struct {
	Name    string
	Count   int64
	Senders int
	Members int // current members of the organization
}

// eventCounts lists every server-side name's count (the backend records
// them for the organization, not for a person) and a client-sent name's
// count only when at least minGroup current members sent it and at least
// minGroup did not (all five of five members booked tells about each):
// otherwise the name is left out altogether, since even its presence
// would tell that someone used the service. organization_activated is left out too
// when member thresholds decided the activation (hideActivation).
func eventCounts(rows []eventNameCount, minGroup int, hideActivation bool) []EventCount {
	out := make([]EventCount, 0, len(rows))
	for _, r := range rows {
		server := slices.Contains(serverNames, r.Name)
		if _, hidden := floored(r.Senders, r.Members, minGroup); (!server && hidden) || (hideActivation && r.Name == serverevent.OrganizationActivated) {
			continue
		}
		out = append(out, EventCount{Name: r.Name, Count: r.Count})
	}
	return out
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
