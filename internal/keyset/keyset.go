// Package keyset pages through lists ordered by (time, id), as every list
// endpoint does: an opaque cursor names the last row of a page, and the next
// page starts after it, so rows inserted meanwhile never shift a page.
package keyset

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/onramp/onramp/internal/apperr"
)

// cursor is a position in a list ordered by (time, id). Clients get it
// base64-encoded and must treat it as opaque.
type cursor struct {
	T  time.Time `json:"t"`
	ID uuid.UUID `json:"id"`
}

func encodeCursor(t time.Time, id uuid.UUID) string {
	b, _ := json.Marshal(cursor{T: t, ID: id}) // cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor; "" is the start of the list (nil).
func decodeCursor(s string) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == uuid.Nil {
		return nil, apperr.InvalidField("cursor", "is not a cursor returned by this API")
	}
	return &c, nil
}

// Page runs q for the page after the cursor `after`: keyset compares
// the ordering columns with the cursor (e.g. "(created_at, id) < (?, ?)")
// and order sorts by the same columns; key gives a row's position. One row
// more than limit is fetched to know whether another page follows.
func Page[T any](q *gorm.DB, after string, limit int, keyset, order string, key func(T) (time.Time, uuid.UUID)) ([]T, string, error) {
	cur, err := decodeCursor(after)
	if err != nil {
		return nil, "", err
	}
	if cur != nil {
		q = q.Where(keyset, cur.T, cur.ID)
	}
	var rows []T
	if err := q.Order(order).Limit(limit + 1).Find(&rows).Error; err != nil {
		return nil, "", err
	}
	if len(rows) <= limit {
		return rows, "", nil
	}
	rows = rows[:limit]
	return rows, encodeCursor(key(rows[limit-1])), nil
}
