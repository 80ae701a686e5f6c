package onboarding

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/onramp/onramp/internal/database"
)

// Members' rows, counters and retention milestones. Every write runs with
// the organization locked (lockState), so a member's row changes one batch
// at a time.

const memberColumns = `user_id, joined_at, left_at IS NULL, progress, first_step_at, last_active_at`

// loadMembers reads the rows of the given users of the organization; a
// user who never was a member of it has none.
func (s *store) loadMembers(ctx context.Context, tx *database.Tx, orgID uuid.UUID, users []uuid.UUID) (map[uuid.UUID]*memberState, error) {
	return s.queryMembers(ctx, tx, `SELECT `+memberColumns+` FROM onboarding_members
		WHERE organization_id = $1 AND user_id = ANY($2::uuid[])`, orgID, users)
}

// memberRowQuery reads one user's ($2) row of the organization: a
// statement PostgreSQL plans once, unlike an = ANY of an array.
const memberRowQuery = `SELECT ` + memberColumns + ` FROM onboarding_members WHERE organization_id = $1 AND user_id = $2`

// allMembers reads every member row of the organization, former members
// included (a version change recomputes their progress too).
func (s *store) allMembers(ctx context.Context, tx *database.Tx, orgID uuid.UUID) (map[uuid.UUID]*memberState, error) {
	return s.queryMembers(ctx, tx, `SELECT `+memberColumns+` FROM onboarding_members WHERE organization_id = $1`, orgID)
}

func (s *store) queryMembers(ctx context.Context, tx *database.Tx, query string, args ...any) (map[uuid.UUID]*memberState, error) {
	rows, err := tx.SQL().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read members: %w", err)
	}
	defer rows.Close()
	return scanMembers(rows)
}

// rowScanner is what database/sql's and pgx's rows have in common.
type rowScanner interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// scanMembers reads rows of memberColumns.
func scanMembers(rows rowScanner) (map[uuid.UUID]*memberState, error) {
	out := map[uuid.UUID]*memberState{}
	for rows.Next() {
		m := &memberState{}
		var progress []byte
		var first, last sql.NullTime
		if err := rows.Scan(&m.userID, &m.joinedAt, &m.current, &progress, &first, &last); err != nil {
			return nil, fmt.Errorf("read members: %w", err)
		}
		var err error
		if m.progress, err = decodeProgress(progress); err != nil {
			return nil, err
		}
		m.joinedAt = m.joinedAt.UTC()
		m.firstStepAt, m.lastActive = timePtr(first), timePtr(last)
		out[m.userID] = m
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read members: %w", err)
	}
	return out, nil
}

// saveMembers writes members' rows back, with completed_steps (the member
// step keys they completed, which counters are recounted from).
func (s *store) saveMembers(ctx context.Context, tx *database.Tx, orgID uuid.UUID, members []*memberState, now time.Time) error {
	if len(members) == 0 {
		return nil
	}
	if len(members) == 1 {
		return s.saveMember(ctx, tx, orgID, members[0], now)
	}
	n := len(members)
	ids, progress, completed, firsts, lasts := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, m := range members {
		p, err := json.Marshal(m.progress)
		if err != nil {
			return fmt.Errorf("encode member progress: %w", err)
		}
		c, err := json.Marshal(completedKeys(m.progress))
		if err != nil {
			return fmt.Errorf("encode member progress: %w", err)
		}
		ids[i], progress[i], completed[i] = m.userID.String(), string(p), string(c)
		firsts[i], lasts[i] = timeText(m.firstStepAt), timeText(m.lastActive)
	}
	if _, err := tx.SQL().ExecContext(ctx, `
		UPDATE onboarding_members m
		SET progress = u.progress::jsonb,
		    completed_steps = ARRAY(SELECT jsonb_array_elements_text(u.completed::jsonb)),
		    first_step_at = NULLIF(u.first_at, '')::timestamptz,
		    last_active_at = NULLIF(u.last_at, '')::timestamptz,
		    updated_at = $2
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS u(user_id, progress, completed, first_at, last_at)
		WHERE m.organization_id = $1 AND m.user_id = u.user_id::uuid`,
		orgID, now, ids, progress, completed, firsts, lasts); err != nil {
		return fmt.Errorf("save members: %w", err)
	}
	return nil
}

