package onboarding

import (
	"slices"
	"time"

	"github.com/google/uuid"
)

// The pure side of members' own progress. A member step's progress is one
// member's alone: only their events and their ticks move it, and only they
// see it. The organization keeps counters of it (how many current members
// completed each member step), which owners, admins and staff read as
// counts above the group-size floor, and which member thresholds of the
// activation definition read.

// memberState is one member's onboarding row.
type memberState struct {
	userID      uuid.UUID
	joinedAt    time.Time
	current     bool // still a member (left_at IS NULL)
	progress    progressMap
	firstStepAt *time.Time // the first member step they completed
	lastActive  *time.Time // their latest event
}

// memberEvents is what one batch holds of one member's events: their
// times by name, and the member's counters of those names after it.
type memberEvents struct {
	times  map[string][]time.Time
	totals map[string]int64
	// activity: the events are the member's use of the service (not what
	// the backend recorded about them), so they make the member active.
	activity bool
}

// countMemberEvents counts a member's newly recorded events towards the
// member steps of v and moves the organization's counters when the member
// newly completes one.
func countMemberEvents(st *orgState, m *memberState, v *Version, ev memberEvents) {
	for name, times := range ev.times {
		slices.SortFunc(times, time.Time.Compare)
		if ev.activity && (m.lastActive == nil || times[len(times)-1].After(*m.lastActive)) {
			last := times[len(times)-1]
			m.lastActive = &last
		}
		for _, step := range v.Steps {
			if !step.member() || step.Completion.Type != CompletionEvent || step.Completion.Event != name {
				continue
			}
			p := m.progress.step(step.Key)
			wasDone := p.CompletedAt != nil
			countTowards(p, int64(step.Completion.Target()), ev.totals[name], times)
			if !wasDone && p.CompletedAt != nil {
				memberCompleted(st, m, step.Key)
			} else if p.CompletedAt != nil {
				m.firstStepAt = earliest(m.firstStepAt, *p.CompletedAt)
			}
		}
	}
}

// memberCompleted records that m just completed the member step key: the
// organization's counters move when m is a current member.
func memberCompleted(st *orgState, m *memberState, key string) {
	at := *m.progress[key].CompletedAt
	started := m.firstStepAt != nil
	m.firstStepAt = earliest(m.firstStepAt, at)
	if !m.current {
		return
	}
	if st.memberCompletions == nil {
		st.memberCompletions = map[string]int{}
	}
	st.memberCompletions[key]++
	if !started {
		st.membersStarted++
	}
}

// memberStarted sets firstStepAt from m's completions (after an upgrade
// recomputed them), never later than it was.
func memberStarted(m *memberState) {
	for _, p := range m.progress {
		if p.CompletedAt != nil {
			m.firstStepAt = earliest(m.firstStepAt, *p.CompletedAt)
		}
	}
}
