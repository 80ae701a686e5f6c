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
	serverevent.CheckoutStarted, serverevent.SubscriptionActivated, serverevent.SubscriptionCanceled, serverevent.InvoicePaid,
	serverevent.OrganizationActivated,
}

// ClientEvent is one event as a client sends it.
type ClientEvent struct {
	ID         string
	Name       string
	Timestamp  string
	Properties json.RawMessage
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
func (s *Service) Ingest(ctx context.Context, orgID, userID uuid.UUID, events []ClientEvent) (IngestResult, error) {
	received := s.now().UTC()
	batch, err := validateBatch(events, userID, received)
	if err != nil {
		return IngestResult{}, err
	}
	var accepted int
	err = s.db.InTx(ctx, func(tx *database.Tx) error {
		_, err := s.withState(ctx, tx, orgID, func(st *orgState) error {
			var err error
			accepted, err = s.applyEvents(ctx, tx, st, "client", received, batch)
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
	if len(events) == 0 || len(events) > MaxBatch {
		v.Check(false, "events", fmt.Sprintf("send 1 to %d events", MaxBatch))
		return nil, v.Err()
	}
	out := make([]storedEvent, 0, len(events))
	seen := make(map[uuid.UUID]bool, len(events))
	for i, e := range events {
		at := "events[" + strconv.Itoa(i) + "]."
		id, err := uuid.Parse(e.ID)
		v.Check(err == nil && len(e.ID) == 36, at+"id", "must be a UUID")
		v.Check(eventNamePattern.MatchString(e.Name), at+"name", "must be 1-100 characters: a lower-case letter, then lower-case letters, digits, _ or .")
		v.Check(!slices.Contains(serverNames, e.Name), at+"name", fmt.Sprintf("%q is recorded by the server itself", e.Name))
		ts, err := time.Parse(time.RFC3339Nano, e.Timestamp)
		v.Check(err == nil, at+"timestamp", "must be an RFC 3339 time")
		v.Check(err != nil || !ts.Before(oldestTimestamp), at+"timestamp", "must be after 2000-01-01")
		v.Check(err != nil || ts.UTC().Year() <= lastTimestampYear, at+"timestamp", "must be before the year 10000 in UTC")
		props := bytes.TrimSpace(e.Properties)
		if len(props) == 0 || bytes.Equal(props, []byte("null")) {
			props = []byte("{}")
		}
		v.Check(props[0] == '{', at+"properties", "must be a JSON object")
		v.Check(len(props) <= MaxPropertiesBytes, at+"properties", fmt.Sprintf("must be at most %d bytes", MaxPropertiesBytes))
		if seen[id] {
			continue // the same id twice in one batch counts once
		}
		seen[id] = true
		ev := storedEvent{ID: id, Name: e.Name, UserID: userID, SentAt: ts, OccurredAt: ts, Properties: props}
		if ts.After(received.Add(maxClockSkew)) {
			ev.OccurredAt, ev.Clamped = received, true
		}
		out = append(out, ev)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return out, nil
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
	_, err := s.withState(ctx, tx, e.OrganizationID, func(st *orgState) error {
		_, err := s.applyEvents(ctx, tx, st, "server", s.now(), []storedEvent{ev})
		return err
	})
	return wrap("record "+e.Name, err)
}

var _ serverevent.Recorder = (*Service)(nil)

// applyEvents inserts the batch in one statement and, from the rows actually
// inserted (duplicates left out), bumps the per-name counters, the event
// steps of the organization's version and its milestones. st is locked.
func (s *Service) applyEvents(ctx context.Context, tx *database.Tx, st *orgState, source string, received time.Time, batch []storedEvent) (int, error) {
	n := len(batch)
	ids, names, users, props := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	sent, occurred := make([]time.Time, n), make([]time.Time, n)
	clamped := make([]bool, n)
	for i, e := range batch {
		ids[i], names[i], props[i] = e.ID.String(), e.Name, string(e.Properties)
		if e.UserID != uuid.Nil {
			users[i] = e.UserID.String()
		}
		sent[i], occurred[i], clamped[i] = e.SentAt, e.OccurredAt, e.Clamped
	}
	rows, err := tx.SQL().QueryContext(ctx, `
		INSERT INTO onboarding_events (organization_id, id, name, source, user_id, sent_at, occurred_at, received_at, clamped, properties)
		SELECT $1, e.id::uuid, e.name, $2, NULLIF(e.user_id, '')::uuid, e.sent_at, e.occurred_at, $3, e.clamped, e.properties::jsonb
		FROM unnest($4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::bool[], $10::text[])
		  AS e(id, name, user_id, sent_at, occurred_at, clamped, properties)
		ON CONFLICT (organization_id, id) DO NOTHING
		RETURNING name, occurred_at`,
		st.orgID, source, received, ids, names, users, sent, occurred, clamped, props)
	if err != nil {
		return 0, fmt.Errorf("insert events: %w", err)
	}
	inserted := map[string][]time.Time{}
	count := 0
	for rows.Next() {
		var name string
		var at time.Time
		if err := rows.Scan(&name, &at); err != nil {
			rows.Close()
			return 0, fmt.Errorf("insert events: %w", err)
		}
		inserted[name] = append(inserted[name], at.UTC())
		count++
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("insert events: %w", err)
	}
	if count == 0 {
		return 0, nil
	}
	totals, err := bumpCounts(ctx, tx, st.orgID, inserted)
	if err != nil {
		return 0, err
	}
	for name, times := range inserted {
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		switch name {
		case serverevent.CheckoutStarted:
			st.checkoutStartedAt = earliest(st.checkoutStartedAt, times[0])
		case serverevent.InvoicePaid:
			st.paidAt = earliest(st.paidAt, times[0])
		}
		for _, step := range st.version.Steps {
			if step.Completion.Type == CompletionEvent && step.Completion.Event == name {
				countTowards(st.step(step.Key), int64(step.Completion.Target()), totals[name], times)
			}
		}
	}
	return count, nil
}

// countTowards updates an event step's progress with new events (times,
// sorted) that brought the organization's total for the name to total. The
// step completes at the event that reached its target; for a one-event step
// a late event from earlier moves completed_at back (LEAST).
func countTowards(p *stepProgress, target, total int64, times []time.Time) {
	p.Count = total
	if p.CompletedAt != nil {
		if target == 1 && p.How == doneByEvents {
			p.CompletedAt = earliest(p.CompletedAt, times[0])
		}
		return
	}
	if total < target {
		return
	}
	before := total - int64(len(times))
	at := times[0]
	if idx := target - before - 1; idx > 0 && idx < int64(len(times)) {
		at = times[idx]
	}
	p.CompletedAt, p.How, p.CompletedBy, p.SkippedAt, p.SkippedBy = &at, doneByEvents, nil, nil, nil
}

// bumpCounts adds the inserted events to the per-(organization, name)
// counters and returns the new totals. Concurrent batches add up exactly:
// the increment happens in the row (count = count + excluded.count).
func bumpCounts(ctx context.Context, tx *database.Tx, orgID uuid.UUID, inserted map[string][]time.Time) (map[string]int64, error) {
	names := make([]string, 0, len(inserted))
	for name := range inserted {
		names = append(names, name)
	}
	slices.Sort(names) // a stable lock order
	ns := make([]int64, len(names))
	firsts, lasts := make([]time.Time, len(names)), make([]time.Time, len(names))
	for i, name := range names {
		times := inserted[name]
		ns[i] = int64(len(times))
		firsts[i], lasts[i] = slices.MinFunc(times, time.Time.Compare), slices.MaxFunc(times, time.Time.Compare)
	}
	rows, err := tx.SQL().QueryContext(ctx, `
		INSERT INTO onboarding_event_counts AS c (organization_id, name, count, first_at, last_at)
		SELECT $1, a.name, a.n, a.first_at, a.last_at
		FROM unnest($2::text[], $3::bigint[], $4::timestamptz[], $5::timestamptz[]) AS a(name, n, first_at, last_at)
		ON CONFLICT (organization_id, name) DO UPDATE
		SET count = c.count + excluded.count,
		    first_at = LEAST(c.first_at, excluded.first_at),
		    last_at = GREATEST(c.last_at, excluded.last_at)
		RETURNING name, count`, orgID, names, ns, firsts, lasts)
	if err != nil {
		return nil, fmt.Errorf("count events: %w", err)
	}
	defer rows.Close()
	totals := make(map[string]int64, len(names))
	for rows.Next() {
		var name string
		var total int64
		if err := rows.Scan(&name, &total); err != nil {
			return nil, fmt.Errorf("count events: %w", err)
		}
		totals[name] = total
	}
	return totals, rows.Err()
}
