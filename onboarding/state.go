package onboarding

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
)

// withState is every change to one organization's onboarding, in tx: load
// (lock the organization, read its row, the latest version and the
// activation definition, after the lock is held so that a definition
// changed meanwhile is seen), compute (move the progress to the latest
// version, apply change, evaluate activation), save. change may be nil:
// the organization is only brought up to date, and its row written only
// when that changed it. It returns the state as saved and its version.
func (s *Service) withState(ctx context.Context, tx *database.Tx, orgID uuid.UUID, change func(st *orgState, v *Version) error) (*orgState, *Version, error) {
	st, err := s.store.lockState(ctx, tx, orgID)
	if err != nil {
		return nil, nil, err
	}
	latest, err := s.store.latestVersion(ctx, tx.SQL())
	if err != nil {
		return nil, nil, err
	}
	def, err := s.store.activationDefinition(ctx, tx.SQL())
	if err != nil {
		return nil, nil, err
	}
	v, err := s.store.version(ctx, tx.SQL(), st.version)
	if err != nil {
		return nil, nil, err
	}
	changed := change != nil
	if st.version < latest {
		to, err := s.store.version(ctx, tx.SQL(), latest)
		if err != nil {
			return nil, nil, err
		}
		counts := map[string]eventCount{}
		if names := eventNames(to); len(names) > 0 {
			if counts, err = s.store.eventCounts(ctx, tx, orgID, names); err != nil {
				return nil, nil, err
			}
		}
		upgradeProgress(st, v, to, counts)
		st.version, v, changed = latest, to, true
	}
	if change != nil {
		if err := change(st, v); err != nil {
			return nil, nil, err
		}
	}
	if st.activatedAt == nil {
		if at, ok := activated(def, st); ok {
			st.activatedAt, changed = &at, true
			if err := s.recordActivation(ctx, tx, st, v, def); err != nil {
				return nil, nil, err
			}
		}
	}
	if !changed {
		return st, v, nil
	}
	return st, v, s.store.saveState(ctx, tx, st, s.now())
}

// recordActivation mirrors activated_at onto the organization and records
// organization_activated through the ordinary event path.
func (s *Service) recordActivation(ctx context.Context, tx *database.Tx, st *orgState, v *Version, def Definition) error {
	if err := s.store.markOrganizationActivated(ctx, tx, st.orgID, *st.activatedAt); err != nil {
		return err
	}
	props, err := json.Marshal(map[string]any{"required_steps": def.RequiredSteps, "window_days": def.WindowDays})
	if err != nil {
		return fmt.Errorf("encode %s properties: %w", serverevent.OrganizationActivated, err)
	}
	_, err = s.applyEvents(ctx, tx, st, v, "server", s.now(), []storedEvent{{
		ID: newID(), Name: serverevent.OrganizationActivated, SentAt: *st.activatedAt, OccurredAt: *st.activatedAt, Properties: props,
	}})
	return err
}

// applyEvents records a batch for the locked organization st on version v:
// one insert for the batch, the counters of what it actually inserted
// (duplicates left out), then their effect on progress and milestones. It
// returns how many events were new.
func (s *Service) applyEvents(ctx context.Context, tx *database.Tx, st *orgState, v *Version, source string, received time.Time, batch []storedEvent) (int, error) {
	inserted, n, err := s.store.insertEvents(ctx, tx, st.orgID, source, received, batch)
	if err != nil || n == 0 {
		return 0, err
	}
	totals, err := s.store.bumpCounts(ctx, tx, st.orgID, inserted)
	if err != nil {
		return 0, err
	}
	applyEventsToProgress(st, v, inserted, totals)
	return n, nil
}
