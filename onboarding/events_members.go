package onboarding

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// memberGroup is the part of a server key's batch that one organization
// receives: its events (duplicates within the batch left out), and for
// each, its index in the batch (to name it) and its member.
type memberGroup struct {
	orgID  uuid.UUID
	events []storedEvent
	index  []int
}

// IngestForMembers records a batch a server key sent: each event names
// its organization and the member it is about, and is recorded as that
// member's own event of that organization, through the same path as the
// member's own batches (the same duplicate rule, per organization, and
// the same counters and progress). Every named member must be a current
// member of the organization; any other event, or a bad one, is reported
// by its index (422), and then nothing is recorded.
func (s *Service) IngestForMembers(ctx context.Context, events []ClientEvent) (IngestResult, error) {
	received := s.now().UTC()
	groups, err := validateMemberBatch(events, received)
	if err != nil {
		return IngestResult{}, err
	}
	var accepted int
	err = s.db.InTx(ctx, func(tx *database.Tx) error {
		if err := s.checkMembers(ctx, tx, groups); err != nil {
			return err
		}
		for _, g := range groups {
			_, _, err := s.withSenderState(ctx, tx, g.orgID, g.events[0].UserID, func(st *orgState, v *Version) error {
				n, err := s.applyEvents(ctx, tx, st, v, sourceClient, received, g.events)
				accepted += n
				return err
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return IngestResult{}, wrap("ingest events for members", err)
	}
	return IngestResult{Accepted: accepted, Duplicates: len(events) - accepted}, nil
}

// validateMemberBatch checks a server key's batch and groups it by
// organization, in id order (the order organizations are locked in).
func validateMemberBatch(events []ClientEvent, received time.Time) ([]memberGroup, error) {
	var v apperr.Validator
	if !checkBatchSize(&v, len(events)) {
		return nil, v.Err()
	}
	byOrg := map[uuid.UUID]*memberGroup{}
	seen := make(map[[2]uuid.UUID]bool, len(events))
	for i, e := range events {
		ev := validateEvent(&v, i, e, received)
		org, orgErr := uuid.Parse(e.OrganizationID)
		user, userErr := uuid.Parse(e.UserID)
		if orgErr != nil || userErr != nil {
			at := "events[" + strconv.Itoa(i) + "]."
			v.Check(orgErr == nil, at+"organization_id", "must be the UUID of the organization whose member this event is about")
			v.Check(userErr == nil, at+"user_id", "must be the UUID of a current member of the organization")
			continue
		}
		if key := [2]uuid.UUID{org, ev.ID}; seen[key] {
			continue // the same id twice for one organization counts once
		} else {
			seen[key] = true
		}
		g := byOrg[org]
		if g == nil {
			g = &memberGroup{orgID: org}
			byOrg[org] = g
		}
		ev.UserID = user
		g.events, g.index = append(g.events, ev), append(g.index, i)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	groups := make([]memberGroup, 0, len(byOrg))
	for _, g := range byOrg {
		groups = append(groups, *g)
	}
	slices.SortFunc(groups, func(a, b memberGroup) int { return slices.Compare(a.orgID[:], b.orgID[:]) })
	return groups, nil
}

// checkMembers locks the batch's organizations (in id order, as
// database.LockOrganization asks of whoever needs several) and refuses
// every event whose organization does not exist or whose user is not a
// current member of it. Under the locks, nobody joins or leaves before
// the batch is recorded.
func (s *Service) checkMembers(ctx context.Context, tx *database.Tx, groups []memberGroup) error {
	orgs := make([]uuid.UUID, len(groups))
	var pairOrgs, pairUsers []uuid.UUID
	for i, g := range groups {
		orgs[i] = g.orgID
		for _, e := range g.events {
			pairOrgs, pairUsers = append(pairOrgs, g.orgID), append(pairUsers, e.UserID)
		}
	}
	existing, err := s.store.lockOrganizations(ctx, tx, orgs)
	if err != nil {
		return err
	}
	current, err := s.store.currentMembers(ctx, tx, pairOrgs, pairUsers)
	if err != nil {
		return err
	}
	var v apperr.Validator
	for _, g := range groups {
		for j, e := range g.events {
			at := "events[" + strconv.Itoa(g.index[j]) + "]."
			if !existing[g.orgID] {
				v.Check(false, at+"organization_id", "no organization has this id")
				continue
			}
			v.Check(current[[2]uuid.UUID{g.orgID, e.UserID}], at+"user_id", "is not a current member of the organization")
		}
	}
	return v.Err()
}

// lockOrganizations locks the organizations among ids that exist, in id
// order, and says which exist.
func (s *store) lockOrganizations(ctx context.Context, tx *database.Tx, ids []uuid.UUID) (map[uuid.UUID]bool, error) {
	rows, err := tx.SQL().QueryContext(ctx, `SELECT id FROM organizations WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("lock organizations: %w", err)
	}
	found, err := database.Collect(rows, func(scan func(...any) error) (id uuid.UUID, err error) { return id, scan(&id) })
	if err != nil {
		return nil, fmt.Errorf("lock organizations: %w", err)
	}
	out := make(map[uuid.UUID]bool, len(found))
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// currentMembers says which of the (organization, user) pairs are current
// members.
func (s *store) currentMembers(ctx context.Context, tx *database.Tx, orgs, users []uuid.UUID) (map[[2]uuid.UUID]bool, error) {
	rows, err := tx.SQL().QueryContext(ctx, `
		SELECT m.organization_id, m.user_id FROM onboarding_members m
		JOIN (SELECT DISTINCT * FROM unnest($1::uuid[], $2::uuid[])) AS p(organization_id, user_id)
		  USING (organization_id, user_id)
		WHERE m.left_at IS NULL`, orgs, users)
	if err != nil {
		return nil, fmt.Errorf("read current members: %w", err)
	}
	pairs, err := database.Collect(rows, func(scan func(...any) error) (p [2]uuid.UUID, err error) { return p, scan(&p[0], &p[1]) })
	if err != nil {
		return nil, fmt.Errorf("read current members: %w", err)
	}
	out := make(map[[2]uuid.UUID]bool, len(pairs))
	for _, p := range pairs {
		out[p] = true
	}
	return out, nil
}
