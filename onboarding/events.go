package onboarding

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
)

// Limits on what clients send.
const (
	MaxBatch           = 500
	MaxPropertiesBytes = 8 << 10
	// Timestamps further ahead than this are clamped to the receive time.
	maxClockSkew = 24 * time.Hour
)

// emptyProperties stands for properties a client left out or sent as
// null; it is shared, and never written to.
var emptyProperties = []byte("{}")

// oldestTimestamp refuses timestamps that can only be a client bug.
var oldestTimestamp = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// lastTimestampYear is the last year an RFC 3339 time can name. PostgreSQL
// would store a later instant (9999-12-31T23:00:00-05:00 is in year 10000
// in UTC), but it could never be shown again.
const lastTimestampYear = 9999

// serverNames can only be recorded by the backend: a client claiming
// "subscription_activated" must not mark an organization paid.
var serverNames = []string{
	serverevent.OrganizationSignedUp, serverevent.EmailVerified, serverevent.MemberInvited, serverevent.MemberJoined,
	serverevent.MemberRemoved, serverevent.MemberLeft,
	serverevent.CheckoutStarted, serverevent.SubscriptionActivated, serverevent.SubscriptionUpdated, serverevent.SubscriptionCanceled,
	serverevent.InvoicePaid, serverevent.OrganizationActivated, serverevent.TrialStarted,
}

// ClientEvent is one event as a client sends it. OrganizationID and
// UserID name whose event it is when a server key sends it
// (IngestForMembers); a member's own batch leaves them empty.
type ClientEvent struct {
	ID             string
	Name           string
	Timestamp      string
	Properties     json.RawMessage
	OrganizationID string
	UserID         string
}

// IngestResult counts a batch's new and already-recorded events.
type IngestResult struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
}

// storedEvent is an event ready to insert.
type storedEvent struct {
	ID         uuid.UUID
	Name       string
	UserID     uuid.UUID
	SentAt     time.Time
	OccurredAt time.Time
	Clamped    bool
	Properties []byte
}

// Ingest records a batch of client events for the caller's organization.
// Each bad event is reported by its index, and then nothing is recorded. An
// id the organization already sent is a duplicate, counted once ever.
func (s *Service) Ingest(ctx context.Context, c Caller, events []ClientEvent) (IngestResult, error) {
	received := s.now().UTC()
	batch, err := validateBatch(events, c.UserID, received)
	if err != nil {
		return IngestResult{}, err
	}
	var accepted int
	err = s.db.InTx(ctx, func(tx *database.Tx) error {
		_, _, err := s.withSenderState(ctx, tx, c.OrgID, c.UserID, func(st *orgState, v *Version) error {
			var err error
			accepted, err = s.applyEvents(ctx, tx, st, v, sourceClient, received, batch)
			return err
		})
		return err
	})
	if err != nil {
		return IngestResult{}, wrap("ingest events", err)
	}
	return IngestResult{Accepted: accepted, Duplicates: len(events) - accepted}, nil
}

