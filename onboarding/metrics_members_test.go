package onboarding

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/onramp/onramp/internal/testing/fakeclock"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/testing/dbtest"
)

// These tests write the rollup and milestone rows directly, as ingestion
// keeps them, so the metrics' queries are checked on their own: the
// organizations' member columns, onboarding_members' milestones, and the
// sharded cohort counters.

func rollupTime(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func rollupExec(t *testing.T, db *database.DB, sql string, args ...any) {
	t.Helper()
	if _, err := db.Pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// rollupOrg is an organization and the member columns ingestion keeps.
type rollupOrg struct {
	signup, source, plan            string
	seats, invited, joined, started int
	lastActive                      []string // one per current member; "" never active
	leftActive                      []string // members who left, with their last activity
}

func insertRollupOrg(t *testing.T, db *database.DB, o rollupOrg) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	var source, plan *string
	if o.source != "" {
		source = &o.source
	}
	if o.plan != "" {
		plan = &o.plan
	}
	signup := rollupTime(t, o.signup)
	rollupExec(t, db, `INSERT INTO organizations (id, name, utm_source, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`, id, "Org "+id.String()[:8], source, signup)
	rollupExec(t, db, `UPDATE onboarding_organizations SET plan_id = $2, seats = $3, members_invited = $4, members_joined = $5, members_started = $6
		WHERE organization_id = $1`, id, plan, o.seats, o.invited, o.joined, o.started)
	member := func(last string, left bool) {
		user := uuid.Must(uuid.NewV7())
		rollupExec(t, db, `INSERT INTO users (id, email, full_name, password_hash) VALUES ($1, $2, 'M', 'x')`, user, user.String()+"@example.test")
		var lastAt, leftAt *time.Time
		if last != "" {
			l := rollupTime(t, last)
			lastAt = &l
		}
		if left {
			l := signup.Add(time.Hour)
			leftAt = &l
		}
		rollupExec(t, db, `INSERT INTO onboarding_members (organization_id, user_id, joined_at, left_at, last_active_at) VALUES ($1, $2, $3, $4, $5)`,
			id, user, signup, leftAt, lastAt)
	}
	for _, last := range o.lastActive {
		member(last, false)
	}
	for _, last := range o.leftActive {
		member(last, true)
	}
	return id
}

// seatsFixture: the range [2026-03-02, 2026-03-16) holds A, B and C.
//
//	org  signup      source    plan                seats invited joined started
//	A    03-02 10h   google    standalone-monthly  10    12      8      4
//	B    03-04 09h   google    team-yearly         5     5       5      1
//	C    03-09 08h   linkedin  -                   0     3       2      0
//	D    02-27 (before the range), E 03-16 00h (its end, excluded)
func seatsFixture(t *testing.T, db *database.DB) {
	t.Helper()
	for _, o := range []rollupOrg{
		{signup: "2026-03-02T10:00:00Z", source: "google", plan: "standalone-monthly", seats: 10, invited: 12, joined: 8, started: 4,
			lastActive: []string{"2026-03-31T10:00:00Z", "2026-03-30T10:00:00Z", "2026-03-20T10:00:00Z", "2026-03-04T12:00:00Z", "2026-03-04T11:59:59Z", "2026-02-01T10:00:00Z", "", ""},
			leftActive: []string{"2026-03-31T10:00:00Z"}},
		{signup: "2026-03-04T09:00:00Z", source: "google", plan: "team-yearly", seats: 5, invited: 5, joined: 5, started: 1,
			lastActive: []string{"2026-03-31T10:00:00Z", "2026-03-10T10:00:00Z", "", "", ""}},
		{signup: "2026-03-09T08:00:00Z", source: "linkedin", invited: 3, joined: 2,
			lastActive: []string{"2026-03-25T10:00:00Z", ""}},
		{signup: "2026-02-27T10:00:00Z", source: "google", plan: "standalone-monthly", seats: 50, invited: 40, joined: 5, started: 5,
			lastActive: []string{"2026-03-31T10:00:00Z", "2026-03-31T10:00:00Z", "2026-03-31T10:00:00Z", "2026-03-31T10:00:00Z", "2026-03-31T10:00:00Z"}},
		{signup: "2026-03-16T00:00:00Z", source: "google", seats: 7, invited: 7, joined: 7, started: 7,
			lastActive: []string{"2026-03-31T10:00:00Z"}},
	} {
		insertRollupOrg(t, db, o)
	}
}

func intPtr(n int) *int { return &n }

func TestSeatMetricsSumTheRollupsAndHideSmallCounts(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	seatsFixture(t, db)
	ctx := context.Background()
	now := rollupTime(t, "2026-04-01T12:00:00Z") // active since 03-04 12:00
	clk := fakeclock.New(now)
	svc := NewService(Config{DB: db, Clock: clk, MinGroupSize: 2})
	from, to := rollupTime(t, "2026-03-02T00:00:00Z"), rollupTime(t, "2026-03-16T00:00:00Z")
	seats := func(source, plan string) SeatMetrics {
		t.Helper()
		if _, err := svc.RecountActiveMembers(ctx); err != nil {
			t.Fatal(err)
		}
		m, err := svc.Seats(ctx, SeatsQuery{MetricsQuery: MetricsQuery{From: from, To: to, UTMSource: source}, PlanID: plan})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	check := func(got SeatMetrics, want SeatMetrics) {
		t.Helper()
		want.From, want.To, want.AsOf, want.MinGroupSize, want.MembersActiveAsOf = from, to, now, 2, &now
		want.UTMSource, want.PlanID = got.UTMSource, got.PlanID
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Fatalf("seat metrics\n got %s\nwant %s", g, w)
		}
	}

	// Active: A's first four (03-04 12:00 exactly counts, a second before
	// does not; the member who left does not), B's two, C's one.
	check(seats("", ""), SeatMetrics{Organizations: 3, SeatsPaid: 15, MembersInvited: 20, MembersJoined: 15,
		MembersStarted: intPtr(5), MembersActive28d: intPtr(7), Suppressed: []string{}})
	check(seats("google", ""), SeatMetrics{Organizations: 2, SeatsPaid: 15, MembersInvited: 17, MembersJoined: 13,
		MembersStarted: intPtr(5), MembersActive28d: intPtr(6), Suppressed: []string{}})
	// B alone: 1 started is below the floor of 2; 2 active of 5 shows.
	m := seats("", "team-yearly")
	check(m, SeatMetrics{Organizations: 1, SeatsPaid: 5, MembersInvited: 5, MembersJoined: 5,
		MembersActive28d: intPtr(2), Suppressed: []string{"members_started"}})
	if m.PlanID == nil || *m.PlanID != "team-yearly" || m.UTMSource != nil {
		t.Fatalf("filters echoed as %v %v", m.UTMSource, m.PlanID)
	}
	// C alone: 0 started (a count under the floor: it says each of them
	// did not), 1 active of 2.
	check(seats("linkedin", ""), SeatMetrics{Organizations: 1, MembersInvited: 3, MembersJoined: 2,
		Suppressed: []string{"members_started", "members_active_28d"}})
	check(seats("google", "team-yearly"), SeatMetrics{Organizations: 1, SeatsPaid: 5, MembersInvited: 5, MembersJoined: 5,
		MembersActive28d: intPtr(2), Suppressed: []string{"members_started"}})
	check(seats("bing", ""), SeatMetrics{Suppressed: []string{"members_started", "members_active_28d"}})

	// Three weeks later (active since 03-23 12:00): A's two, B's one, C's one.
	now = rollupTime(t, "2026-04-20T12:00:00Z")
	clk.Set(now)
	check(seats("", ""), SeatMetrics{Organizations: 3, SeatsPaid: 15, MembersInvited: 20, MembersJoined: 15,
		MembersStarted: intPtr(5), MembersActive28d: intPtr(4), Suppressed: []string{}})
	// With the default floor of 5, those 4 active members are too few to
	// show; the 5 who started (and 10 who did not) still show.
	dflt := NewService(Config{DB: db, Clock: clk})
	d, err := dflt.Seats(ctx, SeatsQuery{MetricsQuery: MetricsQuery{From: from, To: to}})
	if err != nil {
		t.Fatal(err)
	}
	if d.MinGroupSize != 5 || d.MembersStarted == nil || *d.MembersStarted != 5 || d.MembersActive28d != nil ||
		fmt.Sprint(d.Suppressed) != "[members_active_28d]" {
		t.Fatalf("default floor: %+v", d)
	}
}

func TestSeatMetricsRefuseBadQueries(t *testing.T) {
	t.Parallel()
	svc := NewService(Config{DB: dbtest.New(t)})
	from := rollupTime(t, "2026-03-02T00:00:00Z")
	for name, q := range map[string]SeatsQuery{
		"from":     {MetricsQuery: MetricsQuery{To: from}},
		"to":       {MetricsQuery: MetricsQuery{From: from, To: from}},
		"range":    {MetricsQuery: MetricsQuery{From: from, To: from.Add(MaxMetricsRange + time.Second)}},
		"plan_id":  {MetricsQuery: MetricsQuery{From: from, To: from.Add(time.Hour)}, PlanID: "no spaces"},
		"plan_id2": {MetricsQuery: MetricsQuery{From: from, To: from.Add(time.Hour)}, PlanID: "-dash-first"},
	} {
		_, err := svc.Seats(context.Background(), q)
		if !apperr.Is(err, apperr.CodeInvalid) {
			t.Fatalf("%s: %v, want invalid", name, err)
		}
	}
}

// retentionFixture: the sharded counters of a few join weeks (Mondays).
func retentionFixture(t *testing.T, db *database.DB) {
	t.Helper()
	members := []struct {
		cohort        string
		shard, number int
	}{
		{"2025-12-01", 4, 10},
		{"2026-02-23", 0, 30}, // the week before the range
		{"2026-03-02", 1, 6}, {"2026-03-02", 7, 4},
		{"2026-03-09", 3, 3},
		{"2026-03-23", 2, 20},
		{"2026-03-30", 5, 8},
	}
	for _, m := range members {
		rollupExec(t, db, `INSERT INTO onboarding_cohort_members (cohort, shard, members) VALUES ($1, $2, $3)`, m.cohort, m.shard, m.number)
	}
	activity := []struct {
		cohort        string
		week          int
		name          string
		shard, number int
	}{
		{"2025-12-01", 0, "", 4, 9}, {"2025-12-01", 12, "", 4, 4},
		{"2026-02-23", 0, "", 0, 15},
		{"2026-03-02", 0, "", 1, 5}, {"2026-03-02", 0, "", 7, 4}, // 9 of 10
		{"2026-03-02", 1, "", 1, 4}, {"2026-03-02", 1, "", 7, 2}, // 6
		{"2026-03-02", 2, "", 7, 3},
		{"2026-03-02", 3, "", 1, 1},
		{"2026-03-02", 0, "session_booked", 1, 2},
		{"2026-03-02", 1, "session_booked", 1, 3}, {"2026-03-02", 1, "session_booked", 7, 2},
		{"2026-03-02", 0, "guide_opened", 1, 6},
		{"2026-03-09", 0, "", 3, 2},
		{"2026-03-23", 0, "", 2, 20}, {"2026-03-23", 1, "", 2, 11},
		{"2026-03-30", 0, "", 5, 3},
	}
	for _, a := range activity {
		rollupExec(t, db, `INSERT INTO onboarding_cohort_activity (cohort, week, name, shard, members) VALUES ($1, $2, $3, $4, $5)`,
			a.cohort, a.week, a.name, a.shard, a.number)
	}
}

// shares renders retained shares, null as -1, for comparison.
func shares(c RetentionCohort) string {
	out := []float64{}
	for _, s := range c.Retained {
		if s == nil {
			out = append(out, -1)
		} else {
			out = append(out, *s)
		}
	}
	return fmt.Sprint(c.Start.Format(time.DateOnly), " ", c.Members, " ", out)
}

func TestRetentionSumsShardsPerJoinWeekAndHidesSmallGroups(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	retentionFixture(t, db)
	ctx := context.Background()
	now := rollupTime(t, "2026-04-01T12:00:00Z") // a Wednesday
	clk := fakeclock.New(now)
	svc := NewService(Config{DB: db, Clock: clk, MinGroupSize: 2})
	retention := func(from, to, event string) []string {
		t.Helper()
		r, err := svc.Retention(ctx, RetentionQuery{From: rollupTime(t, from), To: rollupTime(t, to), Interval: "week", Event: event})
		if err != nil {
			t.Fatal(err)
		}
		if r.MinGroupSize != 2 || !r.AsOf.Equal(now) || r.Interval != "week" || (event == "") != (r.Event == nil) {
			t.Fatalf("retention header %+v", r)
		}
		out := []string{}
		for _, c := range r.Cohorts {
			out = append(out, shares(c))
		}
		return out
	}
	expect := func(got []string, want ...string) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("retention\n got %q\nwant %q", got, want)
		}
	}

	// From mid-week: its whole week is a cohort. A week's share shows when
	// both its active members and the others are at least 2; weeks that
	// have not begun by now are not listed.
	expect(retention("2026-03-04T10:00:00Z", "2026-04-06T00:00:00Z", ""),
		"2026-03-02 10 [-1 0.6 0.3 -1 -1]", // 9 of 10 (1 not), 6, 3, 1, 0
		"2026-03-09 3 [-1 -1 -1 -1]",       // 3 members: no share can show
		"2026-03-16 0 [-1 -1 -1]",          // an empty week
		"2026-03-23 20 [-1 0.55]",          // all 20 in week 0
		"2026-03-30 8 [0.375]",             // the current week
	)
	expect(retention("2026-03-02T00:00:00Z", "2026-04-06T00:00:00Z", "session_booked"),
		"2026-03-02 10 [0.2 0.5 -1 -1 -1]",
		"2026-03-09 3 [-1 -1 -1 -1]",
		"2026-03-16 0 [-1 -1 -1]",
		"2026-03-23 20 [-1 -1]",
		"2026-03-30 8 [-1]",
	)
	// to is exclusive: a range ending on a Monday at midnight leaves that
	// week out, a microsecond later takes it in.
	expect(retention("2026-03-02T00:00:00Z", "2026-03-30T00:00:00Z", "guide_opened"),
		"2026-03-02 10 [0.6 -1 -1 -1 -1]", "2026-03-09 3 [-1 -1 -1 -1]", "2026-03-16 0 [-1 -1 -1]", "2026-03-23 20 [-1 -1]")
	expect(retention("2026-03-23T00:00:00Z", "2026-03-30T00:00:00.000001Z", ""),
		"2026-03-23 20 [-1 0.55]", "2026-03-30 8 [0.375]")
	// A week still to come is listed with no week begun.
	expect(retention("2026-03-30T00:00:00Z", "2026-04-07T00:00:00Z", ""),
		"2026-03-30 8 [0.375]", "2026-04-06 0 []")
	// Twelve weeks after joining is the last one followed.
	expect(retention("2025-12-01T00:00:00Z", "2025-12-08T00:00:00Z", ""),
		"2025-12-01 10 [-1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 0.4]")

	// A week later the 03-30 cohort has a week 1; with the default floor
	// (5), 6 active of 10 leaves 4: hidden.
	now = rollupTime(t, "2026-04-06T00:00:00Z")
	clk.Set(now)
	expect(retention("2026-03-30T00:00:00Z", "2026-04-06T00:00:00Z", ""), "2026-03-30 8 [0.375 -1]")
	dflt := NewService(Config{DB: db, Clock: clk})
	r, err := dflt.Retention(ctx, RetentionQuery{From: rollupTime(t, "2026-03-02T00:00:00Z"), To: rollupTime(t, "2026-03-09T00:00:00Z"), Interval: "week"})
	if err != nil {
		t.Fatal(err)
	}
	if r.MinGroupSize != 5 || len(r.Cohorts) != 1 || shares(r.Cohorts[0]) != "2026-03-02 10 [-1 -1 -1 -1 -1 -1]" {
		t.Fatalf("default floor: %+v", r)
	}
}