// saveMember is saveMembers for one member, an event batch's sender: a
// statement of scalars, which PostgreSQL plans once (it plans the unnest
// of saveMembers again on every run).
func (s *store) saveMember(ctx context.Context, tx *database.Tx, orgID uuid.UUID, m *memberState, now time.Time) error {
	progress, err := json.Marshal(m.progress)
	if err != nil {
		return fmt.Errorf("encode member progress: %w", err)
	}
	if _, err := tx.SQL().ExecContext(ctx, `
		UPDATE onboarding_members
		SET progress = $3, completed_steps = $4::text[], first_step_at = $5, last_active_at = $6, updated_at = $7
		WHERE organization_id = $1 AND user_id = $2`,
		orgID, m.userID, progress, completedKeys(m.progress), nullTime(m.firstStepAt), nullTime(m.lastActive), now); err != nil {
		return fmt.Errorf("save member: %w", err)
	}
	return nil
}

// timeText is t for a text parameter, "" for none.
func timeText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// memberEventKey is one member's events of one name.
type memberEventKey struct {
	user uuid.UUID
	name string
}

// memberWeek is a week after joining in which a member sent an event of a
// name ("" stands for any event).
type memberWeek struct {
	user uuid.UUID
	week int32
	name string
}

// maxRetentionWeek is the last week after joining retention follows.
const maxRetentionWeek = 12

// memberCounters are what a batch moves of its members' own counters and
// retention weeks: per member and name, how many events it inserted and
// their first and last times; and every (member, week after joining, name
// or "" for any event) its events fall in, with the member's join week
// (their cohort).
type memberCounters struct {
	users         []pgtype.UUID // not uuid.UUID, which pgx would send through driver.Valuer, as text
	names         []string
	counts        []int64
	firsts, lasts []time.Time
	weekUsers     []pgtype.UUID
	weeks         []int16
	weekNames     []string
	cohorts       []time.Time
}

// newMemberCounters builds the counters of the members' newly recorded
// events: events holds, per member of members, their events' times by
// name; without activity (what the backend recorded about them) the weeks
// are left alone.
func newMemberCounters(members map[uuid.UUID]*memberState, events map[uuid.UUID]map[string][]time.Time, activity bool) memberCounters {
	var c memberCounters
	weeks := map[memberWeek]bool{}
	for user, byName := range events {
		m := members[user]
		cohort := weekStart(m.joinedAt)
		id := pgtype.UUID{Bytes: user, Valid: true}
		for name, times := range byName {
			c.users, c.names = append(c.users, id), append(c.names, name)
			c.counts = append(c.counts, int64(len(times)))
			c.firsts = append(c.firsts, slices.MinFunc(times, time.Time.Compare))
			c.lasts = append(c.lasts, slices.MaxFunc(times, time.Time.Compare))
			for _, at := range times {
				if !activity {
					break
				}
				week := int32(at.Sub(cohort) / (7 * 24 * time.Hour))
				if at.Before(cohort) || week > maxRetentionWeek {
					continue
				}
				for _, n := range []string{name, ""} {
					k := memberWeek{user: user, week: week, name: n}
					if weeks[k] {
						continue
					}
					weeks[k] = true
					c.weekUsers, c.weeks, c.weekNames = append(c.weekUsers, id), append(c.weeks, int16(week)), append(c.weekNames, n)
					c.cohorts = append(c.cohorts, cohort)
				}
			}
		}
	}
	return c
}