func validateBatch(events []ClientEvent, userID uuid.UUID, received time.Time) ([]storedEvent, error) {
	var v apperr.Validator
	if !checkBatchSize(&v, len(events)) {
		return nil, v.Err()
	}
	out := make([]storedEvent, 0, len(events))
	seen := make(map[uuid.UUID]bool, len(events))
	for i, e := range events {
		ev := validateEvent(&v, i, e, received)
		if e.OrganizationID != "" || e.UserID != "" {
			at := "events[" + strconv.Itoa(i) + "]."
			v.Check(e.OrganizationID == "", at+"organization_id", "only a server key names the organization: a member's events are their own organization's")
			v.Check(e.UserID == "", at+"user_id", "only a server key names the member: a member's events are their own")
		}
		if seen[ev.ID] {
			continue // the same id twice in one batch counts once
		}
		seen[ev.ID] = true
		ev.UserID = userID
		out = append(out, ev)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// checkBatchSize refuses an empty batch or one over MaxBatch.
func checkBatchSize(v *apperr.Validator, n int) bool {
	ok := n > 0 && n <= MaxBatch
	v.Check(ok, "events", fmt.Sprintf("send 1 to %d events", MaxBatch))
	return ok
}

// validateEvent checks event i of a batch, adding its problems to v, and
// returns it as stored (without its user), its time clamped when it is
// too far ahead of received.
func validateEvent(v *apperr.Validator, i int, e ClientEvent, received time.Time) storedEvent {
	id, err := uuid.Parse(e.ID)
	idOK := err == nil && len(e.ID) == 36
	nameOK, clientName := validEventName(e.Name), !slices.Contains(serverNames, e.Name)
	ts, err := time.Parse(time.RFC3339Nano, e.Timestamp)
	timeOK := err == nil
	afterOldest := !timeOK || !ts.Before(oldestTimestamp)
	beforeLast := !timeOK || ts.UTC().Year() <= lastTimestampYear
	props := bytes.TrimSpace(e.Properties)
	if len(props) == 0 || bytes.Equal(props, []byte("null")) {
		props = emptyProperties
	}
	object, small := props[0] == '{', len(props) <= MaxPropertiesBytes
	if !idOK || !nameOK || !clientName || !timeOK || !afterOldest || !beforeLast || !object || !small {
		// Field names and messages are built only for a bad event.
		at := "events[" + strconv.Itoa(i) + "]."
		v.Check(idOK, at+"id", "must be a UUID")
		v.Check(nameOK, at+"name", "must be 1-100 characters: a lower-case letter, then lower-case letters, digits, _ or .")
		v.Check(clientName, at+"name", fmt.Sprintf("%q is recorded by the server itself", e.Name))
		v.Check(timeOK, at+"timestamp", "must be an RFC 3339 time")
		v.Check(afterOldest, at+"timestamp", "must be after 2000-01-01")
		v.Check(beforeLast, at+"timestamp", "must be before the year 10000 in UTC")
		v.Check(object, at+"properties", "must be a JSON object")
		v.Check(small, at+"properties", fmt.Sprintf("must be at most %d bytes", MaxPropertiesBytes))
	}
	ev := storedEvent{ID: id, Name: e.Name, SentAt: ts, OccurredAt: ts, Properties: props}
	if ts.After(received.Add(maxClockSkew)) {
		ev.OccurredAt, ev.Clamped = received, true
	}
	return ev
}

// Record implements serverevent.Recorder: it records a server-side event in
// the caller's transaction, through the same path as client events, so the
// event and what it completes exist only if the caller's change commits.
func (s *Service) Record(ctx context.Context, tx *database.Tx, e serverevent.Event) error {
	at := e.OccurredAt
	if at.IsZero() {
		at = s.now()
	}
	props := []byte("{}")
	if len(e.Properties) > 0 {
		var err error
		if props, err = json.Marshal(e.Properties); err != nil {
			return fmt.Errorf("record %s: encode properties: %w", e.Name, err)
		}
	}
	ev := storedEvent{ID: newID(), Name: e.Name, UserID: e.UserID, SentAt: at, OccurredAt: at, Properties: props}
	_, _, err := s.withSenderState(ctx, tx, e.OrganizationID, e.UserID, func(st *orgState, v *Version) error {
		if _, err := s.applyEvents(ctx, tx, st, v, sourceServer, s.now(), []storedEvent{ev}); err != nil {
			return err
		}
		s.applyServerFacts(e, st)
		return s.publishServerEvent(ctx, tx, e, at, st)
	})
	return wrap("record "+e.Name, err)
}

// applyServerFacts keeps what the organization's counters know of its
// subscription up to date from the server event e, in the transaction of
// the change it reports. (Membership changes recount the member counters
// in the database, by trigger, before their event is recorded.) Activation
// is evaluated next, so a membership or seat change that meets the member
// thresholds activates.
func (s *Service) applyServerFacts(e serverevent.Event, st *orgState) {
	switch e.Name {
	case serverevent.SubscriptionActivated, serverevent.SubscriptionUpdated, serverevent.SubscriptionCanceled:
		st.seats = 0
		if status, _ := e.Properties["status"].(string); liveStatus(status) {
			st.seats = intProperty(e.Properties["seats"])
		}
		if plan, ok := e.Properties["plan_id"].(string); ok && plan != "" {
			st.planID = &plan
		}
	}
}

// liveStatus reports whether a subscription in status still pays for its
// seats (its quantity is what member thresholds are shares of).
func liveStatus(status string) bool {
	return status == "trialing" || status == "active" || status == "past_due"
}

// intProperty reads a whole number from an event property as billing sets
// it (an int) or as JSON decodes it (a float64).
func intProperty(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case float64:
		return int(n)
	}
	return 0
}

var _ serverevent.Recorder = (*Service)(nil)
