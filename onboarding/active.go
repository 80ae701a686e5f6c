package onboarding

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// activeRecountBatch is how many organizations one recount statement
// covers: each batch commits on its own, so an event batch of one of them
// waits for at most one short statement.
const activeRecountBatch = 2000

// ActiveRecount is when members_active_28d was last recounted.
type ActiveRecount struct {
	CountedAt   time.Time `json:"counted_at"`
	ActiveSince time.Time `json:"active_since"`
}

// RecountActiveMembers sets every organization's members_active_28d (its
// current members with an event of their own in the 28 days before now)
// from their member rows, a batch of organizations at a time, and records
// when. The seat metrics read those counters: "active in the last 28 days"
// is a rolling window that no event can keep exact, and counting a million
// members' rows on every metrics request does not stay fast. An hourly job
// runs it; running it twice is harmless.
func (s *Service) RecountActiveMembers(ctx context.Context) (int, error) {
	now := s.now().UTC()
	since := now.Add(-activeWindow)
	after, changed := uuid.Nil, 0
	for {
		last, n, err := s.store.recountActiveBatch(ctx, after, since, activeRecountBatch)
		if err != nil {
			return changed, wrap("recount active members", err)
		}
		changed += n
		if last == uuid.Nil {
			break
		}
		after = last
	}
	if err := s.store.saveActiveRecount(ctx, ActiveRecount{CountedAt: now, ActiveSince: since}); err != nil {
		return changed, wrap("recount active members", err)
	}
	s.log.InfoContext(ctx, "recounted active members", "organizations_changed", changed)
	return changed, nil
}
