package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/onramp/onramp/internal/auth"
)

const batchSize = 500

// batchNames are a member's own events: session_booked counts for the
// member step first_session_booked, so every batch moves their counters,
// progress and retention week.
var batchNames = []string{"app_opened", "page_viewed", "session_booked", "session_booked", "app_opened"}

// batch is one member's 500 new events, timestamped over the last 500
// seconds.
type batch struct {
	ids   []uuid.UUID
	names []string
	times []time.Time
}

func newBatch() batch {
	b := batch{ids: make([]uuid.UUID, batchSize), names: make([]string, batchSize), times: make([]time.Time, batchSize)}
	now := time.Now().UTC()
	for k := range batchSize {
		b.ids[k], b.names[k], b.times[k] = uuid.New(), batchNames[k%len(batchNames)], now.Add(-time.Duration(k)*time.Second)
	}
	return b
}

// json is the batch as POST /v1/events takes it, appended byte by byte:
// this program shares the machine with the server, and encoding 500 maps
// through reflection cost it more CPU per batch than the raw insert's
// whole client side. Names, ids and times need no escaping.
func (b batch) json() []byte {
	out := make([]byte, 0, batchSize*112)
	out = append(out, `{"events":[`...)
	for k := range batchSize {
		if k > 0 {
			out = append(out, ',')
		}
		out = append(out, `{"id":"`...)
		out = append(out, b.ids[k].String()...)
		out = append(out, `","name":"`...)
		out = append(out, b.names[k]...)
		out = append(out, `","timestamp":"`...)
		out = b.times[k].AppendFormat(out, time.RFC3339Nano)
		out = append(out, `"}`...)
	}
	return append(out, "]}"...)
}

// rawIDs and rawInsert are what POST /v1/events writes
// (onboarding/store_events.go) for a batch of new events: their ids (the
// dedup key), then the events, with the same columns and values, in
// natively typed arrays, without anything else the service does per batch.
// Both go in one round trip, one implicit transaction (a pgx batch).
const (
	rawIDs = `
	INSERT INTO onboarding_event_ids (organization_id, id) SELECT $1, unnest($2::uuid[])
	ON CONFLICT (organization_id, id) DO NOTHING`
	rawInsert = `
	INSERT INTO onboarding_events (organization_id, id, name, source, user_id, sent_at, occurred_at, received_at, clamped, properties)
	SELECT $1, e.id, e.name, 'client', e.user_id, e.sent_at, e.occurred_at, $2, e.clamped, e.properties
	FROM unnest($3::uuid[], $4::text[], $5::uuid[], $6::timestamptz[], $7::timestamptz[], $8::bool[], $9::jsonb[])
	  AS e(id, name, user_id, sent_at, occurred_at, clamped, properties)`
)

// events alternates POST /v1/events with the raw pgx insert of the same
// batches, each batch one random member's, from -clients clients each.
// The raw batches commit, as the service's do (a rolled-back batch skips
// the commit's WAL flush and flatters the baseline), into the same table
// and indexes: they are events no counter counts, which only the raw
// event total of later runs shows.
func (b *bench) events(ctx context.Context, members []auth.Principal, o options) error {
	tokens, err := b.mint(members)
	if err != nil {
		return err
	}
	cfg, err := pgxpool.ParseConfig(b.pool.Config().ConnString())
	if err != nil {
		return err
	}
	cfg.MaxConns = int32(o.clients)
	cfg.ConnConfig.RuntimeParams["application_name"] = "bench-raw-insert" // tells its backends apart (pg_stat_activity, profiles)
	raw, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer raw.Close()
	post := func(int) (*http.Request, error) {
		req, err := http.NewRequest("POST", b.base+"/v1/events", bytes.NewReader(newBatch().json()))
		req.Header.Set("Authorization", "Bearer "+tokens[rand.IntN(len(tokens))])
		req.Header.Set("Content-Type", "application/json")
		return req, err
	}
	insert := func(int) error {
		bt, m := newBatch(), members[rand.IntN(len(members))]
		users, clamped, props := make([]uuid.UUID, batchSize), make([]bool, batchSize), make([]string, batchSize)
		for k := range batchSize {
			users[k], props[k] = m.UserID, "{}"
		}
		batch := &pgx.Batch{}
		batch.Queue(rawIDs, m.OrgID, bt.ids)
		batch.Queue(rawInsert, m.OrgID, time.Now().UTC(), bt.ids, bt.names, users, bt.times, bt.times, clamped, props)
		return raw.SendBatch(ctx, batch).Close()
	}
	targets := []target{
		{name: fmt.Sprintf("POST /v1/events (%d/batch)", batchSize), conns: o.clients, do: b.httpDo(post, 202)},
		{name: "raw pgx insert, same batches", conns: o.clients, do: insert},
	}
	results := b.alternate(o.rounds, o.duration, targets)
	for k, r := range results {
		fmt.Printf("%-36s %s\n", targets[k].name, r)
	}
	service, baseline := batchSize*results[0].rate(), batchSize*results[1].rate()
	fmt.Printf("events/s: service %.0f, raw pgx %.0f, ratio %.2f  (target >= 0.75)\n\n", service, baseline, service/baseline)
	return nil
}
