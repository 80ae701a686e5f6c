package onboarding

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
)

// insertedEvents is what a batch actually recorded (duplicates left out):
// occurrence times by name, and by member and name for events of a person.
type insertedEvents struct {
	byName map[string][]time.Time
	byUser map[uuid.UUID]map[string][]time.Time
	count  int
}

// insertEvents inserts the batch in one statement (INSERT … SELECT FROM
// unnest … ON CONFLICT DO NOTHING): an id the organization already sent is
// left out.
func (s *store) insertEvents(ctx context.Context, tx *database.Tx, orgID uuid.UUID, source string, received time.Time, batch []storedEvent) (insertedEvents, error) {
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
		RETURNING name, occurred_at, user_id`,
		orgID, source, received, ids, names, users, sent, occurred, clamped, props)
	if err != nil {
		return insertedEvents{}, fmt.Errorf("insert events: %w", err)
	}
	defer rows.Close()
	in := insertedEvents{byName: map[string][]time.Time{}, byUser: map[uuid.UUID]map[string][]time.Time{}}
	for rows.Next() {
		var name string
		var at time.Time
		var user uuid.NullUUID
		if err := rows.Scan(&name, &at, &user); err != nil {
			return insertedEvents{}, fmt.Errorf("insert events: %w", err)
		}
		at = at.UTC()
		in.byName[name] = append(in.byName[name], at)
		if user.Valid {
			if in.byUser[user.UUID] == nil {
				in.byUser[user.UUID] = map[string][]time.Time{}
			}
			in.byUser[user.UUID][name] = append(in.byUser[user.UUID][name], at)
		}
		in.count++
	}
	if err := rows.Err(); err != nil {
		return insertedEvents{}, fmt.Errorf("insert events: %w", err)
	}
	return in, nil
}

// bumpCounts adds the inserted events to the per-(organization, name)
// counters and returns the new totals. Concurrent batches add up exactly:
// the increment happens in the row (count = count + excluded.count).
func (s *store) bumpCounts(ctx context.Context, tx *database.Tx, orgID uuid.UUID, inserted map[string][]time.Time) (map[string]int64, error) {
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
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count events: %w", err)
	}
	return totals, nil
}

// recentEvents lists the organization's last limit events received.
func (s *store) recentEvents(ctx context.Context, orgID uuid.UUID, limit int) ([]Event, error) {
	rows, err := s.db.SQL().QueryContext(ctx, `
		SELECT id, name, source, user_id, sent_at, occurred_at, received_at, clamped, properties
		FROM onboarding_events WHERE organization_id = $1
		ORDER BY received_at DESC, id DESC LIMIT $2`, orgID, limit)
	if err != nil {
		return nil, fmt.Errorf("recent events: %w", err)
	}
	defer rows.Close()
	out := []Event{}
	for rows.Next() {
		var e Event
		var user uuid.NullUUID
		var props []byte
		if err := rows.Scan(&e.ID, &e.Name, &e.Source, &user, &e.Timestamp, &e.OccurredAt, &e.ReceivedAt, &e.Clamped, &props); err != nil {
			return nil, fmt.Errorf("recent events: %w", err)
		}
		if user.Valid {
			e.UserID = &user.UUID
		}
		e.Timestamp, e.OccurredAt, e.ReceivedAt = e.Timestamp.UTC(), e.OccurredAt.UTC(), e.ReceivedAt.UTC()
		e.Properties = props
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recent events: %w", err)
	}
	return out, nil
}
