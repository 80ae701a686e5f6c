package onboarding

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/serverevent"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func at(hours int) time.Time { return t0.Add(time.Duration(hours) * time.Hour) }

func ptr[T any](v T) *T { return &v }

func eventRule(event string, count int) Completion {
	return Completion{Type: CompletionEvent, Event: event, Count: count}
}

func version(n int, steps ...Step) *Version { return &Version{Version: n, Steps: steps} }

func stepWith(key string, c Completion) Step {
	return Step{Key: key, Title: key, Scope: ScopeOrganization, Completion: c}
}

func stateWith(progress map[string]*stepProgress) *orgState {
	if progress == nil {
		progress = map[string]*stepProgress{}
	}
	return &orgState{orgID: uuid.New(), signedUpAt: t0, version: 1, progress: progress}
}

func TestUpgradeProgressStartsOverAStepWhoseRuleChanged(t *testing.T) {
	user := uuid.New()
	from := version(1,
		stepWith("x", eventRule("a", 3)),
		stepWith("y", eventRule("a", 1)),
		stepWith("manual_to_event", Completion{Type: CompletionManual}),
		stepWith("event_to_manual", eventRule("a", 1)),
		stepWith("lower_target", eventRule("a", 3)),
	)
	to := version(2,
		stepWith("x", eventRule("b", 3)),
		stepWith("y", eventRule("never_sent", 1)),
		stepWith("manual_to_event", eventRule("c", 1)),
		stepWith("event_to_manual", Completion{Type: CompletionManual}),
		stepWith("lower_target", eventRule("a", 2)),
	)
	st := stateWith(map[string]*stepProgress{
		"x":               {Count: 2},
		"y":               {Count: 2, CompletedAt: ptr(at(1)), How: doneByEvents},
		"manual_to_event": {Count: 1, CompletedAt: ptr(at(2)), CompletedBy: &user, How: doneManually},
		"event_to_manual": {Count: 2, CompletedAt: ptr(at(1)), How: doneByEvents, SkippedAt: nil},
		"lower_target":    {Count: 2},
	})
	counts := map[string]eventCount{
		"a": {count: 2, firstAt: at(1), lastAt: at(3)},
		"c": {count: 4, firstAt: at(5), lastAt: at(8)},
	}
	upgradeProgress(st.progress, from, to, ScopeOrganization, counts)

	if p := st.progress["x"]; p.Count != 0 || p.CompletedAt != nil {
		t.Errorf("x kept the old event's count: %+v", p)
	}
	if p := st.progress["y"]; p.Count != 0 || p.CompletedAt != nil || p.How != "" {
		t.Errorf("y kept the old event's completion: %+v", p)
	}
	if p := st.progress["manual_to_event"]; p.Count != 4 || p.CompletedAt == nil || !p.CompletedAt.Equal(at(5)) || p.CompletedBy != nil || p.How != doneByEvents {
		t.Errorf("manual_to_event is not completed by its first c event: %+v", p)
	}
	if p := st.progress["event_to_manual"]; p.Count != 0 || p.CompletedAt != nil {
		t.Errorf("event_to_manual kept an event completion: %+v", p)
	}
	if p := st.progress["lower_target"]; p.Count != 2 || p.CompletedAt == nil || !p.CompletedAt.Equal(at(3)) {
		t.Errorf("lower_target is not completed by the last counted event: %+v", p)
	}
}

func TestUpgradeProgressCountsTheNewEventsEarlierOccurrences(t *testing.T) {
	from := version(1, stepWith("x", eventRule("a", 3)))
	to := version(2, stepWith("x", eventRule("b", 3)), stepWith("new_one", eventRule("b", 1)))
	st := stateWith(map[string]*stepProgress{"x": {Count: 2}})
	upgradeProgress(st.progress, from, to, ScopeOrganization, map[string]eventCount{"b": {count: 1, firstAt: at(4), lastAt: at(4)}})
	if p := st.progress["x"]; p.Count != 1 || p.CompletedAt != nil {
		t.Errorf("x: %+v, want 1 pending", p)
	}
	if p := st.progress["new_one"]; p.Count != 1 || p.CompletedAt == nil || !p.CompletedAt.Equal(at(4)) {
		t.Errorf("new_one: %+v, want completed at the first b", p)
	}
}

func TestUpgradeProgressKeepsProgressUnderTheSameRule(t *testing.T) {
	user := uuid.New()
	from := version(1,
		stepWith("guide", Completion{Type: CompletionManual}),
		stepWith("sessions", eventRule("session_booked", 2)),
		stepWith("optional", eventRule("a", 1)),
	)
	to := version(2,
		stepWith("guide", Completion{Type: CompletionManual, Count: 1}), // a manual step's count is not its rule
		stepWith("sessions", eventRule("session_booked", 2)),
		stepWith("optional", eventRule("b", 1)),
	)
	guide := &stepProgress{Count: 1, CompletedAt: ptr(at(2)), CompletedBy: &user, How: doneManually}
	sessions := &stepProgress{Count: 3, CompletedAt: ptr(at(6)), How: doneByEvents}
	st := stateWith(map[string]*stepProgress{
		"guide": guide, "sessions": sessions,
		"optional": {SkippedAt: ptr(at(1)), SkippedBy: &user},
		"removed":  {Count: 1, CompletedAt: ptr(at(1)), How: doneManually},
	})
	upgradeProgress(st.progress, from, to, ScopeOrganization, map[string]eventCount{"session_booked": {count: 3, firstAt: at(1), lastAt: at(9)}})
	if *st.progress["guide"] != *guide || *st.progress["sessions"] != *sessions {
		t.Errorf("progress under an unchanged rule moved: guide %+v sessions %+v", st.progress["guide"], st.progress["sessions"])
	}
	if p := st.progress["optional"]; p.SkippedAt == nil || !p.SkippedAt.Equal(at(1)) {
		t.Errorf("a skip was lost with the rule change: %+v", p)
	}
	if p := st.progress["removed"]; p.CompletedAt == nil {
		t.Errorf("progress of a removed key was touched: %+v", p)
	}
}

