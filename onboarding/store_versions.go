package onboarding

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
)

// latestVersion is the number of the latest published version, 0 before
// the first.
func (s *store) latestVersion(ctx context.Context, q database.Querier) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM onboarding_versions`).Scan(&n); err != nil {
		return 0, fmt.Errorf("latest version: %w", err)
	}
	return n, nil
}

// version returns published version n (0: the empty one), from the cache
// once it has been read: versions never change.
func (s *store) version(ctx context.Context, q database.Querier, n int) (*Version, error) {
	if n == 0 {
		return emptyVersion, nil
	}
	s.versionsMu.RLock()
	v, ok := s.versions[n]
	s.versionsMu.RUnlock()
	if ok {
		return v, nil
	}
	v = &Version{Version: n}
	var body []byte
	var by uuid.NullUUID
	err := q.QueryRowContext(ctx, `SELECT steps, published_at, published_by FROM onboarding_versions WHERE version = $1`, n).
		Scan(&body, &v.PublishedAt, &by)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("version %d does not exist", n)
	}
	if err != nil {
		return nil, fmt.Errorf("load version %d: %w", n, err)
	}
	if err := json.Unmarshal(body, &v.Steps); err != nil {
		return nil, fmt.Errorf("decode version %d: %w", n, err)
	}
	for i := range v.Steps {
		v.Steps[i].normalize()
	}
	if by.Valid {
		v.PublishedBy = &by.UUID
	}
	v.PublishedAt = v.PublishedAt.UTC()
	s.versionsMu.Lock()
	s.versions[n] = v
	s.versionsMu.Unlock()
	return v, nil
}

// insertVersion stores a newly published version.
func (s *store) insertVersion(ctx context.Context, tx *database.Tx, v *Version) error {
	body, err := json.Marshal(v.Steps)
	if err != nil {
		return fmt.Errorf("encode version %d: %w", v.Version, err)
	}
	var by uuid.UUID
	if v.PublishedBy != nil {
		by = *v.PublishedBy
	}
	if _, err := tx.SQL().ExecContext(ctx, `
		INSERT INTO onboarding_versions (version, steps, published_at, published_by) VALUES ($1, $2, $3, $4)`,
		v.Version, body, v.PublishedAt, nullID(by)); err != nil {
		return fmt.Errorf("insert version %d: %w", v.Version, err)
	}
	return nil
}

// versionNumbers lists up to limit version numbers below before, newest
// first.
func (s *store) versionNumbers(ctx context.Context, before, limit int) ([]int, error) {
	rows, err := s.db.SQL().QueryContext(ctx, `
		SELECT version FROM onboarding_versions WHERE version < $1 ORDER BY version DESC LIMIT $2`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	defer rows.Close()
	var numbers []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("list versions: %w", err)
		}
		numbers = append(numbers, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	return numbers, nil
}
