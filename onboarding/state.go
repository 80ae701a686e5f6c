package onboarding

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
)

// How a step got completed.
const (
	doneManually = "manual"
	doneByEvents = "event"
)

// stepProgress is one organization's progress on one step key. It survives
// version changes: a key that stays in the next version keeps it.
type stepProgress struct {
	Count       int64      `json:"count"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
	CompletedBy *uuid.UUID `json:"completed_by,omitempty"`
	How         string     `json:"how,omitempty"`
	SkippedAt   *time.Time `json:"skipped_at,omitempty"`
	SkippedBy   *uuid.UUID `json:"skipped_by,omitempty"`
}

// orgState is an organization's onboarding row, locked for a change.
type orgState struct {
	orgID             uuid.UUID
	signedUpAt        time.Time
	version           *Version
	progress          map[string]*stepProgress
	checkoutStartedAt *time.Time
	paidAt            *time.Time
	activatedAt       *time.Time

	def            Definition
	newlyActivated bool
}

func (st *orgState) step(key string) *stepProgress {
	p, ok := st.progress[key]
	if !ok {
		p = &stepProgress{}
		st.progress[key] = p
	}
	return p
}

// withState runs fn with the organization's onboarding row locked and
// brought up to the latest version, then evaluates activation and saves the
// row, all in tx.
func (s *Service) withState(ctx context.Context, tx *database.Tx, orgID uuid.UUID, fn func(st *orgState) error) (*orgState, error) {
	st, err := s.lockState(ctx, tx, orgID)
	if err != nil {
		return nil, err
	}
	if err := fn(st); err != nil {
		return nil, err
	}
	if st.evaluateActivation() {
		if err := s.recordActivation(ctx, tx, st); err != nil {
			return nil, err
		}
	}
	return st, s.saveState(ctx, tx, st)
}

// lockState locks and loads the organization's row, the activation
// definition, and upgrades the organization to the latest version. The
// definition and the latest version are read after the lock is held, so a
// definition changed meanwhile is seen.
func (s *Service) lockState(ctx context.Context, tx *database.Tx, orgID uuid.UUID) (*orgState, error) {
	st := &orgState{orgID: orgID}
	// The organization row first, as accounts and billing lock it before
	// they record events: the same order everywhere, so an event batch and
	// an invitation or a webhook of the same organization queue up instead
	// of deadlocking (inserting events needs a key-share lock on it anyway).
	if err := tx.LockOrganization(ctx, orgID); errors.Is(err, database.ErrNoOrganization) {
		return nil, apperr.NotFound("organization")
	} else if err != nil {
		return nil, err
	}
	var version int
	var progress []byte
	var checkout, paid, activated sql.NullTime
	err := tx.SQL().QueryRowContext(ctx, `
		SELECT signed_up_at, version, progress, checkout_started_at, paid_at, activated_at
		FROM onboarding_organizations WHERE organization_id = $1 FOR UPDATE`, orgID).
		Scan(&st.signedUpAt, &version, &progress, &checkout, &paid, &activated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("organization")
	}
	if err != nil {
		return nil, fmt.Errorf("lock onboarding state: %w", err)
	}
	if err := json.Unmarshal(progress, &st.progress); err != nil {
		return nil, fmt.Errorf("decode progress: %w", err)
	}
	if st.progress == nil {
		st.progress = map[string]*stepProgress{}
	}
	st.checkoutStartedAt, st.paidAt, st.activatedAt = timePtr(checkout), timePtr(paid), timePtr(activated)

	latest, err := latestVersion(ctx, tx.SQL())
	if err != nil {
		return nil, err
	}
	if st.def, err = activationDefinition(ctx, tx.SQL()); err != nil {
		return nil, err
	}
	if version < latest {
		if err := s.seedProgress(ctx, tx, st, version, latest); err != nil {
			return nil, err
		}
		version = latest
	}
	if st.version, err = s.loadVersion(ctx, tx.SQL(), version); err != nil {
		return nil, err
	}
	return st, nil
}

// seedProgress moves the organization from version from to version n. A
// step whose completion rule is the same in both keeps its progress: a
// completion is never undone while the rule that gave it stands. Any other
// step of n (a new key, or a rule that changed) starts over under its rule,
// its old count and completion dropped: an event step counts the events of
// its name recorded so far (before the step existed included), from the
// per-(organization, name) counters.
func (s *Service) seedProgress(ctx context.Context, tx *database.Tx, st *orgState, from, n int) error {
	old, err := s.loadVersion(ctx, tx.SQL(), from)
	if err != nil {
		return err
	}
	v, err := s.loadVersion(ctx, tx.SQL(), n)
	if err != nil {
		return err
	}
	var names []string
	for _, step := range v.Steps {
		if step.Completion.Type == CompletionEvent {
			names = append(names, step.Completion.Event)
		}
	}
	counts := map[string]eventCount{}
	if len(names) > 0 {
		if counts, err = eventCounts(ctx, tx, st.orgID, names); err != nil {
			return err
		}
	}
	for _, step := range v.Steps {
		if prev, ok := old.step(step.Key); ok && sameRule(prev.Completion, step.Completion) {
			continue
		}
		if p, ok := st.progress[step.Key]; ok {
			p.Count, p.CompletedAt, p.CompletedBy, p.How = 0, nil, nil, ""
		}
		c, ok := counts[step.Completion.Event]
		if step.Completion.Type != CompletionEvent || !ok {
			continue
		}
		p := st.step(step.Key)
		p.Count = c.count
		target := int64(step.Completion.Target())
		if c.count < target {
			continue
		}
		// The counters keep the first and last event times, not every
		// one: a one-event step completed at the first event; an N-event
		// step by the last event counted so far (the Nth event's time is
		// at or before it).
		at := c.lastAt
		if target == 1 {
			at = c.firstAt
		}
		p.CompletedAt, p.How, p.SkippedAt, p.SkippedBy = &at, doneByEvents, nil, nil
	}
	return nil
}

// sameRule reports whether two completion rules complete a step the same
// way (a manual step's count is not part of its rule).
func sameRule(a, b Completion) bool {
	return a.Type == b.Type && a.Event == b.Event && a.Target() == b.Target()
}

type eventCount struct {
	count           int64
	firstAt, lastAt time.Time
}

func eventCounts(ctx context.Context, tx *database.Tx, orgID uuid.UUID, names []string) (map[string]eventCount, error) {
	rows, err := tx.SQL().QueryContext(ctx, `
		SELECT name, count, first_at, last_at FROM onboarding_event_counts
		WHERE organization_id = $1 AND name = ANY($2::text[])`, orgID, names)
	if err != nil {
		return nil, fmt.Errorf("read event counts: %w", err)
	}
	defer rows.Close()
	out := map[string]eventCount{}
	for rows.Next() {
		var name string
		var c eventCount
		if err := rows.Scan(&name, &c.count, &c.firstAt, &c.lastAt); err != nil {
			return nil, fmt.Errorf("read event counts: %w", err)
		}
		out[name] = c
	}
	return out, rows.Err()
}

// evaluateActivation sets activated_at when every required step is
// completed within the window after signup, once. activated_at is when the
// last required step was completed. It reports whether it just did.
func (st *orgState) evaluateActivation() bool {
	if st.activatedAt != nil || len(st.def.RequiredSteps) == 0 {
		return false
	}
	deadline := st.signedUpAt.AddDate(0, 0, st.def.WindowDays)
	var last time.Time
	for _, key := range st.def.RequiredSteps {
		p, ok := st.progress[key]
		if !ok || p.CompletedAt == nil || !p.CompletedAt.Before(deadline) {
			return false
		}
		if p.CompletedAt.After(last) {
			last = *p.CompletedAt
		}
	}
	if last.Before(st.signedUpAt) {
		last = st.signedUpAt
	}
	st.activatedAt = &last
	st.newlyActivated = true
	return true
}

// recordActivation mirrors activated_at onto the organization and records
// organization_activated through the ordinary event path.
func (s *Service) recordActivation(ctx context.Context, tx *database.Tx, st *orgState) error {
	if _, err := tx.SQL().ExecContext(ctx, `
		UPDATE organizations SET activated_at = $2, updated_at = now() WHERE id = $1 AND activated_at IS NULL`,
		st.orgID, *st.activatedAt); err != nil {
		return fmt.Errorf("mark organization activated: %w", err)
	}
	_, err := s.applyEvents(ctx, tx, st, "server", s.now(), []storedEvent{{
		ID: newID(), Name: serverevent.OrganizationActivated, SentAt: *st.activatedAt, OccurredAt: *st.activatedAt,
		Properties: []byte(fmt.Sprintf(`{"required_steps":%s,"window_days":%d}`, mustJSON(st.def.RequiredSteps), st.def.WindowDays)),
	}})
	return err
}

func (s *Service) saveState(ctx context.Context, tx *database.Tx, st *orgState) error {
	progress, err := json.Marshal(st.progress)
	if err != nil {
		return fmt.Errorf("encode progress: %w", err)
	}
	completed := []string{}
	for key, p := range st.progress {
		if p.CompletedAt != nil {
			completed = append(completed, key)
		}
	}
	slices.Sort(completed)
	_, err = tx.SQL().ExecContext(ctx, `
		UPDATE onboarding_organizations
		SET version = $2, progress = $3, completed_steps = $4::text[], checkout_started_at = $5, paid_at = $6, activated_at = $7, updated_at = $8
		WHERE organization_id = $1`,
		st.orgID, st.version.Version, progress, completed, nullTime(st.checkoutStartedAt), nullTime(st.paidAt), nullTime(st.activatedAt), s.now())
	if err != nil {
		return fmt.Errorf("save onboarding state: %w", err)
	}
	return nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: *t, Valid: true}
}

// earliest is LEAST(existing, t).
func earliest(existing *time.Time, t time.Time) *time.Time {
	if existing != nil && !t.Before(*existing) {
		return existing
	}
	return &t
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