func TestUpgradeProgressStartsOverAKeyBackAfterAVersionWithoutIt(t *testing.T) {
	from := version(2, stepWith("other", Completion{Type: CompletionManual}))
	to := version(3, stepWith("back", Completion{Type: CompletionManual}))
	st := stateWith(map[string]*stepProgress{"back": {Count: 1, CompletedAt: ptr(at(1)), How: doneManually}})
	upgradeProgress(st.progress, from, to, ScopeOrganization, nil)
	if p := st.progress["back"]; p.CompletedAt != nil {
		t.Errorf("a key back from an older version kept its completion: %+v", p)
	}
}

func TestApplyEventsToProgress(t *testing.T) {
	v := version(1,
		stepWith("three", eventRule("session_booked", 3)),
		stepWith("first", eventRule("session_booked", 1)),
		stepWith("other", eventRule("guide_opened", 1)),
	)
	st := stateWith(map[string]*stepProgress{"first": {SkippedAt: ptr(at(0))}})

	applyEventsToProgress(st, v, map[string][]time.Time{"session_booked": {at(5), at(4)}}, map[string]int64{"session_booked": 2})
	if p := st.progress["three"]; p.Count != 2 || p.CompletedAt != nil {
		t.Fatalf("three after 2: %+v", p)
	}
	if p := st.progress["first"]; !p.CompletedAt.Equal(at(4)) || p.SkippedAt != nil || p.How != doneByEvents {
		t.Fatalf("first after 2: %+v", p)
	}
	if _, ok := st.progress["other"]; ok {
		t.Fatal("a step of another event got progress")
	}

	// The third to fifth arrive together: the third (in time) completes it.
	applyEventsToProgress(st, v, map[string][]time.Time{"session_booked": {at(9), at(7), at(8)}}, map[string]int64{"session_booked": 5})
	if p := st.progress["three"]; p.Count != 5 || !p.CompletedAt.Equal(at(7)) {
		t.Fatalf("three after 5: %+v, want completed at the third event", p)
	}
	// A late event from earlier moves the one-event step back, not the other.
	applyEventsToProgress(st, v, map[string][]time.Time{"session_booked": {at(1)}}, map[string]int64{"session_booked": 6})
	if p := st.progress["first"]; !p.CompletedAt.Equal(at(1)) {
		t.Fatalf("first after a late event: %+v", p)
	}
	if p := st.progress["three"]; p.Count != 6 || !p.CompletedAt.Equal(at(7)) {
		t.Fatalf("three after a late event: %+v", p)
	}

	// Milestones take the earliest time.
	applyEventsToProgress(st, v, map[string][]time.Time{serverevent.CheckoutStarted: {at(8)}, serverevent.InvoicePaid: {at(9)}}, nil)
	applyEventsToProgress(st, v, map[string][]time.Time{serverevent.CheckoutStarted: {at(6), at(10)}, serverevent.InvoicePaid: {at(12)}}, nil)
	if !st.checkoutStartedAt.Equal(at(6)) || !st.paidAt.Equal(at(9)) {
		t.Fatalf("milestones checkout %v paid %v", st.checkoutStartedAt, st.paidAt)
	}
}

func TestCompleteManuallyAndSkip(t *testing.T) {
	user, other := uuid.New(), uuid.New()
	guide := stepWith("guide", Completion{Type: CompletionManual})
	optional := stepWith("optional", Completion{Type: CompletionManual})
	required := Step{Key: "required", Required: true, Completion: Completion{Type: CompletionManual}}
	sessions := stepWith("sessions", eventRule("session_booked", 2))
	st := stateWith(nil)

	if err := completeManually(st.progress, sessions, user, at(1)); !apperr.HasReason(err, "event_step") {
		t.Fatalf("completing an event step: %v", err)
	}
	if err := completeManually(st.progress, guide, user, at(1)); err != nil {
		t.Fatal(err)
	}
	if err := completeManually(st.progress, guide, other, at(2)); err != nil {
		t.Fatal(err)
	}
	if p := st.progress["guide"]; p.Count != 1 || !p.CompletedAt.Equal(at(1)) || *p.CompletedBy != user || p.How != doneManually {
		t.Fatalf("guide completed twice: %+v", p)
	}

	if err := skipStep(st.progress, required, user, at(3)); !apperr.HasReason(err, "step_required") {
		t.Fatalf("skipping a required step: %v", err)
	}
	if err := skipStep(st.progress, guide, user, at(3)); !apperr.HasReason(err, "step_completed") {
		t.Fatalf("skipping a completed step: %v", err)
	}
	if err := skipStep(st.progress, optional, user, at(3)); err != nil {
		t.Fatal(err)
	}
	if err := skipStep(st.progress, optional, other, at(4)); err != nil {
		t.Fatal(err)
	}
	if p := st.progress["optional"]; !p.SkippedAt.Equal(at(3)) || *p.SkippedBy != user {
		t.Fatalf("optional skipped twice: %+v", p)
	}
	// Completing a skipped step completes it.
	if err := completeManually(st.progress, optional, user, at(5)); err != nil {
		t.Fatal(err)
	}
	if p := st.progress["optional"]; p.CompletedAt == nil || p.SkippedAt != nil {
		t.Fatalf("optional completed after a skip: %+v", p)
	}
	if got := completedKeys(st.progress); len(got) != 2 || got[0] != "guide" || got[1] != "optional" {
		t.Fatalf("completed keys %v", got)
	}
}