// weekStart is Monday 00:00 UTC of t's week, as PostgreSQL's
// date_trunc('week', t AT TIME ZONE 'UTC').
func weekStart(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
}

// memberEventCounts reads every member's counters of the named events.
func (s *store) memberEventCounts(ctx context.Context, tx *database.Tx, orgID uuid.UUID, names []string) (map[uuid.UUID]map[string]eventCount, error) {
	rows, err := tx.SQL().QueryContext(ctx, `
		SELECT user_id, name, count, first_at, last_at FROM onboarding_member_event_counts
		WHERE organization_id = $1 AND name = ANY($2::text[])`, orgID, names)
	if err != nil {
		return nil, fmt.Errorf("read member event counts: %w", err)
	}
	defer rows.Close()
	out := map[uuid.UUID]map[string]eventCount{}
	for rows.Next() {
		var user uuid.UUID
		var name string
		var c eventCount
		if err := rows.Scan(&user, &name, &c.count, &c.firstAt, &c.lastAt); err != nil {
			return nil, fmt.Errorf("read member event counts: %w", err)
		}
		c.firstAt, c.lastAt = c.firstAt.UTC(), c.lastAt.UTC()
		if out[user] == nil {
			out[user] = map[string]eventCount{}
		}
		out[user][name] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read member event counts: %w", err)
	}
	return out, nil
}

// recountMembers sets the organization's member counters from its member
// rows (the database function the membership triggers use too), after a
// version change recomputed members' progress, and reads them into st.
func (s *store) recountMembers(ctx context.Context, tx *database.Tx, st *orgState) error {
	var completions []byte
	err := tx.SQL().QueryRowContext(ctx, `
		SELECT members_joined, members_started, member_completions FROM onboarding_recount_members($1)`, st.orgID).
		Scan(&st.membersJoined, &st.membersStarted, &completions)
	if err != nil {
		return fmt.Errorf("recount members: %w", err)
	}
	st.memberCompletions = map[string]int{}
	if err := json.Unmarshal(completions, &st.memberCompletions); err != nil {
		return fmt.Errorf("recount members: %w", err)
	}
	return nil
}

// kthCompletion is when the k-th current member (k ≥ 1, in completion
// order) completed the member step key; false when fewer did.
func (s *store) kthCompletion(ctx context.Context, tx *database.Tx, orgID uuid.UUID, key string, k int) (time.Time, bool, error) {
	var at sql.NullTime
	err := tx.SQL().QueryRowContext(ctx, `
		SELECT (progress -> $2::text ->> 'completed_at')::timestamptz AS at FROM onboarding_members
		WHERE organization_id = $1 AND left_at IS NULL AND completed_steps @> ARRAY[$2::text]
		ORDER BY at OFFSET $3 LIMIT 1`, orgID, key, k-1).Scan(&at)
	if err == sql.ErrNoRows || (err == nil && !at.Valid) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("find the %d-th completion of %s: %w", k, key, err)
	}
	return at.Time.UTC(), true, nil
}

// engagementCounts reads the organization's member counters and counts its
// current members active since since.
func (s *store) engagementCounts(ctx context.Context, orgID uuid.UUID, since time.Time) (engagementRow, error) {
	var r engagementRow
	var completions []byte
	err := s.db.SQL().QueryRowContext(ctx, `
		SELECT o.seats, o.members_joined, o.member_completions,
		       (SELECT count(*) FROM onboarding_members m
		         WHERE m.organization_id = o.organization_id AND m.left_at IS NULL AND m.last_active_at >= $2)
		FROM onboarding_organizations o WHERE o.organization_id = $1`, orgID, since).
		Scan(&r.seats, &r.joined, &completions, &r.active28d)
	if err != nil {
		return r, fmt.Errorf("read engagement counts: %w", err)
	}
	if err := json.Unmarshal(completions, &r.completions); err != nil {
		return r, fmt.Errorf("decode member completions: %w", err)
	}
	return r, nil
}
