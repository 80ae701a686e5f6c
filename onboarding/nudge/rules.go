package nudge

import (
	"regexp"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
)

// Rule says when a reminder would be useful, to whom, how often, and what
// it says. Whether it may go is the guardrails' call.
type Rule struct {
	id             uuid.UUID
	Key            string    `json:"key"`
	Trigger        Trigger   `json:"trigger"`
	Audience       Audience  `json:"audience"`
	MaxSends       int       `json:"max_sends"`
	EveryDays      int       `json:"every_days"`
	HoldoutPercent int       `json:"holdout_percent"`
	Enabled        bool      `json:"enabled"`
	Templates      Templates `json:"templates"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Trigger is when a rule would remind someone.
type Trigger struct {
	Type string `json:"type"`
	// Step is the member step (member_step_pending) or organization step
	// (organization_step_pending) whose completion is the goal.
	Step      string `json:"step,omitempty"`
	AfterDays int    `json:"after_days"`
}

// Audience narrows who a rule reminds by role; empty: everyone its
// trigger names.
type Audience struct {
	Roles []string `json:"roles"`
}

// Templates are a rule's texts by language: en always, fr optional (a
// French reader gets en when a rule has no fr).
type Templates map[string]Template

// Template is one language's email, as Go text/template sources.
type Template struct {
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// RuleInput creates a rule; nil fields take their defaults.
type RuleInput struct {
	Key            string
	Trigger        *Trigger
	Audience       *Audience
	MaxSends       *int
	EveryDays      *int
	HoldoutPercent *int
	Enabled        *bool
	Templates      Templates
}

// RulePatch changes a rule; nil fields stay. An object given (trigger,
// audience, templates) replaces the rule's.
type RulePatch struct {
	Trigger        *Trigger
	Audience       *Audience
	MaxSends       *int
	EveryDays      *int
	HoldoutPercent *int
	Enabled        *bool
	Templates      Templates
}

// The bounds of a rule, from the contract.
const (
	defaultMaxSends  = 2
	defaultEveryDays = 4
	maxAfterDays     = 90
	maxEveryDays     = 90
	maxHoldout       = 50
	// An invitation expires 7 days after it is sent: a reminder after
	// that would link to a dead invitation.
	invitationLifetimeDays = 7
)

var (
	keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,63}$`)
	triggers   = []string{InvitationPending, MemberStepPending, OrganizationStepPending, TrialEnding}
	roles      = []string{"owner", "admin", "member"}
)

// newRule builds a rule from in with the defaults; validate checks it.
func newRule(in RuleInput) Rule {
	r := Rule{Key: in.Key, MaxSends: defaultMaxSends, EveryDays: defaultEveryDays, Templates: in.Templates}
	if in.Trigger != nil {
		r.Trigger = *in.Trigger
	}
	r.apply(RulePatch{Audience: in.Audience, MaxSends: in.MaxSends, EveryDays: in.EveryDays,
		HoldoutPercent: in.HoldoutPercent, Enabled: in.Enabled})
	return r
}

// apply sets the fields p gives.
func (r *Rule) apply(p RulePatch) {
	if p.Trigger != nil {
		r.Trigger = *p.Trigger
	}
	if p.Audience != nil {
		r.Audience = *p.Audience
	}
	if p.MaxSends != nil {
		r.MaxSends = *p.MaxSends
	}
	if p.EveryDays != nil {
		r.EveryDays = *p.EveryDays
	}
	if p.HoldoutPercent != nil {
		r.HoldoutPercent = *p.HoldoutPercent
	}
	if p.Enabled != nil {
		r.Enabled = *p.Enabled
	}
	if p.Templates != nil {
		r.Templates = p.Templates
	}
	if r.Audience.Roles == nil {
		r.Audience.Roles = []string{}
	}
}

// validate checks a whole rule, reporting every problem at once. stepScope
// tells the scope of a draft step key ("" when there is none).
func (r Rule) validate(v *apperr.Validator, stepScope func(key string) string) {
	v.Check(keyPattern.MatchString(r.Key), "key", "must be 2-64 lowercase letters, digits or _, starting with a letter")
	t := r.Trigger
	v.Check(slices.Contains(triggers, t.Type), "trigger.type", "must be one of invitation_pending, member_step_pending, organization_step_pending, trial_ending")
	v.Check(t.AfterDays >= 0 && t.AfterDays <= maxAfterDays, "trigger.after_days", "must be between 0 and 90")
	switch t.Type {
	case MemberStepPending, OrganizationStepPending:
		want := map[string]string{MemberStepPending: "member", OrganizationStepPending: "organization"}[t.Type]
		v.Check(t.Step != "", "trigger.step", "is required for "+t.Type)
		if t.Step != "" {
			v.Check(stepScope(t.Step) == want, "trigger.step", "must be the key of a "+want+" step of the checklist")
		}
	default:
		v.Check(t.Step == "", "trigger.step", "is only for member_step_pending and organization_step_pending")
	}
	if t.Type == TrialEnding {
		v.Check(t.AfterDays >= 1, "trigger.after_days", "must be at least 1 for trial_ending: the days before the trial ends")
	}
	if t.Type == InvitationPending {
		v.Check(t.AfterDays < invitationLifetimeDays, "trigger.after_days", "must be under 7 for invitation_pending: invitations expire after 7 days")
	}
	for _, role := range r.Audience.Roles {
		v.Check(slices.Contains(roles, role), "audience.roles", "must list owner, admin or member")
	}
	if t.Type == OrganizationStepPending || t.Type == TrialEnding {
		for _, role := range r.Audience.Roles {
			v.Check(role != "member", "audience.roles", t.Type+" reminds owners and admins only")
		}
	}
	v.Check(r.MaxSends >= 1 && r.MaxSends <= 3, "max_sends", "must be between 1 and 3")
	v.Check(r.EveryDays >= 2 && r.EveryDays <= maxEveryDays, "every_days", "must be between 2 and 90")
	v.Check(r.HoldoutPercent >= 0 && r.HoldoutPercent <= maxHoldout, "holdout_percent", "must be between 0 and 50")
	r.Templates.validate(v)
}
