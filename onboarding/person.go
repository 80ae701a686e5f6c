package onboarding

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
)

// A person's own onboarding data, for their export and their erasure
// (account.PersonalData): their events, and what is kept per member (their
// member-step progress, counters and active weeks, their dismissals). Only
// the person ever reads it; nobody else's is in it.

// PersonData is onboarding's part of a person's export.
type PersonData struct {
	// Members has one entry per organization the person is or was a member
	// of (left_at set once they left).
	Members []PersonMember `json:"members"`
	// Events are the events sent by or recorded for the person, oldest
	// first, in every organization of Members.
	Events []PersonEvent `json:"events"`
}

// PersonMember is what one organization's onboarding keeps about the person.
type PersonMember struct {
	OrganizationID uuid.UUID  `json:"organization_id"`
	JoinedAt       time.Time  `json:"joined_at"`
	LeftAt         *time.Time `json:"left_at"`
	FirstStepAt    *time.Time `json:"first_step_at"`
	LastActiveAt   *time.Time `json:"last_active_at"`
	DismissedAt    *time.Time `json:"dismissed_at"`
	// Steps is the person's progress on member steps, by step key.
	Steps map[string]PersonStep `json:"steps"`
	// EventCounts is how many events of each name the person sent there.
	EventCounts map[string]PersonEventCount `json:"event_counts"`
	// ActiveWeeks are the weeks after joining (0 = the week they joined)
	// with an event of name ("" = any event).
	ActiveWeeks []PersonWeek `json:"active_weeks"`
}

// PersonStep is the person's progress on one member step.
type PersonStep struct {
	Count       int64      `json:"count"`
	CompletedAt *time.Time `json:"completed_at"`
	How         string     `json:"how,omitempty"` // "event" or "manual"
}

// PersonEventCount counts the person's events of one name.
type PersonEventCount struct {
	Count   int64     `json:"count"`
	FirstAt time.Time `json:"first_at"`
	LastAt  time.Time `json:"last_at"`
}

// PersonWeek is one week with activity after joining.
type PersonWeek struct {
	Week int    `json:"week"`
	Name string `json:"name"`
}

// PersonEvent is one of the person's events.
type PersonEvent struct {
	OrganizationID uuid.UUID       `json:"organization_id"`
	ID             uuid.UUID       `json:"id"`
	Name           string          `json:"name"`
	Source         string          `json:"source"`
	Timestamp      time.Time       `json:"timestamp"`
	OccurredAt     time.Time       `json:"occurred_at"`
	ReceivedAt     time.Time       `json:"received_at"`
	Properties     json.RawMessage `json:"properties"`
}

// PersonData reads onboarding's part of the person's export in the
// caller's transaction (the account's read-only snapshot).
func (s *Service) PersonData(ctx context.Context, tx *database.Tx, userID uuid.UUID) (PersonData, error) {
	members, err := s.store.personMembers(ctx, tx.SQL(), userID)
	if err != nil {
		return PersonData{}, err
	}
	orgs, err := s.store.personOrganizations(ctx, tx.SQL(), userID)
	if err != nil {
		return PersonData{}, err
	}
	events, err := s.store.personEvents(ctx, tx.SQL(), orgs, userID)
	if err != nil {
		return PersonData{}, err
	}
	return PersonData{Members: members, Events: events}, nil
}

// ExportPerson is PersonData for account.PersonalData.
func (s *Service) ExportPerson(ctx context.Context, tx *database.Tx, userID uuid.UUID) (any, error) {
	return s.PersonData(ctx, tx, userID)
}

// ErasePerson deletes what onboarding keeps about the person and
// anonymizes their events, in the account's erasure transaction, which has
// already taken them out of every organization. Company-level counters
// (event counts, organization progress, retention rollups) are anonymous
// and stay as they are.
func (s *Service) ErasePerson(ctx context.Context, tx *database.Tx, userID uuid.UUID) error {
	orgs, err := s.store.personOrganizations(ctx, tx.SQL(), userID)
	if err != nil {
		return err
	}
	if len(orgs) == 0 {
		return nil
	}
	return wrap("erase person", s.store.erasePerson(ctx, tx, orgs, userID))
}

// PersonOrganizations lists the organizations onboarding keeps something
// of the person in, current or former, for the erasure to lock first.
func (s *Service) PersonOrganizations(ctx context.Context, tx *database.Tx, userID uuid.UUID) ([]uuid.UUID, error) {
	ids, err := s.store.personOrganizations(ctx, tx.SQL(), userID)
	if err != nil {
		return nil, err
	}
	out := make([]uuid.UUID, len(ids))
	for i, id := range ids {
		if out[i], err = uuid.Parse(id); err != nil {
			return nil, fmt.Errorf("find the person's organizations: %w", err)
		}
	}
	return out, nil
}

// ForgetOrganization deletes the organization's events, for an
// organization being deleted (the rest of its onboarding rows go with it
// by foreign key; events have none, see migration 00008).
func (s *Service) ForgetOrganization(ctx context.Context, tx *database.Tx, orgID uuid.UUID) error {
	return wrap("forget organization", s.store.deleteOrganizationEvents(ctx, tx, orgID))
}
