package onboarding

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// revisions are what the cached catalogue of the service is checked
// against: the latest published version (versions never change once
// published) and the activation definition's revision (a sequence number
// taken on every change, never reused).
type revisions struct {
	latestVersion int
	definition    int64
}

// stateQuery reads the organization's onboarding row FOR UPDATE, with the
// revisions of the catalogue.
const stateQuery = `
	SELECT signed_up_at, version, progress, checkout_started_at, trial_started_at, paid_at, activated_at, activated_by_members,
	       member_completions, members_joined, members_started, members_invited, seats, plan_id,
	       (SELECT coalesce(max(version), 0) FROM onboarding_versions),
	       coalesce((SELECT revision FROM onboarding_activation), 0)
	FROM onboarding_organizations WHERE organization_id = $1 FOR UPDATE`

// lockState locks the organization and loads its onboarding row FOR UPDATE
// (404 when there is none), with the revisions of the catalogue, and the
// member row of sender when there is one (uuid.Nil: none is read): three
// statements, each started once the one before it finished, so what
// changed before this batch's turn is seen, sent together in one round
// trip.
func (s *store) lockState(ctx context.Context, tx *database.Tx, orgID, sender uuid.UUID) (*orgState, revisions, error) {
	// The organization row first, as accounts and billing lock it before
	// they record events: the same order everywhere, so an event batch and
	// an invitation or a webhook of the same organization queue up instead
	// of deadlocking (inserting events needs a key-share lock on it anyway).
	org := pgtype.UUID{Bytes: orgID, Valid: true}
	b := &pgx.Batch{}
	b.Queue(database.LockOrganizationQuery, org)
	b.Queue(stateQuery, org)
	if sender != uuid.Nil {
		b.Queue(memberRowQuery, org, pgtype.UUID{Bytes: sender, Valid: true})
	}
	st := &orgState{orgID: orgID}
	var rev revisions
	err := tx.PGX(func(conn *pgx.Conn) error {
		br := conn.SendBatch(ctx, b)
		defer br.Close()
		var one int
		if err := br.QueryRow().Scan(&one); errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFound("organization")
		} else if err != nil {
			return fmt.Errorf("lock organization: %w", err)
		}
		var progress, completions []byte
		err := br.QueryRow().Scan(&st.signedUpAt, &st.version, &progress, &st.checkoutStartedAt, &st.trialStartedAt, &st.paidAt, &st.activatedAt,
			&st.activatedByMembers, &completions, &st.membersJoined, &st.membersStarted, &st.membersInvited, &st.seats, &st.planID,
			&rev.latestVersion, &rev.definition)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFound("organization")
		}
		if err != nil {
			return fmt.Errorf("lock onboarding state: %w", err)
		}
		if st.progress, err = decodeProgress(progress); err != nil {
			return err
		}
		if err := json.Unmarshal(completions, &st.memberCompletions); err != nil {
			return fmt.Errorf("decode member completions: %w", err)
		}
		if sender == uuid.Nil {
			return br.Close()
		}
		rows, err := br.Query()
		if err != nil {
			return fmt.Errorf("read members: %w", err)
		}
		members, err := scanMembers(rows)
		rows.Close()
		if err != nil {
			return err
		}
		st.prefetched = map[uuid.UUID]*memberState{sender: members[sender]} // nil: not a member, and known not to be
		return br.Close()
	})
	if err != nil {
		return nil, rev, err
	}
	st.signedUpAt = st.signedUpAt.UTC()
	st.checkoutStartedAt, st.trialStartedAt, st.paidAt = utcPtr(st.checkoutStartedAt), utcPtr(st.trialStartedAt), utcPtr(st.paidAt)
	st.activatedAt = utcPtr(st.activatedAt)
	return st, rev, nil
}

// utcPtr is t in UTC, as database/sql's scans gave it.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func decodeProgress(b []byte) (progressMap, error) {
	var p progressMap
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decode progress: %w", err)
	}
	if p == nil {
		p = progressMap{}
	}
	return p, nil
}

// stateRow is an organization's onboarding row as saveState writes it:
// two states that make the same row need no write.
type stateRow struct {
	st                    *orgState
	progress, completions []byte
	completedSteps        []string
}

