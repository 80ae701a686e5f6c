package coalesce

import (
	"fmt"
	"math/bits"
	"strings"
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
