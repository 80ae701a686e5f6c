package onboarding

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// Version is an immutable published snapshot of the draft.
type Version struct {
	Version     int        `json:"version"`
	PublishedAt time.Time  `json:"published_at"`
	PublishedBy *uuid.UUID `json:"published_by"`
	Steps       []Step     `json:"steps"`
}

// step returns the version's step with key, if any.
func (v *Version) step(key string) (Step, bool) {
	for _, s := range v.Steps {
		if s.Key == key {
			return s, true
		}
	}
	return Step{}, false
}

// emptyVersion is what organizations see before anything is published.
var emptyVersion = &Version{Version: 0, Steps: []Step{}}

// Publish snapshots the draft as the next version. Organizations move to it
// on their next read or event.
func (s *Service) Publish(ctx context.Context, actor uuid.UUID) (*Version, error) {
	var published *Version
	err := s.editDraft(ctx, func(tx *database.Tx, draft []DraftStep) error {
		if len(draft) == 0 {
			return apperr.Conflict("draft_empty", "the draft has no steps to publish")
		}
		steps := make([]Step, len(draft))
		for i, d := range draft {
			steps[i] = d.Step
			steps[i].Position = i + 1
		}
		latest, err := latestVersion(ctx, tx.SQL())
		if err != nil {
			return err
		}
		if latest > 0 {
			prev, err := s.loadVersion(ctx, tx.SQL(), latest)
			if err != nil {
				return err
			}
			a, _ := json.Marshal(prev.Steps)
			b, _ := json.Marshal(steps)
			if bytes.Equal(a, b) {
				return apperr.Conflict("draft_unchanged", fmt.Sprintf("the draft is the same as version %d", latest))
			}
		}
		def, err := activationDefinition(ctx, tx.SQL())
		if err != nil {
			return err
		}
		var missing []string
		for _, k := range def.RequiredSteps {
			if findStep(draft, k) < 0 {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			return apperr.Conflict("activation_step_removed", fmt.Sprintf(
				"the activation definition requires %s, which the draft no longer has: change the definition first", strings.Join(missing, ", ")))
		}
		body, _ := json.Marshal(steps)
		v := &Version{Version: latest + 1, PublishedAt: s.now().UTC().Truncate(time.Microsecond), Steps: steps}
		if actor != uuid.Nil {
			v.PublishedBy = &actor
		}
		if _, err := tx.SQL().ExecContext(ctx, `
			INSERT INTO onboarding_versions (version, steps, published_at, published_by) VALUES ($1, $2, $3, $4)`,
			v.Version, body, v.PublishedAt, nullID(actor)); err != nil {
			return err
		}
		published = v
		return s.audit(ctx, tx, actor, "version.publish", "version:"+strconv.Itoa(v.Version), nil, v)
	})
	if err != nil {
		return nil, wrap("publish version", err)
	}
	return published, nil
}

// Versions lists published versions, newest first.
func (s *Service) Versions(ctx context.Context, limit int, cursor string) (out []*Version, next string, err error) {
	before := int(^uint32(0) >> 1)
	if cursor != "" {
		if before, err = strconv.Atoi(cursor); err != nil || before < 1 {
			return nil, "", apperr.InvalidField("cursor", "is not a cursor this list returned")
		}
	}
	rows, err := s.db.SQL().QueryContext(ctx, `
		SELECT version FROM onboarding_versions WHERE version < $1 ORDER BY version DESC LIMIT $2`, before, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list versions: %w", err)
	}
	var numbers []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, "", fmt.Errorf("list versions: %w", err)
		}
		numbers = append(numbers, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list versions: %w", err)
	}
	if len(numbers) > limit {
		numbers = numbers[:limit]
		next = strconv.Itoa(numbers[limit-1])
	}
	for _, n := range numbers {
		v, err := s.loadVersion(ctx, s.db.SQL(), n)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	return out, next, nil
}

func latestVersion(ctx context.Context, db database.Querier) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM onboarding_versions`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("latest version: %w", err)
	}
	return n, nil
}

// loadVersion returns version n, from the cache when it has been read once:
// versions never change.
func (s *Service) loadVersion(ctx context.Context, db database.Querier, n int) (*Version, error) {
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
	err := db.QueryRowContext(ctx, `SELECT steps, published_at, published_by FROM onboarding_versions WHERE version = $1`, n).
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