// row encodes st as its row.
func (st *orgState) row() (stateRow, error) {
	progress, err := json.Marshal(st.progress)
	if err != nil {
		return stateRow{}, fmt.Errorf("encode progress: %w", err)
	}
	completions := []byte("{}")
	if len(st.memberCompletions) > 0 {
		if completions, err = json.Marshal(st.memberCompletions); err != nil {
			return stateRow{}, fmt.Errorf("encode member completions: %w", err)
		}
	}
	// A copy, its pointers too: what st becomes later does not change
	// the row taken now (its maps are in the encoded fields).
	copied := *st
	copied.checkoutStartedAt, copied.trialStartedAt = clonePtr(st.checkoutStartedAt), clonePtr(st.trialStartedAt)
	copied.paidAt, copied.activatedAt = clonePtr(st.paidAt), clonePtr(st.activatedAt)
	copied.planID = clonePtr(st.planID)
	return stateRow{st: &copied, progress: progress, completions: completions, completedSteps: completedKeys(st.progress)}, nil
}

// same reports whether r and o write the same row. progress and member
// completions are compared as encoded (encoding/json sorts map keys), the
// rest field by field.
func (r stateRow) same(o stateRow) bool {
	a, b := r.st, o.st
	return a.version == b.version && bytes.Equal(r.progress, o.progress) && bytes.Equal(r.completions, o.completions) &&
		slices.Equal(r.completedSteps, o.completedSteps) && sameTime(a.checkoutStartedAt, b.checkoutStartedAt) &&
		sameTime(a.trialStartedAt, b.trialStartedAt) &&
		sameTime(a.paidAt, b.paidAt) && sameTime(a.activatedAt, b.activatedAt) && a.activatedByMembers == b.activatedByMembers &&
		a.membersJoined == b.membersJoined && a.membersStarted == b.membersStarted && a.membersInvited == b.membersInvited &&
		a.seats == b.seats && (a.planID == nil) == (b.planID == nil) && (a.planID == nil || *a.planID == *b.planID)
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

func sameTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// saveState writes the organization's row back, with completed_steps (the
// keys with a completion, which metrics read) derived from its progress.
func (s *store) saveState(ctx context.Context, tx *database.Tx, r stateRow, now time.Time) error {
	st := r.st
	_, err := tx.SQL().ExecContext(ctx, `
		UPDATE onboarding_organizations
		SET version = $2, progress = $3, completed_steps = $4::text[], checkout_started_at = $5, paid_at = $6,
		    activated_at = $7, activated_by_members = $8, member_completions = $9, members_joined = $10,
		    members_started = $11, members_invited = $12, seats = $13, plan_id = $14, updated_at = $15, trial_started_at = $16
		WHERE organization_id = $1`,
		st.orgID, st.version, r.progress, r.completedSteps, nullTime(st.checkoutStartedAt), nullTime(st.paidAt),
		nullTime(st.activatedAt), st.activatedByMembers, r.completions, st.membersJoined,
		st.membersStarted, st.membersInvited, st.seats, st.planID, now, nullTime(st.trialStartedAt))
	if err != nil {
		return fmt.Errorf("save onboarding state: %w", err)
	}
	return nil
}

// eventCounts reads the organization's counters of the named events; a name
// it never sent has no entry.
func (s *store) eventCounts(ctx context.Context, tx *database.Tx, orgID uuid.UUID, names []string) (map[string]eventCount, error) {
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
		c.firstAt, c.lastAt = c.firstAt.UTC(), c.lastAt.UTC()
		out[name] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read event counts: %w", err)
	}
	return out, nil
}

// markOrganizationActivated mirrors activated_at onto the organization.
func (s *store) markOrganizationActivated(ctx context.Context, tx *database.Tx, orgID uuid.UUID, at time.Time) error {
	if _, err := tx.SQL().ExecContext(ctx, `
		UPDATE organizations SET activated_at = $2, updated_at = now() WHERE id = $1 AND activated_at IS NULL`,
		orgID, at); err != nil {
		return fmt.Errorf("mark organization activated: %w", err)
	}
	return nil
}

// dismiss records that the user closed the organization's checklist; a
// second time changes nothing.
func (s *store) dismiss(ctx context.Context, tx *database.Tx, orgID, userID uuid.UUID, at time.Time) error {
	if _, err := tx.SQL().ExecContext(ctx, `
		INSERT INTO onboarding_dismissals (organization_id, user_id, dismissed_at) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, orgID, userID, at); err != nil {
		return fmt.Errorf("dismiss checklist: %w", err)
	}
	return nil
}

// dismissed reports whether the user closed the organization's checklist.
func (s *store) dismissed(ctx context.Context, q database.Querier, orgID, userID uuid.UUID) (bool, error) {
	var yes bool
	if err := q.QueryRowContext(ctx, `
		SELECT EXISTS (SELECT 1 FROM onboarding_dismissals WHERE organization_id = $1 AND user_id = $2)`,
		orgID, userID).Scan(&yes); err != nil {
		return false, fmt.Errorf("read dismissal: %w", err)
	}
	return yes, nil
}
