package onboarding

import (
	"testing"
	"time"
)

func TestActivated(t *testing.T) {
	def := Definition{RequiredSteps: []string{"invite", "pay"}, WindowDays: 2}
	deadline := t0.AddDate(0, 0, 2)
	done := func(at time.Time) *stepProgress { return &stepProgress{CompletedAt: &at} }
	for _, tc := range []struct {
		name     string
		def      Definition
		progress map[string]*stepProgress
		want     time.Time // zero: not activated
	}{
		{"no required steps", Definition{WindowDays: 30}, map[string]*stepProgress{"invite": done(at(1))}, time.Time{}},
		{"all done: at the last one", def, map[string]*stepProgress{"invite": done(at(5)), "pay": done(at(2))}, at(5)},
		{"one missing", def, map[string]*stepProgress{"invite": done(at(1))}, time.Time{}},
		{"one pending", def, map[string]*stepProgress{"invite": done(at(1)), "pay": {Count: 3}}, time.Time{}},
		{"one at the deadline", def, map[string]*stepProgress{"invite": done(at(1)), "pay": done(deadline)}, time.Time{}},
		{"just before the deadline", def, map[string]*stepProgress{"invite": done(at(1)), "pay": done(deadline.Add(-time.Microsecond))}, deadline.Add(-time.Microsecond)},
		{"done before signup: at signup", def, map[string]*stepProgress{"invite": done(at(-5)), "pay": done(at(-3))}, t0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := activated(tc.def, stateWith(tc.progress), nil)
			if ok != !tc.want.IsZero() || !got.Equal(tc.want) {
				t.Fatalf("activated = %v %v, want %v", got, ok, tc.want)
			}
		})
	}
}

func TestMembersNeededRoundsUpToWholePeople(t *testing.T) {
	for _, tc := range []struct {
		share float64
		base  int
		want  int
	}{
		{0.3, 10, 3}, {0.3, 6, 2}, {0.2, 5, 1}, {0.25, 4, 1}, {0.26, 4, 2},
		{1, 3, 3}, {0.34, 3, 2}, {0.1, 3, 1}, {0.7, 10, 7}, {0.5, 0, 1},
	} {
		if got := membersNeeded(tc.share, tc.base); got != tc.want {
			t.Errorf("membersNeeded(%v, %d) = %d, want %d", tc.share, tc.base, got, tc.want)
		}
	}
}

func TestActivatedNeedsEveryMemberThresholdWithinTheWindow(t *testing.T) {
	def := Definition{RequiredSteps: []string{"pay"}, WindowDays: 10, MemberSteps: []MemberStep{{Key: "booked", MinShare: 0.5}}}
	completedAt := at(2)
	st := stateWith(map[string]*stepProgress{"pay": {CompletedAt: &completedAt}})
	if _, ok := activated(def, st, nil); ok {
		t.Fatal("activated before the threshold was reached")
	}
	if got, ok := activated(def, st, map[string]time.Time{"booked": at(6)}); !ok || !got.Equal(at(6)) {
		t.Fatalf("activated %v %v, want at the threshold", got, ok)
	}
	if _, ok := activated(def, st, map[string]time.Time{"booked": t0.AddDate(0, 0, 10)}); ok {
		t.Fatal("a threshold reached when the window closed activated")
	}
	onlyMembers := Definition{WindowDays: 10, MemberSteps: def.MemberSteps}
	if got, ok := activated(onlyMembers, stateWith(nil), map[string]time.Time{"booked": at(1)}); !ok || !got.Equal(at(1)) {
		t.Fatalf("thresholds alone: %v %v", got, ok)
	}
}
