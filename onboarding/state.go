package onboarding

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
)

// withState is every change to one organization's onboarding, in tx: load
// (lock the organization, then read its row with the latest version number
// and the activation definition's revision, after the lock is held so that
// a definition changed meanwhile is seen; the definition itself comes from
// the store's cache when it is that revision), compute (move the progress to the latest
// version, apply change, evaluate activation), save. change may be nil:
// the organization is only brought up to date. The row is written only
// when it changed (an event batch of members' own events, once they all
// completed their steps, moves nothing in it). It returns the state as
// saved and its version.
func (s *Service) withState(ctx context.Context, tx *database.Tx, orgID uuid.UUID, change func(st *orgState, v *Version) error) (*orgState, *Version, error) {
	return s.withSenderState(ctx, tx, orgID, uuid.Nil, change)
}

// withSenderState is withState for a change to the events of sender (a
// batch's user; uuid.Nil for none): their member row is read with the
// organization's row, in the same round trip.
func (s *Service) withSenderState(ctx context.Context, tx *database.Tx, orgID, sender uuid.UUID, change func(st *orgState, v *Version) error) (*orgState, *Version, error) {
	st, rev, err := s.store.lockState(ctx, tx, orgID, sender)
	if err != nil {
		return nil, nil, err
	}
	loaded, err := st.row()
	if err != nil {
		return nil, nil, err
	}
	latest := rev.latestVersion
	def, err := s.store.definitionAt(ctx, tx.SQL(), rev.definition)
	if err != nil {
		return nil, nil, err
	}
	v, err := s.store.version(ctx, tx.SQL(), st.version)
	if err != nil {
		return nil, nil, err
	}
	if st.version < latest {
		to, err := s.store.version(ctx, tx.SQL(), latest)
		if err != nil {
			return nil, nil, err
		}
		counts := map[string]eventCount{}
		if names := eventNames(changedSteps(v, to, ScopeOrganization)); len(names) > 0 {
			if counts, err = s.store.eventCounts(ctx, tx, orgID, names); err != nil {
				return nil, nil, err
			}
		}
		upgradeProgress(st.progress, v, to, ScopeOrganization, counts)
		if err := s.upgradeMembers(ctx, tx, st, v, to); err != nil {
			return nil, nil, err
		}
		// The upgrade rewrote member rows: the ones read with the
		// state are read again when needed.
		st.version, v, st.prefetched = latest, to, nil
	}
	if change != nil {
		if err := change(st, v); err != nil {
			return nil, nil, err
		}
	}
	if st.activatedAt == nil {
		at, ok, err := s.evaluateActivation(ctx, tx, def, st)
		if err != nil {
			return nil, nil, err
		}
		if ok {
			st.activatedAt, st.activatedByMembers = &at, len(def.MemberSteps) > 0
			if err := s.recordActivation(ctx, tx, st, v, def); err != nil {
				return nil, nil, err
			}
		}
	}
	saved, err := st.row()
	if err != nil || saved.same(loaded) {
		return st, v, err
	}
	if err := s.publishProgress(ctx, tx, loaded, saved, v); err != nil {
		return nil, nil, err
	}
	return st, v, s.store.saveState(ctx, tx, saved, s.now())
}

// upgradeMembers moves every member's own progress from version from to
// version to, when to adds or changes member steps: each starts over on
// them from that member's own counters. The organization's member
// counters are then recounted.
func (s *Service) upgradeMembers(ctx context.Context, tx *database.Tx, st *orgState, from, to *Version) error {
	steps := changedSteps(from, to, ScopeMember)
	if len(steps) == 0 {
		return nil
	}
	members, err := s.store.allMembers(ctx, tx, st.orgID)
	if err != nil || len(members) == 0 {
		return err
	}
	counts := map[uuid.UUID]map[string]eventCount{}
	if names := eventNames(steps); len(names) > 0 {
		if counts, err = s.store.memberEventCounts(ctx, tx, st.orgID, names); err != nil {
			return err
		}
	}
	list := make([]*memberState, 0, len(members))
	for _, m := range members {
		upgradeProgress(m.progress, from, to, ScopeMember, counts[m.userID])
		memberStarted(m)
		list = append(list, m)
	}
	if err := s.store.saveMembers(ctx, tx, st.orgID, list, s.now()); err != nil {
		return err
	}
	return s.store.recountMembers(ctx, tx, st)
}

// evaluateActivation tells whether st meets def now, and since when (see
// activated). Member thresholds need the time the last member needed
// completed the step, read only once the counters say enough did.
func (s *Service) evaluateActivation(ctx context.Context, tx *database.Tx, def Definition, st *orgState) (time.Time, bool, error) {
	reached := map[string]time.Time{}
	if len(def.MemberSteps) > 0 {
		if _, ok := organizationStepsDone(def, st); !ok {
			return time.Time{}, false, nil
		}
		base := st.shareBase()
		for _, ms := range def.MemberSteps {
			k := membersNeeded(ms.MinShare, base)
			if st.memberCompletions[ms.Key] < k {
				return time.Time{}, false, nil
			}
			at, ok, err := s.store.kthCompletion(ctx, tx, st.orgID, ms.Key, k)
			if err != nil || !ok {
				return time.Time{}, false, err
			}
			reached[ms.Key] = at
		}
	}
	at, ok := activated(def, st, reached)
	return at, ok, nil
}

