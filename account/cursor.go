package account

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/apperr"
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

// page trims a query result fetched with limit+1 rows to limit and returns
// the cursor of the next page ("" on the last page).
func page[T any](rows []T, limit int, key func(T) (time.Time, uuid.UUID)) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, encodeCursor(key(rows[limit-1]))
}
