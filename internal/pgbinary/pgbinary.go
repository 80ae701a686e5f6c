// Package pgbinary writes statement parameters in PostgreSQL's binary
// format, and runs a prepared statement with them, for the few statements
// whose parameters are large arrays (an event batch). pgx encodes an array
// element by element through interfaces, boxing each one (for a batch of
// 500 events, a third of the server's CPU); here each array is one buffer
// appended to in place.
package pgbinary

import (
	"encoding/binary"
	"math"
	"time"
)

// Type OIDs of the elements and scalars written here (pg_type.dat).
const (
	BoolOID        = 16
	TextOID        = 25
	UUIDOID        = 2950
	TimestamptzOID = 1184
	JSONBOID       = 3802

	BoolArrayOID        = 1000
	TextArrayOID        = 1009
	TimestamptzArrayOID = 1185
	UUIDArrayOID        = 2951
	JSONBArrayOID       = 3807
)

// postgresEpoch is where PostgreSQL's timestamps count from.
var postgresEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Array is a one-dimensional array parameter being written: Add* one
// element each, then Bytes.
type Array struct {
	buf   []byte
	n     int32
	nulls bool
}

// headerSize is ndim, has-null flag, element type, then one dimension's
// length and lower bound, each an int32.
const headerSize = 20

// NewArray starts an array of elements of type elemOID; capacity is a
// hint of its final size in bytes, elements included.
func NewArray(elemOID uint32, capacity int) *Array {
	a := &Array{buf: make([]byte, headerSize, headerSize+capacity)}
	binary.BigEndian.PutUint32(a.buf[8:], elemOID)
	return a
}

func (a *Array) element(size int) []byte {
	a.n++
	a.buf = binary.BigEndian.AppendUint32(a.buf, uint32(size))
	return a.buf
}

// AddNull adds a NULL element.
func (a *Array) AddNull() {
	a.n++
	a.nulls = true
	a.buf = binary.BigEndian.AppendUint32(a.buf, math.MaxUint32) // length -1
}

// AddUUID adds a uuid.
func (a *Array) AddUUID(id [16]byte) { a.buf = append(a.element(16), id[:]...) }

// AddText adds a text (or any type whose binary form is its text: text,
// varchar).
func (a *Array) AddText(s string) { a.buf = append(a.element(len(s)), s...) }

// AddJSONB adds a jsonb from its JSON text: the binary form is a version
// byte, then the text.
func (a *Array) AddJSONB(doc []byte) { a.buf = append(append(a.element(len(doc)+1), 1), doc...) }

// AddTimestamptz adds a timestamptz, to the microsecond (PostgreSQL's
// precision, truncated as pgx does).
func (a *Array) AddTimestamptz(t time.Time) {
	a.buf = binary.BigEndian.AppendUint64(a.element(8), uint64(Microseconds(t)))
}

// AddBool adds a boolean.
func (a *Array) AddBool(b bool) {
	v := byte(0)
	if b {
		v = 1
	}
	a.buf = append(a.element(1), v)
}

// Bytes finishes the array and returns its binary form; the Array must not
// be added to afterwards. An array with no element has no dimension, as
// PostgreSQL writes '{}'.
func (a *Array) Bytes() []byte {
	if a.n == 0 {
		return a.buf[:12] // ndim 0, no null, the element type
	}
	binary.BigEndian.PutUint32(a.buf[0:], 1)
	if a.nulls {
		binary.BigEndian.PutUint32(a.buf[4:], 1)
	}
	binary.BigEndian.PutUint32(a.buf[12:], uint32(a.n))
	binary.BigEndian.PutUint32(a.buf[16:], 1)
	return a.buf
}

// Microseconds is t as PostgreSQL stores a timestamptz: microseconds since
// 2000-01-01 UTC, truncated.
func Microseconds(t time.Time) int64 {
	// Whole seconds and microseconds apart: t.Sub would saturate for
	// times over 292 years away.
	secs := t.Unix() - postgresEpoch.Unix()
	return secs*1_000_000 + int64(t.Nanosecond()/1000)
}

// UUID is a uuid scalar parameter.
func UUID(id [16]byte) []byte { return id[:] }

// Text is a text scalar parameter.
func Text(s string) []byte { return []byte(s) }

// Timestamptz is a timestamptz scalar parameter.
func Timestamptz(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(Microseconds(t)))
}