// recordActivation mirrors activated_at onto the organization and records
// organization_activated through the ordinary event path.
func (s *Service) recordActivation(ctx context.Context, tx *database.Tx, st *orgState, v *Version, def Definition) error {
	// A time that member thresholds decided would tell the company when
	// its members used the service: it stays in onboarding's own rows, for
	// aggregates, and the organization shows none.
	if !st.activatedByMembers {
		if err := s.store.markOrganizationActivated(ctx, tx, st.orgID, *st.activatedAt); err != nil {
			return err
		}
	}
	props, err := json.Marshal(map[string]any{"required_steps": def.RequiredSteps, "window_days": def.WindowDays, "member_steps": def.MemberSteps})
	if err != nil {
		return fmt.Errorf("encode %s properties: %w", serverevent.OrganizationActivated, err)
	}
	_, err = s.applyEvents(ctx, tx, st, v, sourceServer, s.now(), []storedEvent{{
		ID: newID(), Name: serverevent.OrganizationActivated, SentAt: *st.activatedAt, OccurredAt: *st.activatedAt, Properties: props,
	}})
	return err
}

// applyEvents records a batch for the locked organization st on version v:
// one insert for the batch, one statement for the counters of what it
// actually inserted (duplicates left out), the organization's and, for
// events of current members, each one's own, then their effect on
// progress and milestones. It returns how many events were new.
func (s *Service) applyEvents(ctx context.Context, tx *database.Tx, st *orgState, v *Version, source string, received time.Time, batch []storedEvent) (int, error) {
	in, err := s.store.insertEvents(ctx, tx, st.orgID, source, received, batch)
	if err != nil || in.count == 0 {
		return 0, err
	}
	members, events, err := s.currentMembersEvents(ctx, tx, st, in.byUser)
	if err != nil {
		return 0, err
	}
	// What the backend records about a person (they joined, verified
	// their email) may complete their steps, but is not their use of the
	// service: only their own events make them active.
	activity := source != sourceServer
	totals, err := s.store.recordCounts(ctx, tx, st.orgID, newEventCounters(in.byName), newMemberCounters(members, events, activity))
	if err != nil {
		return 0, err
	}
	applyEventsToProgress(st, v, in.byName, totals.organization)
	if len(events) > 0 {
		if err := s.applyMemberEvents(ctx, tx, st, v, members, events, totals.members, activity); err != nil {
			return 0, err
		}
	}
	return in.count, nil
}

// Event sources.
const (
	sourceClient = "client"
	sourceServer = "server"
)

// currentMembersEvents loads the rows of the people whose events the batch
// inserted (byUser) and keeps the events of those who are current members
// of the organization: events of someone who is not a member count for the
// organization only.
func (s *Service) currentMembersEvents(ctx context.Context, tx *database.Tx, st *orgState, byUser map[uuid.UUID]map[string][]time.Time) (map[uuid.UUID]*memberState, map[uuid.UUID]map[string][]time.Time, error) {
	if len(byUser) == 0 {
		return nil, nil, nil
	}
	members := make(map[uuid.UUID]*memberState, len(byUser))
	var users []uuid.UUID
	for u := range byUser {
		m, read := st.prefetched[u]
		if !read {
			users = append(users, u)
		} else if m != nil {
			members[u] = m
		}
	}
	if len(users) > 0 {
		loaded, err := s.store.loadMembers(ctx, tx, st.orgID, users)
		if err != nil {
			return nil, nil, err
		}
		maps.Copy(members, loaded)
	}
	events := make(map[uuid.UUID]map[string][]time.Time, len(members))
	for u, byName := range byUser {
		if m, ok := members[u]; ok && m.current {
			events[u] = byName
		}
	}
	return members, events, nil
}

// applyMemberEvents counts the batch's events of current members (events,
// counted already: totals) towards their member steps and (when the
// events are their use of the service) retention weeks.
func (s *Service) applyMemberEvents(ctx context.Context, tx *database.Tx, st *orgState, v *Version, members map[uuid.UUID]*memberState, events map[uuid.UUID]map[string][]time.Time, totals map[memberEventKey]int64, activity bool) error {
	changed := make([]*memberState, 0, len(events))
	for u, byName := range events {
		m := members[u]
		ev := memberEvents{times: byName, totals: make(map[string]int64, len(byName)), activity: activity}
		for name := range byName {
			ev.totals[name] = totals[memberEventKey{user: u, name: name}]
		}
		countMemberEvents(st, m, v, ev)
		changed = append(changed, m)
	}
	return s.store.saveMembers(ctx, tx, st.orgID, changed, s.now())
}
