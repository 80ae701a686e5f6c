package onboarding

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/pgbinary"
)

// insertedEvents is what a batch actually recorded (duplicates left out):
// occurrence times by name, and by member and name for events of a person.
type insertedEvents struct {
	byName map[string][]time.Time
	byUser map[uuid.UUID]map[string][]time.Time
	count  int
}

// insertEventsStatement inserts a batch in one statement, the same
// INSERT … SELECT FROM unnest … ON CONFLICT DO NOTHING as a bare insert
// would: how many rows it inserted is in its command tag, so the usual
// batch, all new, needs nothing back (RETURNING and its aggregate cost a
// tenth of the statement).
var insertEventsStatement = pgbinary.Statement{
	Name: "onboarding_insert_events",
	SQL: `
		INSERT INTO onboarding_events (organization_id, id, name, source, user_id, sent_at, occurred_at, received_at, clamped, properties)
		SELECT $1, e.id, e.name, $2, e.user_id, e.sent_at, e.occurred_at, $3, e.clamped, e.properties
		FROM unnest($4::uuid[], $5::text[], $6::uuid[], $7::timestamptz[], $8::timestamptz[], $9::bool[], $10::jsonb[])
		  AS e(id, name, user_id, sent_at, occurred_at, clamped, properties)
		ON CONFLICT (organization_id, id) DO NOTHING`,
	ParamOIDs: []uint32{pgbinary.UUIDOID, pgbinary.TextOID, pgbinary.TimestamptzOID, pgbinary.UUIDArrayOID, pgbinary.TextArrayOID,
		pgbinary.UUIDArrayOID, pgbinary.TimestamptzArrayOID, pgbinary.TimestamptzArrayOID, pgbinary.BoolArrayOID,
		pgbinary.JSONBArrayOID},
}

// insertedByThisTransaction names, among ids, the events of the
// organization this transaction inserted: after a batch that held
// duplicates, the new ones. No other statement of an ingest transaction
// inserts client ids, and server events get fresh ones.
var insertedByThisTransaction = pgbinary.Statement{
	Name: "onboarding_events_inserted_by_this_transaction",
	SQL: `
		SELECT coalesce(array_agg(id), '{}') FROM onboarding_events
		WHERE organization_id = $1 AND id = ANY($2::uuid[]) AND xmin = pg_current_xact_id()::xid`,
	ParamOIDs: []uint32{pgbinary.UUIDOID, pgbinary.UUIDArrayOID},
}

// insertEvents inserts the batch (insertEventsStatement), its arrays
// written in binary in one buffer each: an id the organization already
// sent is left out. What the batch inserted is read from the batch: all of
// it, or the events insertedByThisTransaction names.
func (s *store) insertEvents(ctx context.Context, tx *database.Tx, orgID uuid.UUID, source string, received time.Time, batch []storedEvent) (insertedEvents, error) {
	n := len(batch)
	ids, users := pgbinary.NewArray(pgbinary.UUIDOID, n*20), pgbinary.NewArray(pgbinary.UUIDOID, n*20)
	names := pgbinary.NewArray(pgbinary.TextOID, n*24)
	sent, occurred := pgbinary.NewArray(pgbinary.TimestamptzOID, n*12), pgbinary.NewArray(pgbinary.TimestamptzOID, n*12)
	clamped := pgbinary.NewArray(pgbinary.BoolOID, n*5)
	props := pgbinary.NewArray(pgbinary.JSONBOID, n*8)
	for _, e := range batch {
		ids.AddUUID(e.ID)
		if e.UserID == uuid.Nil {
			users.AddNull()
		} else {
			users.AddUUID(e.UserID)
		}
		names.AddText(e.Name)
		sent.AddTimestamptz(e.SentAt)
		occurred.AddTimestamptz(e.OccurredAt)
		clamped.AddBool(e.Clamped)
		props.AddJSONB(e.Properties)
	}
	var newIDs []uuid.UUID
	all := false
	err := tx.PGX(func(conn *pgx.Conn) error {
		rr, err := insertEventsStatement.Query(ctx, conn, pgbinary.UUID(orgID), pgbinary.Text(source), pgbinary.Timestamptz(received),
			ids.Bytes(), names.Bytes(), users.Bytes(), sent.Bytes(), occurred.Bytes(), clamped.Bytes(), props.Bytes())
		if err != nil {
			return err
		}
		tag, err := rr.Close()
		if err != nil {
			return err
		}
		if all = tag.RowsAffected() == int64(n); all {
			return nil
		}
		rr, err = insertedByThisTransaction.Query(ctx, conn, pgbinary.UUID(orgID), ids.Bytes())
		if err != nil {
			return err
		}
		for rr.NextRow() {
			if err := pgbinary.Scan(conn, rr.FieldDescriptions()[0].DataTypeOID, rr.Values()[0], &newIDs); err != nil {
				rr.Close()
				return err
			}
		}
		_, err = rr.Close()
		return err
	})
	if err != nil {
		return insertedEvents{}, fmt.Errorf("insert events: %w", err)
	}
	in := insertedEvents{byName: map[string][]time.Time{}, byUser: map[uuid.UUID]map[string][]time.Time{}}
	if all {
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
		in.add(batch[index[id]])
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
