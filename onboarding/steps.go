package onboarding

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
)

// Step scopes: whose progress a step tracks.
const (
	// ScopeOrganization is one progress for the whole company ("invite
	// your team").
	ScopeOrganization = "organization"
	// ScopeMember is each member's own progress ("book your first
	// session"), seen by that member alone.
	ScopeMember = "member"
)

// Completion types.
const (
	CompletionManual = "manual" // a person ticks it off
	CompletionEvent  = "event"  // Count events named Event tick it off
)

const (
	maxSteps       = 50
	maxTitle       = 200
	maxDescription = 2000
	maxEventCount  = 1_000_000
)

var (
	keyPattern  = regexp.MustCompile(`^[a-z][a-z0-9_]{1,63}$`)
	planPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$`)
	roles       = []string{"owner", "admin", "member"}
)

// validEventName reports whether name is an event name: 1-100
// characters, a lower-case letter, then lower-case letters, digits, _ or
// . (^[a-z][a-z0-9_.]{0,99}$, in a byte loop: it runs for every event).
func validEventName(name string) bool {
	if len(name) == 0 || len(name) > 100 || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for i := 1; i < len(name); i++ {
		c := name[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' && c != '.' {
			return false
		}
	}
	return true
}

// Step is one checklist step, as drafted and as published.
type Step struct {
	Key         string     `json:"key"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Position    int        `json:"position"`
	Required    bool       `json:"required"`
	Scope       string     `json:"scope"`
	Audience    Audience   `json:"audience"`
	Completion  Completion `json:"completion"`
	// Translations are the step's text in other languages than its own.
	Translations Translations `json:"translations"`
}

// member reports whether each member has their own progress on the step.
func (s Step) member() bool { return s.Scope == ScopeMember }

// Audience limits who sees a step; an empty list means everyone.
type Audience struct {
	Roles []string `json:"roles"`
	Plans []string `json:"plans"`
}

// Completion says how a step gets done.
type Completion struct {
	Type  string `json:"type"`
	Event string `json:"event,omitempty"`
	Count int    `json:"count,omitempty"`
}

// Target is how many events (or ticks) complete the step.
func (c Completion) Target() int {
	if c.Type == CompletionEvent && c.Count > 0 {
		return c.Count
	}
	return 1
}

