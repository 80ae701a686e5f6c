package onboarding

import (
	"bytes"
	"context"
	"encoding/json"
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
		latest, err := s.store.latestVersion(ctx, tx.SQL())
		if err != nil {
			return err
		}
		if latest > 0 {
			prev, err := s.store.version(ctx, tx.SQL(), latest)
			if err != nil {
				return err
			}
			same, err := sameSteps(prev.Steps, steps)
			if err != nil {
				return err
			}
			if same {
				return apperr.Conflict("draft_unchanged", fmt.Sprintf("the draft is the same as version %d", latest))
			}
		}
		def, err := s.store.activationDefinition(ctx, tx.SQL())
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
		v := &Version{Version: latest + 1, PublishedAt: s.now().UTC().Truncate(time.Microsecond), Steps: steps}
		if actor != uuid.Nil {
			v.PublishedBy = &actor
		}
		if err := s.store.insertVersion(ctx, tx, v); err != nil {
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

// sameSteps reports whether two lists of normalized steps publish the same
// thing, by their JSON: what a version stores, every field included.
func sameSteps(a, b []Step) (bool, error) {
	ja, err := json.Marshal(a)
	if err != nil {
		return false, fmt.Errorf("encode steps: %w", err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		return false, fmt.Errorf("encode steps: %w", err)
	}
	return bytes.Equal(ja, jb), nil
}

// Versions lists published versions, newest first.
func (s *Service) Versions(ctx context.Context, limit int, cursor string) (out []*Version, next string, err error) {
	before := int(^uint32(0) >> 1)
	if cursor != "" {
		if before, err = strconv.Atoi(cursor); err != nil || before < 1 {
			return nil, "", apperr.InvalidField("cursor", "is not a cursor this list returned")
		}
	}
	numbers, err := s.store.versionNumbers(ctx, before, limit+1)
	if err != nil {
		return nil, "", err
	}
	if len(numbers) > limit {
		numbers = numbers[:limit]
		next = strconv.Itoa(numbers[limit-1])
	}
	for _, n := range numbers {
		v, err := s.store.version(ctx, s.db.SQL(), n)
		if err != nil {
			return nil, "", err
		}
		out = append(out, v)
	}
	return out, next, nil
}
