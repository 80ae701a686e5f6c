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

// insertEventIDsStatement records a batch's ids, the dedup key that
// outlives the raw events (migration 00020): how many were new is in its
// command tag, so the usual batch, all new, needs nothing back.
var insertEventIDsStatement = pgbinary.Statement{
	Name: "onboarding_insert_event_ids",
	SQL: `
		INSERT INTO onboarding_event_ids (organization_id, id) SELECT $1, unnest($2::uuid[])
		ON CONFLICT (organization_id, id) DO NOTHING`,
	ParamOIDs: []uint32{pgbinary.UUIDOID, pgbinary.UUIDArrayOID},
}

// insertEventsStatement inserts the new events of a batch in one statement,
// INSERT … SELECT FROM unnest, into the partition of the month received.
var insertEventsStatement = pgbinary.Statement{
	Name: "onboarding_insert_events",
	SQL: `
		INSERT INTO onboarding_events (organization_id, id, name, source, user_id, sent_at, occurred_at, received_at, clamped, properties)
		SELECT $1, e.id, e.name, $2, e.user_id, e.sent_at, e.occurred_at, $3, e.clamped, e.properties
		FROM unnest($4::uuid[], $5::text[], $6::uuid[], $7::timestamptz[], $8::timestamptz[], $9::bool[], $10::jsonb[])
		  AS e(id, name, user_id, sent_at, occurred_at, clamped, properties)`,
	ParamOIDs: []uint32{pgbinary.UUIDOID, pgbinary.TextOID, pgbinary.TimestamptzOID, pgbinary.UUIDArrayOID, pgbinary.TextArrayOID,
		pgbinary.UUIDArrayOID, pgbinary.TimestamptzArrayOID, pgbinary.TimestamptzArrayOID, pgbinary.BoolArrayOID,
		pgbinary.JSONBArrayOID},
}

// insertedByThisTransaction names, among ids, those of the organization
// this transaction recorded: after a batch that held duplicates, the new
// ones. No other statement of an ingest transaction records client ids,
// and server events get fresh ones.
var insertedByThisTransaction = pgbinary.Statement{
	Name: "onboarding_events_inserted_by_this_transaction",
	SQL: `
		SELECT coalesce(array_agg(id), '{}') FROM onboarding_event_ids
		WHERE organization_id = $1 AND id = ANY($2::uuid[]) AND xmin = pg_current_xact_id()::xid`,
	ParamOIDs: []uint32{pgbinary.UUIDOID, pgbinary.UUIDArrayOID},
}

// insertEvents records the batch's ids (insertEventIDsStatement) and
// inserts the events whose id was new (insertEventsStatement), arrays
// written in binary in one buffer each: an id the organization already
// sent, even an event since pruned, is left out. What the batch inserted
// is all of it, or the events insertedByThisTransaction names.
func (s *store) insertEvents(ctx context.Context, tx *database.Tx, orgID uuid.UUID, source string, received time.Time, batch []storedEvent) (insertedEvents, error) {
	if err := s.partitionFor(ctx, tx, received); err != nil {
		return insertedEvents{}, err
	}
	n := len(batch)
	ids := eventIDs(batch)
	fresh, freshIDs := batch, ids
	err := tx.PGX(func(conn *pgx.Conn) error {
		rr, err := insertEventIDsStatement.Query(ctx, conn, pgbinary.UUID(orgID), ids.Bytes())
		if err != nil {
			return err
		}
		tag, err := rr.Close()
		if err != nil {
			return err
		}
		switch tag.RowsAffected() {
		case int64(n):
		case 0:
			fresh = nil
			return nil
		default:
			if fresh, err = recordedByThisTransaction(ctx, conn, orgID, ids, batch); err != nil {
				return err
			}
			freshIDs = eventIDs(fresh)
		}
		return writeEvents(ctx, conn, orgID, source, received, fresh, freshIDs)
	})
	if err != nil {
		return insertedEvents{}, fmt.Errorf("insert events: %w", err)
	}
	in := insertedEvents{byName: map[string][]time.Time{}, byUser: map[uuid.UUID]map[string][]time.Time{}}
	for _, e := range fresh {
		in.add(e)
	}
	return in, nil
}

// recordedByThisTransaction keeps, of batch, the events whose ids this
// transaction recorded.
func recordedByThisTransaction(ctx context.Context, conn *pgx.Conn, orgID uuid.UUID, ids *pgbinary.Array, batch []storedEvent) ([]storedEvent, error) {
	rr, err := insertedByThisTransaction.Query(ctx, conn, pgbinary.UUID(orgID), ids.Bytes())
	if err != nil {
		return nil, err
	}
	var newIDs []uuid.UUID
	for rr.NextRow() {
		if err := pgbinary.Scan(conn, rr.FieldDescriptions()[0].DataTypeOID, rr.Values()[0], &newIDs); err != nil {
			rr.Close()
			return nil, err
		}
	}
	if _, err := rr.Close(); err != nil {
		return nil, err
	}
	recorded := make(map[uuid.UUID]bool, len(newIDs))
	for _, id := range newIDs {
		recorded[id] = true
	}
	var out []storedEvent
	for _, e := range batch {
		if recorded[e.ID] {
			out = append(out, e)
		}
	}
	return out, nil
}

// eventIDs is the ids of events, as an array parameter.
func eventIDs(events []storedEvent) *pgbinary.Array {
	ids := pgbinary.NewArray(pgbinary.UUIDOID, len(events)*20)
	for _, e := range events {
		ids.AddUUID(e.ID)
	}
	return ids
}

// writeEvents inserts events (insertEventsStatement); ids is
// eventIDs(events), which the caller has already written.
func writeEvents(ctx context.Context, conn *pgx.Conn, orgID uuid.UUID, source string, received time.Time, events []storedEvent, ids *pgbinary.Array) error {
	n := len(events)
	users := pgbinary.NewArray(pgbinary.UUIDOID, n*20)
	names := pgbinary.NewArray(pgbinary.TextOID, n*24)
	sent, occurred := pgbinary.NewArray(pgbinary.TimestamptzOID, n*12), pgbinary.NewArray(pgbinary.TimestamptzOID, n*12)
	clamped := pgbinary.NewArray(pgbinary.BoolOID, n*5)
	props := pgbinary.NewArray(pgbinary.JSONBOID, n*8)
	for _, e := range events {
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
	rr, err := insertEventsStatement.Query(ctx, conn, pgbinary.UUID(orgID), pgbinary.Text(source), pgbinary.Timestamptz(received),
		ids.Bytes(), names.Bytes(), users.Bytes(), sent.Bytes(), occurred.Bytes(), clamped.Bytes(), props.Bytes())
	if err != nil {
		return err
	}
	_, err = rr.Close()
	return err
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
