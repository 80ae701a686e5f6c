package onboarding

import (
	"context"
	"time"

	"github.com/onramp/onramp/internal/apperr"
)

// retentionWeeks is the last week after joining that retention follows
// (the member-weeks milestone rows stop there too).
const retentionWeeks = 12

// Names of the seat metrics a suppression can hide.
const (
	fieldMembersStarted   = "members_started"
	fieldMembersActive28d = "members_active_28d"
)

// SeatsQuery selects organizations that signed up in [From, To), from one
// utm_source and on one plan when those are set.
type SeatsQuery struct {
	MetricsQuery
	PlanID string
}

func (q SeatsQuery) validate() error {
	var v apperr.Validator
	q.check(&v, false)
	v.Check(q.PlanID == "" || planPattern.MatchString(q.PlanID), "plan_id", "must be 1-100 letters, digits, _, . or -, starting with a letter or digit")
	return v.Err()
}

// SeatMetrics are the seats and members of the organizations a SeatsQuery
// selects. Counts of members' use of the service (MembersStarted,
// MembersActive28d) are nil, and named in Suppressed, when they or
// MembersJoined minus them are below MinGroupSize.
type SeatMetrics struct {
	From             time.Time `json:"from"`
	To               time.Time `json:"to"`
	UTMSource        *string   `json:"utm_source"`
	PlanID           *string   `json:"plan_id"`
	AsOf             time.Time `json:"as_of"`
	MinGroupSize     int       `json:"min_group_size"`
	Organizations    int       `json:"organizations"`
	SeatsPaid        int       `json:"seats_paid"`
	MembersInvited   int       `json:"members_invited"`
	MembersJoined    int       `json:"members_joined"`
	MembersStarted   *int      `json:"members_started"`
	MembersActive28d *int      `json:"members_active_28d"`
	// MembersActiveAsOf is when the active members were last recounted
	// (RecountActiveMembers, hourly); nil before the first recount.
	MembersActiveAsOf *time.Time `json:"members_active_as_of"`
	Suppressed        []string   `json:"suppressed"`
}

// Seats sums, over organizations that signed up in the range, the seats of
// their live subscriptions, the invitations they sent, their current
// members, those of them who completed a member step and those who sent an
// event in the 28 days before the last recount. It reads only the
// organizations' rollup columns, through one covering index.
func (s *Service) Seats(ctx context.Context, q SeatsQuery) (SeatMetrics, error) {
	if err := q.validate(); err != nil {
		return SeatMetrics{}, err
	}
	now := s.now().UTC()
	c, err := s.store.seatCounts(ctx, q)
	if err != nil {
		return SeatMetrics{}, err
	}
	recount, err := s.store.activeRecount(ctx)
	if err != nil {
		return SeatMetrics{}, err
	}
	m := SeatMetrics{
		From: q.From.UTC(), To: q.To.UTC(), AsOf: now, MinGroupSize: s.minGroupSize,
		Organizations: c.organizations, SeatsPaid: c.seats, MembersInvited: c.invited, MembersJoined: c.joined,
		Suppressed: []string{},
	}
	if recount != nil {
		m.MembersActiveAsOf = &recount.CountedAt
	}
	if q.UTMSource != "" {
		m.UTMSource = &q.UTMSource
	}
	if q.PlanID != "" {
		m.PlanID = &q.PlanID
	}
	// The engagement's floor (floored): neither the count nor the members
	// it leaves out may be fewer than the floor; all of them would tell
	// that each one did it.
	var hidden bool
	if m.MembersStarted, hidden = floored(c.started, c.joined, s.minGroupSize); hidden {
		m.Suppressed = append(m.Suppressed, fieldMembersStarted)
	}
	if m.MembersActive28d, hidden = floored(c.active, c.joined, s.minGroupSize); hidden {
		m.Suppressed = append(m.Suppressed, fieldMembersActive28d)
	}
	return m, nil
}

// RetentionQuery selects the join-week cohorts from the week of From to the
// last week that starts before To; with Event, retention counts only
// events of that name.
type RetentionQuery struct {
	From, To time.Time
	Interval string // week
	Event    string
}

func (q RetentionQuery) validate() error {
	var v apperr.Validator
	MetricsQuery{From: q.From, To: q.To}.check(&v, false)
	v.Check(q.Interval == "week", "interval", "must be week")
	v.Check(q.Event == "" || validEventName(q.Event), "event", "must be 1-100 characters: a lower-case letter, then lower-case letters, digits, _ or .")
	return v.Err()
}

// RetentionCohort is the members who joined an organization in one UTC week
// (from Monday). Retained[k] is the share of them who sent an event (of
// the query's name) in week k after it, for each week begun by now, up to
// week 12; a share is nil when the members active that week or those who
// were not are fewer than MinGroupSize.
type RetentionCohort struct {
	Start    time.Time  `json:"start"`
	Members  int        `json:"members"`
	Retained []*float64 `json:"retained"`
}

// Retention is the cohorts of a RetentionQuery.
type Retention struct {
	From         time.Time         `json:"from"`
	To           time.Time         `json:"to"`
	Interval     string            `json:"interval"`
	Event        *string           `json:"event"`
	AsOf         time.Time         `json:"as_of"`
	MinGroupSize int               `json:"min_group_size"`
	Cohorts      []RetentionCohort `json:"cohorts"`
}

// Retention follows members by the UTC week they joined: every week of the
// range is a cohort (empty ones too), whole weeks whatever the range's
// times of day. It reads only the retention rollups, never events or
// memberships.
func (s *Service) Retention(ctx context.Context, q RetentionQuery) (Retention, error) {
	if err := q.validate(); err != nil {
		return Retention{}, err
	}
	now := s.now().UTC()
	rows, err := s.store.retentionRows(ctx, q)
	if err != nil {
		return Retention{}, err
	}
	r := Retention{From: q.From.UTC(), To: q.To.UTC(), Interval: q.Interval, AsOf: now, MinGroupSize: s.minGroupSize,
		Cohorts: make([]RetentionCohort, len(rows))}
	if q.Event != "" {
		r.Event = &q.Event
	}
	for i, row := range rows {
		r.Cohorts[i] = retentionCohort(row, now, s.minGroupSize)
	}
	return r, nil
}

// retentionCohort turns a cohort's counts into shares for the weeks that
// started by now, hiding those that would describe fewer than floor people.
func retentionCohort(row retentionRow, now time.Time, floor int) RetentionCohort {
	c := RetentionCohort{Start: row.cohort, Members: row.members, Retained: []*float64{}}
	for k := 0; k <= retentionWeeks && !row.cohort.AddDate(0, 0, 7*k).After(now); k++ {
		var share *float64
		if _, hidden := floored(row.active[k], row.members, floor); !hidden {
			v := ratio(int64(row.active[k]), int64(row.members))
			share = &v
		}
		c.Retained = append(c.Retained, share)
	}
	return c
}
