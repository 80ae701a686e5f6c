package onboarding

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/serverevent"
)

// The pure side of progress: how events, ticks, skips and version upgrades
// change an organization's state in memory. Nothing here reads or writes
// the database; the Service loads the state, calls these, and saves it.

// How a step got completed.
const (
	doneManually = "manual"
	doneByEvents = "event"
)

// stepProgress is one organization's progress on one step key. It survives
// version changes: a key that stays in the next version with the same
// completion rule keeps it.
type stepProgress struct {
	Count       int64      `json:"count"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	CompletedBy *uuid.UUID `json:"completed_by,omitempty"`
	How         string     `json:"how,omitempty"`
	SkippedAt   *time.Time `json:"skipped_at,omitempty"`
	SkippedBy   *uuid.UUID `json:"skipped_by,omitempty"`
}

// progressMap is progress by step key: an organization's on its
// organization steps, or one member's on their member steps.
type progressMap map[string]*stepProgress

// step returns the progress on key, adding an empty one if there is none.
func (pm progressMap) step(key string) *stepProgress {
	p, ok := pm[key]
	if !ok {
		p = &stepProgress{}
		pm[key] = p
	}
	return p
}

// orgState is an organization's onboarding row: the version it is on, its
// progress on organization steps by key, its milestones and the counters
// its members' own progress adds up to.
type orgState struct {
	orgID             uuid.UUID
	signedUpAt        time.Time
	version           int
	progress          progressMap
	checkoutStartedAt *time.Time
	trialStartedAt    *time.Time
	paidAt            *time.Time
	activatedAt       *time.Time
	// activatedByMembers: member thresholds were part of the activation,
	// so its time is never shown for this organization alone.
	activatedByMembers bool

	// memberCompletions counts, per member step key, the current members
	// who completed it; membersStarted those with any member step done.
	memberCompletions map[string]int
	membersJoined     int
	membersStarted    int
	membersInvited    int
	// seats is the live subscription's quantity (0: none); planID its plan.
	seats  int
	planID *string

	// prefetched are member rows read with this row, after its lock, by
	// user: a batch's sender's (nil: not a member). Users absent from it
	// were not read.
	prefetched map[uuid.UUID]*memberState
}

// shareBase is what member thresholds are shares of: the seats paid for,
// or the members who joined while there is no subscription.
func (st *orgState) shareBase() int {
	if st.seats > 0 {
		return st.seats
	}
	return st.membersJoined
}

// eventCount is an organization's counter of one event name.
type eventCount struct {
	count           int64
	firstAt, lastAt time.Time
}

// eventNames lists the events that complete the event steps among steps.
func eventNames(steps []Step) []string {
	var names []string
	for _, step := range steps {
		if step.Completion.Type == CompletionEvent && !slices.Contains(names, step.Completion.Event) {
			names = append(names, step.Completion.Event)
		}
	}
	return names
}

// sameRule reports whether two steps complete the same way: the same
// scope (whose progress it is) and completion rule (a manual step's count
// is not part of its rule).
func sameRule(a, b Step) bool {
	return a.Scope == b.Scope && a.Completion.Type == b.Completion.Type &&
		a.Completion.Event == b.Completion.Event && a.Completion.Target() == b.Completion.Target()
}

// changedSteps lists the steps of to with scope whose progress starts over
// on moving from from: new keys, and keys whose rule changed.
func changedSteps(from, to *Version, scope string) []Step {
	var out []Step
	for _, step := range to.Steps {
		if step.Scope != scope {
			continue
		}
		if old, ok := from.step(step.Key); !ok || !sameRule(old, step) {
			out = append(out, step)
		}
	}
	return out
}

// upgradeProgress moves progress pm (an organization's, or one member's)
// from version from (the one it was kept under) to version to, for the
// steps of to with scope; counts are the counters of the events of its
// changed steps (eventNames of changedSteps), the same owner's (the
// organization's, or the member's own).
//
// A step whose rule is the same in from keeps its progress as it is: a
// completion is never undone while the rule that gave it stands (the
// contract keeps progress on keys that still exist). A step whose rule or
// scope changed, or whose key from did not have (new, or back after a
// version without it), starts over under its rule: the count and
// completion it holds measured something else, so they go. An event step
// then counts every event of its name its owner has recorded, those
// recorded before the step existed included. Skips stay: setting an
// optional step aside is not about how it completes. Progress on keys to
// does not have is left alone, unshown.
func upgradeProgress(pm progressMap, from, to *Version, scope string, counts map[string]eventCount) {
	for _, step := range changedSteps(from, to, scope) {
		if p, ok := pm[step.Key]; ok {
			p.Count, p.CompletedAt, p.CompletedBy, p.How = 0, nil, nil, ""
		}
		if step.Completion.Type != CompletionEvent {
			continue
		}
		c, ok := counts[step.Completion.Event]
		if !ok {
			continue
		}
		p := pm.step(step.Key)
		p.Count = c.count
		target := int64(step.Completion.Target())
		if c.count < target {
			continue
		}
		// The counters keep the first and last event times, not every
		// one: a one-event step completed at the first event; an N-event
		// step by the last event counted so far (the Nth event's time is
		// at or before it).
		at := c.lastAt
		if target == 1 {
			at = c.firstAt
		}
		p.CompletedAt, p.How, p.SkippedAt, p.SkippedBy = &at, doneByEvents, nil, nil
	}
}

// applyEventsToProgress counts newly recorded events (their times by name)
// towards the organization steps of v and the milestones; totals are the
// organization's counters of those names after them.
func applyEventsToProgress(st *orgState, v *Version, inserted map[string][]time.Time, totals map[string]int64) {
	for name, times := range inserted {
		slices.SortFunc(times, time.Time.Compare)
		switch name {
		case serverevent.CheckoutStarted:
			st.checkoutStartedAt = earliest(st.checkoutStartedAt, times[0])
		case serverevent.TrialStarted:
			st.trialStartedAt = earliest(st.trialStartedAt, times[0])
		case serverevent.InvoicePaid:
			st.paidAt = earliest(st.paidAt, times[0])
		case serverevent.MemberInvited:
			st.membersInvited += len(times)
		}
		for _, step := range v.Steps {
			if !step.member() && step.Completion.Type == CompletionEvent && step.Completion.Event == name {
				countTowards(st.progress.step(step.Key), int64(step.Completion.Target()), totals[name], times)
			}
		}
	}
}

// countTowards updates an event step's progress with new events (times,
// sorted) that brought the organization's total for the name to total. The
// step completes at the event that reached its target; for a one-event step
// a late event from earlier moves completed_at back (LEAST).
func countTowards(p *stepProgress, target, total int64, times []time.Time) {
	p.Count = total
	if p.CompletedAt != nil {
		if target == 1 && p.How == doneByEvents {
			p.CompletedAt = earliest(p.CompletedAt, times[0])
		}
		return
	}
	if total < target {
		return
	}
	before := total - int64(len(times))
	at := times[0]
	if idx := target - before - 1; idx > 0 && idx < int64(len(times)) {
		at = times[idx]
	}
	p.CompletedAt, p.How, p.CompletedBy, p.SkippedAt, p.SkippedBy = &at, doneByEvents, nil, nil, nil
}

// completeManually ticks a manual step off, by a person at a time. Event
// steps complete only through their events (409 event_step). Completing a
// completed step changes nothing.
func completeManually(pm progressMap, step Step, by uuid.UUID, at time.Time) error {
	if step.Completion.Type == CompletionEvent {
		return apperr.Conflict("event_step", fmt.Sprintf("step %q completes by itself after %d %q event(s)", step.Key, step.Completion.Target(), step.Completion.Event))
	}
	p := pm.step(step.Key)
	if p.CompletedAt != nil {
		return nil
	}
	p.Count, p.CompletedAt, p.CompletedBy, p.How, p.SkippedAt, p.SkippedBy = 1, &at, &by, doneManually, nil, nil
	return nil
}

// skipStep sets an optional step aside. Required steps cannot be skipped
// (409 step_required), nor completed ones (409 step_completed). Skipping a
// skipped step changes nothing.
func skipStep(pm progressMap, step Step, by uuid.UUID, at time.Time) error {
	if step.Required {
		return apperr.Conflict("step_required", fmt.Sprintf("step %q is required and cannot be skipped", step.Key))
	}
	p := pm.step(step.Key)
	if p.CompletedAt != nil {
		return apperr.Conflict("step_completed", fmt.Sprintf("step %q is already completed", step.Key))
	}
	if p.SkippedAt != nil {
		return nil
	}
	p.SkippedAt, p.SkippedBy = &at, &by
	return nil
}

// completedKeys lists, sorted, the keys with a completion (for metrics).
func completedKeys(progress progressMap) []string {
	keys := []string{}
	for key, p := range progress {
		if p.CompletedAt != nil {
			keys = append(keys, key)
		}
	}
	slices.Sort(keys)
	return keys
}

// earliest is LEAST(existing, t).
func earliest(existing *time.Time, t time.Time) *time.Time {
	if existing != nil && !t.Before(*existing) {
		return existing
	}
	return &t
}
