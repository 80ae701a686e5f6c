package onboarding

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

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
// unnest … ON CONFLICT DO NOTHING), on pgx with binary parameters: an id
// the organization already sent is left out. What the batch inserted is
// read from the batch: all of it, or the events whose ids the statement
// returns.
func (s *store) insertEvents(ctx context.Context, tx *database.Tx, orgID uuid.UUID, source string, received time.Time, batch []storedEvent) (insertedEvents, error) {
	n := len(batch)
	// pgtype.UUID, not uuid.UUID: pgx would send the latter through
	// driver.Valuer, as text. FlatArray spares pgx reflecting on the
	// slices it has no plan for.
	ids, users := make([]pgtype.UUID, n), make([]pgtype.UUID, n)
	names, props := make([]string, n), make([][]byte, n)
	sent, occurred := make([]time.Time, n), make([]time.Time, n)
	clamped := make([]bool, n)
	for i, e := range batch {
		ids[i], users[i] = pgtype.UUID{Bytes: e.ID, Valid: true}, pgtype.UUID{Bytes: e.UserID, Valid: e.UserID != uuid.Nil}
		names[i], props[i] = e.Name, e.Properties
		sent[i], occurred[i], clamped[i] = e.SentAt, e.OccurredAt, e.Clamped
	}
	in := insertedEvents{byName: map[string][]time.Time{}, byUser: map[uuid.UUID]map[string][]time.Time{}}
	// The ids come back only when some were already recorded: the usual
	// batch, all new, answers one row of a count.
	var count int
	var newIDs []pgtype.UUID
	err := tx.PGX(func(conn *pgx.Conn) error {
		return conn.QueryRow(ctx, `
			WITH inserted AS (
			    INSERT INTO onboarding_events (organization_id, id, name, source, user_id, sent_at, occurred_at, received_at, clamped, properties)
			    SELECT $1, e.id, e.name, $2, e.user_id, e.sent_at, e.occurred_at, $3, e.clamped, e.properties
			    FROM unnest($4::uuid[], $5::text[], $6::uuid[], $7::timestamptz[], $8::timestamptz[], $9::bool[], $10::jsonb[])
			      AS e(id, name, user_id, sent_at, occurred_at, clamped, properties)
			    ON CONFLICT (organization_id, id) DO NOTHING
			    RETURNING id
			)
			SELECT count(*), CASE WHEN count(*) < $11 THEN array_agg(id) END FROM inserted`,
			orgID, source, received, ids, names, users, sent, occurred,
			pgtype.FlatArray[bool](clamped), pgtype.FlatArray[[]byte](props), n).Scan(&count, &newIDs)
	})
	if err != nil {
		return insertedEvents{}, fmt.Errorf("insert events: %w", err)
	}
	if count == n {
		for _, e := range batch {
			in.add(e)
		}
		return in, nil
	}
	index := make(map[uuid.UUID]int, n)
	for i, e := range batch {
		index[e.ID] = i
	}
	for _, id := range newIDs {
		in.add(batch[index[id.Bytes]])
	}
	return in, nil
}

// add counts e as inserted, at its occurrence time as stored (UTC, to the
// microsecond, as pgx sends it).
func (in *insertedEvents) add(e storedEvent) {
	at := e.OccurredAt.UTC().Truncate(time.Microsecond)
	in.byName[e.Name] = append(in.byName[e.Name], at)
	if e.UserID != uuid.Nil {
		if in.byUser[e.UserID] == nil {
			in.byUser[e.UserID] = map[string][]time.Time{}
		}
		in.byUser[e.UserID][e.Name] = append(in.byUser[e.UserID][e.Name], at)
	}
	in.count++
}

// eventCounters are the organization's counters a batch moves: per name,
// how many it inserted and their first and last times, names sorted (a
// stable lock order).
type eventCounters struct {
	names         []string
	counts        []int64
	firsts, lasts []time.Time
}

func newEventCounters(inserted map[string][]time.Time) eventCounters {
	names := make([]string, 0, len(inserted))
	for name := range inserted {
		names = append(names, name)
	}
	slices.Sort(names)
	c := eventCounters{names: names, counts: make([]int64, len(names)), firsts: make([]time.Time, len(names)), lasts: make([]time.Time, len(names))}
	for i, name := range names {
		times := inserted[name]
		c.counts[i] = int64(len(times))
		c.firsts[i], c.lasts[i] = slices.MinFunc(times, time.Time.Compare), slices.MaxFunc(times, time.Time.Compare)
	}
	return c
}
