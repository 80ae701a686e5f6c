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