// DraftStep is a step of the draft with its edit times.
type DraftStep struct {
	Step
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// StepInput creates a draft step. Position 0 appends it.
type StepInput struct {
	Key          string
	Title        string
	Description  string
	Position     int
	Required     bool
	Scope        string // "" is ScopeOrganization
	Audience     Audience
	Completion   Completion
	Translations Translations
}

// StepPatch edits a draft step; nil fields are left alone (Translations
// replaces all of them: {} removes them).
type StepPatch struct {
	Title        *string
	Description  *string
	Position     *int
	Required     *bool
	Scope        *string
	Audience     *Audience
	Completion   *Completion
	Translations *Translations
}

// normalize fills defaults so stored steps are uniform.
func (s *Step) normalize() {
	if s.Scope == "" {
		s.Scope = ScopeOrganization // versions published before scopes existed
	}
	if s.Audience.Roles == nil {
		s.Audience.Roles = []string{}
	}
	if s.Audience.Plans == nil {
		s.Audience.Plans = []string{}
	}
	if s.Completion.Type == CompletionEvent && s.Completion.Count == 0 {
		s.Completion.Count = 1
	}
	if s.Translations == nil {
		s.Translations = Translations{} // steps published before translations existed
	}
}

// validate checks a step's fields (not its key's uniqueness).
func (s *Step) validate(v *apperr.Validator) {
	v.Check(keyPattern.MatchString(s.Key), "key", "must be 2-64 characters: a lower-case letter, then lower-case letters, digits or _")
	v.Check(s.Title != "" && len(s.Title) <= maxTitle, "title", fmt.Sprintf("must be 1 to %d characters", maxTitle))
	v.Check(len(s.Description) <= maxDescription, "description", fmt.Sprintf("must be at most %d characters", maxDescription))
	s.Translations.validate(v)
	v.Check(s.Scope == ScopeOrganization || s.Scope == ScopeMember, "scope", "must be organization or member")
	for i, r := range s.Audience.Roles {
		v.Check(slices.Contains(roles, r), fmt.Sprintf("audience.roles[%d]", i), "must be owner, admin or member")
	}
	for i, p := range s.Audience.Plans {
		v.Check(planPattern.MatchString(p), fmt.Sprintf("audience.plans[%d]", i), "must be a plan id")
	}
	c := s.Completion
	switch c.Type {
	case CompletionManual:
		v.Check(c.Event == "", "completion.event", "only event steps name an event")
		v.Check(c.Count == 0 || c.Count == 1, "completion.count", "only event steps have a count")
	case CompletionEvent:
		v.Check(c.Event != "", "completion.event", "an event step needs the event that completes it")
		v.Check(c.Event == "" || validEventName(c.Event), "completion.event", "must be an event name: a lower-case letter, then lower-case letters, digits, _ or .")
		// Activation follows from steps, not the other way round; and a step
		// showing its time would show when members' thresholds were met.
		v.Check(c.Event != serverevent.OrganizationActivated, "completion.event", "organization_activated follows from the steps: a step cannot wait for it")
		v.Check(c.Count >= 1 && c.Count <= maxEventCount, "completion.count", fmt.Sprintf("must be from 1 to %d", maxEventCount))
	default:
		v.Check(false, "completion.type", "must be manual or event")
	}
}

// DraftSteps lists the draft in order.
func (s *Service) DraftSteps(ctx context.Context) ([]DraftStep, error) {
	steps, err := s.store.draftSteps(ctx, s.db.SQL())
	if err != nil {
		return nil, fmt.Errorf("list draft steps: %w", err)
	}
	return steps, nil
}

func findStep(steps []DraftStep, key string) int {
	return slices.IndexFunc(steps, func(d DraftStep) bool { return d.Key == key })
}

// CreateStep adds a step to the draft. A key already in the draft is a 409
// step_exists.
func (s *Service) CreateStep(ctx context.Context, actor uuid.UUID, in StepInput) (DraftStep, error) {
	step := Step(in)
	step.normalize()
	var v apperr.Validator
	step.validate(&v)
	v.Check(in.Position >= 0, "position", "must be 1 or more (omit it to append the step)")
	if err := v.Err(); err != nil {
		return DraftStep{}, err
	}
	var created DraftStep
	err := s.editDraft(ctx, func(tx *database.Tx, steps []DraftStep) error {
		if findStep(steps, step.Key) >= 0 {
			return apperr.Conflict("step_exists", fmt.Sprintf("the draft already has a step %q", step.Key))
		}
		if len(steps) >= maxSteps {
			return apperr.Conflict("too_many_steps", fmt.Sprintf("the draft holds at most %d steps", maxSteps))
		}
		pos := step.Position
		if pos == 0 || pos > len(steps)+1 {
			pos = len(steps) + 1
		}
		step.Position = pos
		now := s.now()
		if err := s.store.insertStep(ctx, tx, step, now); err != nil {
			return err
		}
		created = DraftStep{Step: step, CreatedAt: now, UpdatedAt: now}
		return s.audit(ctx, tx, actor, "step.create", "step:"+step.Key, nil, step)
	})
	if err != nil {
		return DraftStep{}, wrap("create step", err)
	}
	return created, nil
}

// UpdateStep edits a draft step.
func (s *Service) UpdateStep(ctx context.Context, actor uuid.UUID, key string, p StepPatch) (DraftStep, error) {
	var updated DraftStep
	err := s.editDraft(ctx, func(tx *database.Tx, steps []DraftStep) error {
		i := findStep(steps, key)
		if i < 0 {
			return apperr.NotFound("step")
		}
		before := steps[i].Step
		step := before
		if p.Title != nil {
			step.Title = *p.Title
		}
		if p.Description != nil {
			step.Description = *p.Description
		}
		if p.Required != nil {
			step.Required = *p.Required
		}
		if p.Scope != nil {
			step.Scope = *p.Scope
		}
		if p.Audience != nil {
			step.Audience = *p.Audience
		}
		if p.Completion != nil {
			step.Completion = *p.Completion
		}
		if p.Translations != nil {
			step.Translations = *p.Translations
		}
		step.normalize()
		var v apperr.Validator
		step.validate(&v)
		if p.Position != nil {
			v.Check(*p.Position >= 1, "position", "must be 1 or more")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if p.Position != nil {
			keys := make([]string, 0, len(steps))
			for _, d := range steps {
				if d.Key != key {
					keys = append(keys, d.Key)
				}
			}
			at := min(*p.Position, len(steps)) - 1
			keys = slices.Insert(keys, at, key)
			if err := s.store.setPositions(ctx, tx, keys); err != nil {
				return err
			}
			step.Position = at + 1
		}
		now := s.now()
		if err := s.store.updateStep(ctx, tx, step, now); err != nil {
			return err
		}
		updated = DraftStep{Step: step, CreatedAt: steps[i].CreatedAt, UpdatedAt: now}
		return s.audit(ctx, tx, actor, "step.update", "step:"+key, before, step)
	})
	if err != nil {
		return DraftStep{}, wrap("update step", err)
	}
	return updated, nil
}

// DeleteStep removes a step from the draft; published versions keep it.
func (s *Service) DeleteStep(ctx context.Context, actor uuid.UUID, key string) error {
	err := s.editDraft(ctx, func(tx *database.Tx, steps []DraftStep) error {
		i := findStep(steps, key)
		if i < 0 {
			return apperr.NotFound("step")
		}
		if err := s.store.deleteStep(ctx, tx, key, steps[i].Position); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, "step.delete", "step:"+key, steps[i].Step, nil)
	})
	return wrap("delete step", err)
}

// ReorderSteps sets the whole draft order; keys must name every draft step
// exactly once.
func (s *Service) ReorderSteps(ctx context.Context, actor uuid.UUID, keys []string) ([]DraftStep, error) {
	var out []DraftStep
	err := s.editDraft(ctx, func(tx *database.Tx, steps []DraftStep) error {
		var v apperr.Validator
		seen := map[string]bool{}
		for i, k := range keys {
			v.Check(findStep(steps, k) >= 0, "keys["+strconv.Itoa(i)+"]", fmt.Sprintf("%q is not a draft step", k))
			v.Check(!seen[k], "keys["+strconv.Itoa(i)+"]", fmt.Sprintf("%q is listed twice", k))
			seen[k] = true
		}
		for _, d := range steps {
			v.Check(seen[d.Key], "keys", fmt.Sprintf("draft step %q is missing: list every draft step", d.Key))
		}
		if err := v.Err(); err != nil {
			return err
		}
		before := make([]string, len(steps))
		for i, d := range steps {
			before[i] = d.Key
		}
		if err := s.store.setPositions(ctx, tx, keys); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, actor, "steps.reorder", "steps", before, keys); err != nil {
			return err
		}
		var err error
		out, err = s.store.draftSteps(ctx, tx.SQL())
		return err
	})
	if err != nil {
		return nil, wrap("reorder steps", err)
	}
	return out, nil
}

// editDraft runs fn in a transaction that holds the admin lock, with the
// draft as it stands.
func (s *Service) editDraft(ctx context.Context, fn func(tx *database.Tx, steps []DraftStep) error) error {
	return s.db.InTx(ctx, func(tx *database.Tx) error {
		if err := s.store.adminLock(ctx, tx); err != nil {
			return err
		}
		steps, err := s.store.draftSteps(ctx, tx.SQL())
		if err != nil {
			return err
		}
		return fn(tx, steps)
	})
}