func TestRetentionRefusesBadQueries(t *testing.T) {
	t.Parallel()
	svc := NewService(Config{DB: dbtest.New(t)})
	from := rollupTime(t, "2026-03-02T00:00:00Z")
	to := from.Add(7 * 24 * time.Hour)
	for name, q := range map[string]RetentionQuery{
		"no interval":  {From: from, To: to},
		"month":        {From: from, To: to, Interval: "month"},
		"from":         {To: to, Interval: "week"},
		"backwards":    {From: to, To: from, Interval: "week"},
		"range":        {From: from, To: from.Add(MaxMetricsRange + time.Hour), Interval: "week"},
		"event":        {From: from, To: to, Interval: "week", Event: "Session Booked"},
		"event length": {From: from, To: to, Interval: "week", Event: "e" + fmt.Sprintf("%0100d", 0)},
	} {
		_, err := svc.Retention(context.Background(), q)
		if !apperr.Is(err, apperr.CodeInvalid) {
			t.Fatalf("%s: %v, want invalid", name, err)
		}
	}
}

// The active members the seat metrics read move only when recounted, and a
// recount with nothing new changes no row.
func TestRecountActiveMembersMovesTheCountersOnly(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	seatsFixture(t, db)
	ctx := context.Background()
	now := rollupTime(t, "2026-04-01T12:00:00Z")
	clk := fakeclock.New(now)
	svc := NewService(Config{DB: db, Clock: clk, MinGroupSize: 2})
	q := SeatsQuery{MetricsQuery: MetricsQuery{From: rollupTime(t, "2026-03-02T00:00:00Z"), To: rollupTime(t, "2026-03-16T00:00:00Z")}}
	active := func() int {
		t.Helper()
		m, err := svc.Seats(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if m.MembersActive28d == nil {
			return -1
		}
		return *m.MembersActive28d
	}
	if n := active(); n != -1 { // 0 of 15 before any recount: suppressed
		t.Fatalf("active before any recount: %d", n)
	}
	if changed, err := svc.RecountActiveMembers(ctx); err != nil || changed != 5 {
		t.Fatalf("first recount changed %d organizations (%v), want the 5 with active members", changed, err)
	}
	if n := active(); n != 7 {
		t.Fatalf("active after the recount: %d, want 7", n)
	}
	if changed, err := svc.RecountActiveMembers(ctx); err != nil || changed != 0 {
		t.Fatalf("second recount changed %d organizations (%v), want 0", changed, err)
	}
	// A week later A's 03-04…03-10 members fall out of the window.
	now = now.AddDate(0, 0, 7)
	clk.Set(now)
	if n := active(); n != 7 {
		t.Fatalf("active a week later, before the recount: %d, want the last count 7", n)
	}
	if _, err := svc.RecountActiveMembers(ctx); err != nil {
		t.Fatal(err)
	}
	if n := active(); n >= 7 {
		t.Fatalf("active a week later, recounted: %d, want fewer than 7", n)
	}
}
