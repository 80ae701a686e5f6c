package coalesce

import (
	"strconv"
	"strings"
	"testing"
)

func TestStatementsPadToAPowerOfTwo(t *testing.T) {
	s := NewStatements(8, []string{"uuid", "bool"}, func(values string) string { return "SELECT * FROM (VALUES " + values + ") AS q(a, b, i)" })
	for _, c := range []struct{ n, rows int }{{1, 1}, {2, 2}, {3, 4}, {4, 4}, {5, 8}, {8, 8}} {
		text, rows, err := s.For(c.n)
		if err != nil || rows != c.rows {
			t.Fatalf("For(%d) = %d rows, %v; want %d", c.n, rows, err, c.rows)
		}
		if got := strings.Count(text, "::uuid"); got != c.rows {
			t.Fatalf("For(%d): %d rows of parameters in %q", c.n, got, text)
		}
		last := "$" + strconv.Itoa(2*c.rows) + "::bool, " + strconv.Itoa(c.rows) + ")"
		if !strings.Contains(text, last) {
			t.Fatalf("For(%d): last row is not %q: %q", c.n, last, text)
		}
	}
	if _, _, err := s.For(9); err == nil {
		t.Fatal("For(9) of a set written up to 8 rows did not fail")
	}
}
