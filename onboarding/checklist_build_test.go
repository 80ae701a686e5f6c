package onboarding

import (
	"testing"

	"github.com/google/uuid"
)

func TestBuildChecklist(t *testing.T) {
	user := uuid.New()
	v := version(3,
		Step{Key: "guide", Required: true, Completion: Completion{Type: CompletionManual}},
		Step{Key: "sessions", Required: true, Completion: eventRule("session_booked", 3)},
		Step{Key: "video", Completion: Completion{Type: CompletionManual}},
		Step{Key: "skipped_required", Required: true, Completion: Completion{Type: CompletionManual}},
		Step{Key: "managers", Audience: Audience{Roles: []string{"owner", "admin"}}, Completion: Completion{Type: CompletionManual}},
		Step{Key: "enterprise", Audience: Audience{Plans: []string{"enterprise"}}, Completion: Completion{Type: CompletionManual}},
	)
	st := stateWith(map[string]*stepProgress{
		"guide":            {Count: 7, CompletedAt: ptr(at(1)), CompletedBy: &user, How: doneManually},
		"sessions":         {Count: 2},
		"video":            {SkippedAt: ptr(at(2))},
		"skipped_required": {SkippedAt: ptr(at(2)), Count: 4},
	})
	st.activatedAt = ptr(at(3))

	c := buildChecklist(st, nil, v, Caller{Role: "member"}, "")
	want := []struct {
		key, status   string
		count, target int64
	}{
		{"guide", StatusCompleted, 1, 1},
		{"sessions", StatusPending, 2, 3},
		{"video", StatusSkipped, 0, 1},
		{"skipped_required", StatusPending, 0, 1}, // a required step cannot be skipped
	}
	if len(c.Steps) != len(want) {
		t.Fatalf("a member on no plan sees %d steps: %+v", len(c.Steps), c.Steps)
	}
	for i, w := range want {
		s := c.Steps[i]
		if s.Key != w.key || s.Status != w.status || s.Progress.Count != w.count || s.Progress.Target != w.target {
			t.Errorf("step %d = %s %s %d/%d, want %+v", i, s.Key, s.Status, s.Progress.Count, s.Progress.Target, w)
		}
	}
	if c.Version != 3 || c.Completed != 1 || c.Total != 3 || c.Percent != 33 || !c.ActivatedAt.Equal(at(3)) || c.Dismissed {
		t.Fatalf("checklist %+v", c)
	}
	if c := buildChecklist(st, nil, v, Caller{Role: "owner"}, "enterprise"); len(c.Steps) != 6 || c.Total != 5 || c.Percent != 20 {
		t.Fatalf("an owner on enterprise sees %d steps, total %d, %d%%", len(c.Steps), c.Total, c.Percent)
	}
	// The support view ignores roles (""), not plans.
	if c := buildChecklist(st, nil, v, Caller{}, ""); len(c.Steps) != 5 {
		t.Fatalf("role \"\" sees %d steps", len(c.Steps))
	}
}

func TestBuildChecklistBeforeAnyVersion(t *testing.T) {
	c := buildChecklist(stateWith(nil), nil, emptyVersion, Caller{Role: "owner"}, "")
	if c.Version != 0 || c.Steps == nil || len(c.Steps) != 0 || c.Total != 0 || c.Percent != 0 || c.ActivatedAt != nil {
		t.Fatalf("empty checklist %+v", c)
	}
}
