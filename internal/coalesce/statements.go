package coalesce

import (
	"context"
	"fmt"
	"math/bits"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Statements is one batch query written for 1, 2, 4, … MaxBatch lookups:
// a batch is padded up to the next size. Each lookup is a row of scalar
// parameters in a VALUES list, rather than arrays to unnest, because with
// the row count fixed by the statement text PostgreSQL's plan for the
// prepared statement costs the same whatever the values: it settles on one
// generic plan and reuses it. With arrays of varying length it planned the
// query again at every execution, which cost more than running it.
type Statements struct {
	texts []string
	cols  int
}

// NewStatements writes query for every size up to maxRows. Each row of the
// VALUES list holds one placeholder per entry of types (a cast such as
// "uuid"), then the row's 1-based position, so the results can be matched
// to their lookups; query receives the list and returns the statement,
// e.g. "SELECT … FROM (VALUES " + values + ") AS q(org, usr, i) JOIN …".
// Padding rows are all NULL, so query must skip them (a WHERE on a column,
// or a JOIN that a NULL never matches).
func NewStatements(maxRows int, types []string, query func(values string) string) Statements {
	s := Statements{cols: len(types)}
	for n := 1; ; n *= 2 {
		var rows strings.Builder
		for i := range n {
			if i > 0 {
				rows.WriteString(", ")
			}
			rows.WriteByte('(')
			for c, typ := range types {
				fmt.Fprintf(&rows, "$%d::%s, ", i*len(types)+c+1, typ)
			}
			fmt.Fprintf(&rows, "%d)", i+1)
		}
		s.texts = append(s.texts, query(rows.String()))
		if n >= maxRows {
			return s
		}
	}
}

// For returns the statement for n lookups and how many rows of parameters
// it takes (n padded up to a size it was written for).
func (s Statements) For(n int) (text string, rows int, err error) {
	size := bits.Len(uint(max(n, 1) - 1)) // texts[size] has 1<<size rows
	if size >= len(s.texts) {
		return "", 0, fmt.Errorf("%d lookups in one query, at most %d", n, 1<<(len(s.texts)-1))
	}
	return s.texts[size], 1 << size, nil
}

// QueryRows runs one of the statements on pool and returns one answer per
// lookup, matched by position: each row starts with its lookup's 1-based
// position (the last column of the VALUES list), then the columns that
// fields points into. fields is called once per row that exists, on that
// lookup's answer; a lookup without a row keeps the zero value.
func QueryRows[A any](ctx context.Context, pool *pgxpool.Pool, query string, args []any, lookups int, fields func(a *A) []any) ([]A, error) {
	rows, err := pool.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]A, lookups)
	var i int32
	for rows.Next() {
		var a A
		if err := rows.Scan(append([]any{&i}, fields(&a)...)...); err != nil {
			return nil, err
		}
		if i < 1 || int(i) > lookups {
			return nil, fmt.Errorf("row for position %d of %d", i, lookups)
		}
		out[i-1] = a
	}
	return out, rows.Err()
}
