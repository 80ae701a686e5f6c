package pgbinary_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/onramp/onramp/internal/pgbinary"
	"github.com/onramp/onramp/internal/testing/dbtest"
)

func connect(t *testing.T) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// text runs st and returns its single row's columns as PostgreSQL prints
// them: what it received, without going through this package's decoding.
func text(t *testing.T, conn *pgx.Conn, st pgbinary.Statement, params ...[]byte) []string {
	t.Helper()
	rr, err := st.Query(context.Background(), conn, params...)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rr.NextRow() {
		for _, v := range rr.Values() {
			out = append(out, string(v))
		}
	}
	if _, err := rr.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Every element type PostgreSQL reads as it was written, NULLs and
// microseconds included, and an empty array is '{}'.
func TestArraysArriveAsWritten(t *testing.T) {
	conn := connect(t)
	if _, err := conn.Exec(context.Background(), `SET TIME ZONE 'UTC'`); err != nil {
		t.Fatal(err)
	}
	st := pgbinary.Statement{
		Name: "pgbinary_test_arrays",
		// ::text of each array: the result is text, whatever the format.
		SQL: `SELECT $1::uuid[]::text, $2::text[]::text, $3::timestamptz[]::text, $4::bool[]::text, $5::jsonb[]::text,
		             $6::uuid[]::text, $7::uuid::text, $8::text, $9::timestamptz::text`,
		ParamOIDs: []uint32{pgbinary.UUIDArrayOID, pgbinary.TextArrayOID, pgbinary.TimestamptzArrayOID, pgbinary.BoolArrayOID,
			pgbinary.JSONBArrayOID, pgbinary.UUIDArrayOID, pgbinary.UUIDOID, pgbinary.TextOID, pgbinary.TimestamptzOID},
	}
	id := uuid.MustParse("0b7e3f3c-58a4-4f7b-9d8e-6c1a2b3c4d5e")
	ids := pgbinary.NewArray(pgbinary.UUIDOID, 0)
	ids.AddUUID(id)
	ids.AddNull()
	names := pgbinary.NewArray(pgbinary.TextOID, 0)
	names.AddText("session_booked")
	names.AddText("été, \"quoted\"")
	times := pgbinary.NewArray(pgbinary.TimestamptzOID, 0)
	times.AddTimestamptz(time.Date(2026, 12, 1, 15, 4, 5, 123456789, time.FixedZone("CET", 3600)))
	times.AddTimestamptz(time.Date(1999, 12, 31, 23, 59, 59, 999_999_000, time.UTC))
	bools := pgbinary.NewArray(pgbinary.BoolOID, 0)
	bools.AddBool(true)
	bools.AddBool(false)
	docs := pgbinary.NewArray(pgbinary.JSONBOID, 0)
	docs.AddJSONB([]byte(`{"b": 2, "a": [1, "x"]}`))
	docs.AddJSONB([]byte(`{}`))
	empty := pgbinary.NewArray(pgbinary.UUIDOID, 0)

	got := text(t, conn, st, ids.Bytes(), names.Bytes(), times.Bytes(), bools.Bytes(), docs.Bytes(),
		empty.Bytes(), pgbinary.UUID(id), pgbinary.Text("bonjour"),
		pgbinary.Timestamptz(time.Date(2026, 12, 1, 14, 4, 5, 123456000, time.UTC)))
	want := []string{
		"{0b7e3f3c-58a4-4f7b-9d8e-6c1a2b3c4d5e,NULL}",
		`{session_booked,"été, \"quoted\""}`,
		`{"2026-12-01 14:04:05.123456+00","1999-12-31 23:59:59.999999+00"}`,
		"{t,f}",
		`{"{\"a\": [1, \"x\"], \"b\": 2}","{}"}`,
		"{}",
		"0b7e3f3c-58a4-4f7b-9d8e-6c1a2b3c4d5e",
		"bonjour",
		"2026-12-01 14:04:05.123456+00",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("PostgreSQL read:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A statement whose casts infer other types than the ones written is
// refused before any bytes are sent as the wrong type.
func TestMismatchedTypesAreRefused(t *testing.T) {
	conn := connect(t)
	st := pgbinary.Statement{Name: "pgbinary_test_mismatch", SQL: `SELECT $1::text[]`, ParamOIDs: []uint32{pgbinary.UUIDArrayOID}}
	a := pgbinary.NewArray(pgbinary.UUIDOID, 0)
	a.AddUUID(uuid.New())
	_, err := st.Query(context.Background(), conn, a.Bytes())
	if err == nil || !strings.Contains(err.Error(), "parameter types") {
		t.Fatalf("err = %v, want a parameter type mismatch", err)
	}
	// The connection is still usable.
	var one int
	if err := conn.QueryRow(context.Background(), `SELECT 1`).Scan(&one); err != nil || one != 1 {
		t.Fatalf("connection after the refusal: %v", err)
	}
}
