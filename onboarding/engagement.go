package onboarding

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// activeWindow is how far back "active members" look.
const activeWindow = 28 * 24 * time.Hour

// Engagement is how a company's members take to the service, as its owners
// and admins may see it: counts over groups of at least MinGroupSize
// people, never a count whose complement (members_joined minus it) is
// smaller, so that no one's use of the service can be told, not even by
// subtracting two numbers.
type Engagement struct {
	// Seats is the live subscription's quantity; null without one.
	Seats         *int `json:"seats"`
	MembersJoined int  `json:"members_joined"`
	// InvitationsPending is filled in by the caller (accounts owns
	// invitations).
	InvitationsPending int `json:"invitations_pending"`
	MinGroupSize       int `json:"min_group_size"`
	// ActiveMembers28d counts members with an event of theirs in the last
	// 28 days; null when suppressed.
	ActiveMembers28d           *int             `json:"active_members_28d"`
	ActiveMembers28dSuppressed bool             `json:"active_members_28d_suppressed"`
	Steps                      []EngagementStep `json:"steps"`
}

// EngagementStep is how many current members completed a member step.
type EngagementStep struct {
	Key              string `json:"key"`
	Title            string `json:"title"`
	MembersCompleted *int   `json:"members_completed"`
	Suppressed       bool   `json:"suppressed"`
}

// Engagement reads the organization's engagement from its counters (one
// row, and an index range of its members for the active ones), for the
// member steps of the latest version.
func (s *Service) Engagement(ctx context.Context, orgID uuid.UUID) (Engagement, error) {
	cur, err := s.current(ctx, orgID, uuid.Nil)
	if err != nil {
		return Engagement{}, wrap("read engagement", err)
	}
	row, err := s.store.engagementCounts(ctx, orgID, s.now().Add(-activeWindow))
	if err != nil {
		return Engagement{}, wrap("read engagement", err)
	}
	return buildEngagement(row, cur.version, s.minGroup), nil
}

// engagementRow is what the engagement reads from the database.
type engagementRow struct {
	seats, joined, active28d int
	completions              map[string]int
}

// buildEngagement applies the group-size floor to row's counts, for the
// member steps of v.
func buildEngagement(row engagementRow, v *Version, floor int) Engagement {
	e := Engagement{MembersJoined: row.joined, MinGroupSize: floor, Steps: []EngagementStep{}}
	if row.seats > 0 {
		e.Seats = &row.seats
	}
	e.ActiveMembers28d, e.ActiveMembers28dSuppressed = floored(row.active28d, row.joined, floor)
	for _, step := range v.Steps {
		if !step.member() {
			continue
		}
		n, suppressed := floored(row.completions[step.Key], row.joined, floor)
		e.Steps = append(e.Steps, EngagementStep{Key: step.Key, Title: step.Title, MembersCompleted: n, Suppressed: suppressed})
	}
	return e
}

// floored is count out of group, or nil and true when count or its
// complement is below floor.
func floored(count, group, floor int) (*int, bool) {
	if count < floor || group-count < floor {
		return nil, true
	}
	return &count, false
}
