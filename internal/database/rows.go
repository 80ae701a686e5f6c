package database

import "database/sql"

// Collect reads every row of rows with scan (given the row's Scan) and
// closes them: the loop every list read otherwise writes again. It
// returns an empty slice, never nil, for no rows.
func Collect[T any](rows *sql.Rows, scan func(scan func(dest ...any) error) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
