package api_test

import (
	"context"
	"fmt"
	"github.com/onramp/onramp/internal/testing/fakeclock"
	"net/http"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// seatsBody is GET /v1/admin/metrics/seats.
type seatsBody struct {
	MinGroupSize      int        `json:"min_group_size"`
	Organizations     int        `json:"organizations"`
	SeatsPaid         int        `json:"seats_paid"`
	MembersInvited    int        `json:"members_invited"`
	MembersJoined     int        `json:"members_joined"`
	MembersStarted    *int       `json:"members_started"`
	MembersActive28d  *int       `json:"members_active_28d"`
	MembersActiveAsOf *time.Time `json:"members_active_as_of"`
	Suppressed        []string   `json:"suppressed"`
}

// String shows suppressed counts as "-", for comparison with a want.
func (b seatsBody) String() string {
	show := func(n *int) string {
		if n == nil {
			return "-"
		}
		return fmt.Sprint(*n)
	}
	return fmt.Sprintf("orgs=%d seats=%d invited=%d joined=%d started=%s active=%s suppressed=%v",
		b.Organizations, b.SeatsPaid, b.MembersInvited, b.MembersJoined, show(b.MembersStarted), show(b.MembersActive28d), b.Suppressed)
}

// retentionBody is GET /v1/admin/metrics/retention.
type retentionBody struct {
	MinGroupSize int       `json:"min_group_size"`
	AsOf         time.Time `json:"as_of"`
	Event        *string   `json:"event"`
	Cohorts      []struct {
		Start    time.Time  `json:"start"`
		Members  int        `json:"members"`
		Retained []*float64 `json:"retained"`
	} `json:"cohorts"`
}

// Strings shows each cohort as "start members [shares]", a suppressed
// share as "-".
func (b retentionBody) Strings() []string {
	out := []string{}
	for _, c := range b.Cohorts {
		shares := []string{}
		for _, s := range c.Retained {
			if s == nil {
				shares = append(shares, "-")
			} else {
				shares = append(shares, fmt.Sprint(*s))
			}
		}
		out = append(out, fmt.Sprintf("%s %d %v", c.Start.Format(time.DateOnly), c.Members, shares))
	}
	return out
}

// seatMetrics reads the seat metrics right after the active members were
// recounted, as the hourly job does, at the service's clock.
func seatMetrics(t *testing.T, env *testenv.Env, staff, query string) seatsBody {
	t.Helper()
	if _, err := env.App.Onboarding.RecountActiveMembers(context.Background()); err != nil {
		t.Fatal(err)
	}
	var b seatsBody
	env.Do(t, "GET", "/v1/admin/metrics/seats?"+query, nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK).Decode(t, &b)
	if b.MembersActiveAsOf == nil {
		t.Fatalf("seats?%s: no members_active_as_of after a recount", query)
	}
	return b
}

func retentionMetrics(t *testing.T, env *testenv.Env, staff, query string) retentionBody {
	t.Helper()
	var b retentionBody
	env.Do(t, "GET", "/v1/admin/metrics/retention?"+query, nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK).Decode(t, &b)
	return b
}

func TestMemberMetricsAreForStaffAndRefuseBadInput(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	_, staff := env.StaffToken(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	seats := "/v1/admin/metrics/seats?from=2026-06-01&to=2026-07-01"
	retention := "/v1/admin/metrics/retention?from=2026-06-01&to=2026-07-01&interval=week"
	for _, path := range []string{seats, retention} {
		env.Do(t, "GET", path, nil).Expect(t, http.StatusUnauthorized)
		env.Do(t, "GET", path, nil, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusForbidden)
	}

	for path, fields := range map[string][]string{
		"/v1/admin/metrics/seats": {"from", "to"},
		"/v1/admin/metrics/seats?from=2026-07-01&to=2026-06-01&plan_id=no+spaces":                   {"to", "plan_id"},
		"/v1/admin/metrics/seats?from=2020-01-01&to=2026-06-01":                                     {"to"},
		"/v1/admin/metrics/seats?from=yesterday&to=2026-06-01":                                      {"from"},
		"/v1/admin/metrics/retention?from=2026-06-01&to=2026-07-01":                                 {"interval"},
		"/v1/admin/metrics/retention?from=2026-06-01&to=2026-07-01&interval=month":                  {"interval"},
		"/v1/admin/metrics/retention?to=2026-07-01&interval=week&event=Booked":                      {"from", "event"},
		"/v1/admin/metrics/retention?from=2026-06-01&to=2026-07-01&interval=week&utm_source=google": {"utm_source"},
	} {
		res := env.Do(t, "GET", path, nil, testenv.WithBearer(staff)).Expect(t, http.StatusUnprocessableEntity)
		got := problemFields(t, res)
		for _, f := range fields {
			if !got[f] {
				t.Fatalf("%s: fields %v, want %v", path, got, fields)
			}
		}
		if len(got) != len(fields) {
			t.Fatalf("%s: fields %v, want %v", path, got, fields)
		}
	}

	// Nobody signed up in June: zeros, and counts of no one are not shown.
	if got := seatMetrics(t, env, staff, "from=2026-06-01&to=2026-07-01&plan_id=team-yearly").String(); got !=
		"orgs=0 seats=0 invited=0 joined=0 started=- active=- suppressed=[members_started members_active_28d]" {
		t.Fatal(got)
	}
	r := retentionMetrics(t, env, staff, "from=2026-06-01&to=2026-06-15&interval=week&event=session_booked")
	if r.MinGroupSize != 5 || r.Event == nil || *r.Event != "session_booked" ||
		fmt.Sprint(r.Strings()) != "[2026-06-01 0 [- - - - - - - - - - - - -] 2026-06-08 0 [- - - - - - - - - - - - -]]" {
		t.Fatalf("retention %+v %v", r, r.Strings())
	}
}

// withClock runs the service on clock, and with a group floor of floor.
func withClock(clock *fakeclock.Clock, floor int) testenv.Option {
	return func(c *config.Config) {
		c.Clock = clock
		c.MinGroupSize = floor
	}
}

func TestMemberMetricsHideCountsOfSmallGroups(t *testing.T) {
	t.Parallel()
	clock := &fakeclock.Clock{}
	clock.Set(fakeclock.Parse("2026-07-01T12:00:00Z"))
	env := testenv.New(t, withClock(clock, 3))
	_, staff := env.StaffToken(t)
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := env.DB.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	// Rollup rows as ingestion keeps them: one company of 8 members, 3 of
	// whom started; the active ones are set per case below.
	org := env.NewOrg(t, testenv.OrgOptions{CreatedAt: fakeclock.Parse("2026-06-02T10:00:00Z")})
	for i := range 7 {
		user, _ := env.NewMember(t, org.ID, "member")
		if i < 5 {
			exec(`UPDATE onboarding_members SET last_active_at = $3 WHERE organization_id = $1 AND user_id = $2`, org.ID, user, fakeclock.Parse("2026-06-30T10:00:00Z"))
		}
	}
	exec(`UPDATE onboarding_organizations SET seats = 10, plan_id = 'standalone-monthly', members_invited = 9, members_joined = 8, members_started = 3 WHERE organization_id = $1`, org.ID)
	// 3 started of 8 leaves 5: shown; 5 active of 8 leaves 3: shown.
	if got := seatMetrics(t, env, staff, "from=2026-06-01&to=2026-06-08&plan_id=standalone-monthly").String(); got !=
		"orgs=1 seats=10 invited=9 joined=8 started=3 active=5 suppressed=[]" {
		t.Fatal(got)
	}
	// A sixth active member leaves 2 who were not: hidden.
	exec(`UPDATE onboarding_members SET last_active_at = $2 WHERE organization_id = $1 AND user_id = $3`, org.ID, fakeclock.Parse("2026-06-30T10:00:00Z"), org.OwnerID)
	if got := seatMetrics(t, env, staff, "from=2026-06-01&to=2026-06-08").String(); got !=
		"orgs=1 seats=10 invited=9 joined=8 started=3 active=- suppressed=[members_active_28d]" {
		t.Fatal(got)
	}

	// Retention: the NewMember rows above joined now (this week); a cohort
	// of 7 written directly in June.
	exec(`INSERT INTO onboarding_cohort_members (cohort, shard, members) VALUES ('2026-06-01', 0, 4), ('2026-06-01', 9, 3)`)
	exec(`INSERT INTO onboarding_cohort_activity (cohort, week, name, shard, members) VALUES
		('2026-06-01', 0, '', 0, 4), ('2026-06-01', 0, '', 9, 3),
		('2026-06-01', 1, '', 0, 4),
		('2026-06-01', 2, '', 9, 2),
		('2026-06-01', 3, '', 0, 3)`)
	// Weeks 0 to 4 have begun: 7/7, 2/7 and 0/7 hide (0, 2 and 0 are under
	// 3); 4/7 and 3/7 show.
	r := retentionMetrics(t, env, staff, "from=2026-06-01&to=2026-06-08&interval=week")
	if r.MinGroupSize != 3 || !r.AsOf.Equal(clock.Now()) || r.Event != nil || fmt.Sprint(r.Strings()) != "[2026-06-01 7 [- 0.5714 - 0.4286 -]]" {
		t.Fatalf("retention %+v %v", r, r.Strings())
	}
}
