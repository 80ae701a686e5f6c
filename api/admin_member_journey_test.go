package api_test

import (
	"context"
	"fmt"
	"github.com/onramp/onramp/internal/testing/fakeclock"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// journey drives companies and their members through the real API on a
// clock the test moves: signups, invitations and acceptances, removals,
// subscriptions and members' own events, each at the clock's time.
type journey struct {
	t     *testing.T
	env   *testenv.Env
	clock *fakeclock.Clock
}

// member is one person's session in one company.
type member struct {
	userID uuid.UUID
	token  string
}

// signup signs a company up from source at the clock's time, with its
// owner's email verified (inviting needs it).
func (j journey) signup(source string) member {
	j.t.Helper()
	var s testenv.Session
	email := "owner-" + uuid.NewString()[:13] + "@example.test"
	j.env.Do(j.t, http.MethodPost, "/v1/signup", map[string]any{
		"company_name": "Company " + source, "email": email, "password": testenv.DefaultPassword,
		"full_name": "Olivia Owner", "utm_source": source,
	}).Expect(j.t, http.StatusCreated).Decode(j.t, &s)
	j.env.VerifyEmail(j.t, email)
	return member{userID: s.User.ID, token: s.AccessToken}
}

// invite has owner invite n people and returns their invitation tokens.
func (j journey) invite(owner member, n int) []string {
	j.t.Helper()
	var tokens []string
	for range n {
		email := "member-" + uuid.NewString()[:13] + "@example.test"
		invite(j.t, j.env, owner.token, email, "").Expect(j.t, http.StatusCreated)
		tokens = append(tokens, testenv.LinkToken(j.t, j.env.Mail.WaitFor(j.t, email, "Join ").Text))
	}
	return tokens
}

// accept accepts an invitation as a new user.
func (j journey) accept(token string) member {
	j.t.Helper()
	var s testenv.Session
	j.env.Do(j.t, http.MethodPost, "/v1/invitations/accept", map[string]any{
		"token": token, "full_name": "Mia Member", "password": "another long password",
	}).Expect(j.t, http.StatusCreated).Decode(j.t, &s)
	return member{userID: s.User.ID, token: s.AccessToken}
}

// use has each member send one event named name, at the clock's time.
func (j journey) use(name string, members ...member) {
	j.t.Helper()
	for _, m := range members {
		postEvents(j.t, j.env, m.token, ev(name, j.clock.Now())).Expect(j.t, http.StatusAccepted)
	}
}

// subscribe delivers customer.subscription.created for the owner's
// company, signed at the clock's time.
func (j journey) subscribe(owner member, price string, seats int) {
	j.t.Helper()
	var org uuid.UUID
	if err := j.env.DB.Pool.QueryRow(j.t.Context(), `SELECT organization_id FROM memberships WHERE user_id = $1`, owner.userID).Scan(&org); err != nil {
		j.t.Fatal(err)
	}
	id := strings.ReplaceAll(org.String(), "-", "") // v7 ids made close together share their first digits
	s := sub{ID: "sub_" + id, Customer: "cus_" + id, Status: "active", Org: org, Seats: seats, Price: price}
	holdCustomer(j.t, j.env, org, s.Customer)
	res := j.env.SendWebhookSigned(j.t, stripeEvent(j.t, newEventID(), "customer.subscription.created", j.clock.Now(), s.object()),
		j.env.Config.StripeWebhookSecret, j.clock.Now())
	if got := res.Expect(j.t, http.StatusOK).Map(j.t)["outcome"]; got != "applied" {
		j.t.Fatalf("subscription.created outcome %v", got)
	}
}

// TestMemberMetricsFollowMembersThroughTheAPI: four companies, their
// members and what they did, all through the API; the floor is 2 so the
// numbers can be worked out by hand.
//
//	company  signup (UTC)     source    plan, seats          members (joined)                       invited
//	A        Mon 06-01 09h    google    standalone, 10       a0 06-01; a1-a4 Tue 06-02              5 (one never accepts)
//	B        Wed 06-03 12h    google    team-yearly, 4       b0 06-03; b1, b2 Mon 06-08; b3 06-09  3
//	C        Thu 06-11 08h    linkedin  -                    c0, c1 06-11                           1
//	D        Mon 06-15 00h    google    -                    d0 06-15 (after the seat range)        0
//
// Events (app_opened unless said), by week after joining:
//
//	join week 06-01 (a0-a4, b0: 6)   week 0: all six; week 1 (06-09): a0-a3; week 2 (06-16):
//	                                 session_booked by a1, a2, b0; week 3 (06-23): a1; week 4 (06-30): a1, a2
//	join week 06-08 (b1-b3, c0, c1)  week 0: all five; week 1 (06-17): session_booked by b1, c0, c1;
//	                                 week 2 (06-23): b1
//	join week 06-15 (d0)             week 0: d0
//
// session_booked completes the member step book_session: a1, a2, b0, b1,
// c0 and c1 started.
func TestMemberMetricsFollowMembersThroughTheAPI(t *testing.T) {
	t.Parallel()
	clock := &fakeclock.Clock{}
	clock.Set(fakeclock.Parse("2026-06-01T08:00:00Z"))
	env := testenv.New(t, withClock(clock, 2))
	_, staff := env.StaffToken(t)
	step := eventStep("book_session", "session_booked", 1, false)
	step["scope"] = "member"
	publishSteps(t, env, staff, step)
	j := journey{t: t, env: env, clock: clock}

	clock.Set(fakeclock.Parse("2026-06-01T09:00:00Z"))
	a0 := j.signup("google")
	aInvites := j.invite(a0, 5)
	j.use("app_opened", a0)
	clock.Set(fakeclock.Parse("2026-06-02T10:00:00Z"))
	a1, a2, a3, a4 := j.accept(aInvites[0]), j.accept(aInvites[1]), j.accept(aInvites[2]), j.accept(aInvites[3])
	j.use("app_opened", a1, a2, a3, a4)

	clock.Set(fakeclock.Parse("2026-06-03T12:00:00Z"))
	b0 := j.signup("google")
	bInvites := j.invite(b0, 3)
	j.use("app_opened", b0)

	clock.Set(fakeclock.Parse("2026-06-05T10:00:00Z"))
	j.subscribe(a0, "price_test_monthly", 10)
	j.subscribe(b0, "price_test_yearly", 4)

	clock.Set(fakeclock.Parse("2026-06-08T10:00:00Z"))
	b1, b2 := j.accept(bInvites[0]), j.accept(bInvites[1])
	j.use("app_opened", b1, b2)
	clock.Set(fakeclock.Parse("2026-06-09T10:00:00Z"))
	b3 := j.accept(bInvites[2])
	j.use("app_opened", b3, a0, a1, a2, a3)

	clock.Set(fakeclock.Parse("2026-06-11T08:00:00Z"))
	c0 := j.signup("linkedin")
	cInvites := j.invite(c0, 1)
	j.use("app_opened", c0)
	clock.Set(fakeclock.Parse("2026-06-11T09:00:00Z"))
	c1 := j.accept(cInvites[0])
	j.use("app_opened", c1)

	clock.Set(fakeclock.Parse("2026-06-15T00:00:00Z"))
	d0 := j.signup("google")
	j.use("app_opened", d0)

	clock.Set(fakeclock.Parse("2026-06-16T10:00:00Z"))
	j.use("session_booked", a1, a2, b0)
	clock.Set(fakeclock.Parse("2026-06-17T10:00:00Z"))
	j.use("session_booked", b1, c0, c1)
	clock.Set(fakeclock.Parse("2026-06-23T10:00:00Z"))
	j.use("app_opened", a1, b1)
	clock.Set(fakeclock.Parse("2026-06-30T10:00:00Z"))
	j.use("app_opened", a1, a2)

	// Wed 07-01 12h: active since 06-03 12h, which ten of the eleven
	// members of A, B and C are (a4 is not): a count that leaves only one
	// out is not shown.
	clock.Set(fakeclock.Parse("2026-07-01T12:00:00Z"))
	seats := "from=2026-06-01&to=2026-06-15"
	expectSeats := func(query, want string) {
		t.Helper()
		if got := seatMetrics(t, env, staff, query).String(); got != want {
			t.Fatalf("seats?%s\n got %s\nwant %s", query, got, want)
		}
	}
	expectSeats(seats, "orgs=3 seats=14 invited=9 joined=11 started=6 active=- suppressed=[members_active_28d]")

	// Weeks 0-4 of the 06-01 cohort have begun, 0-3 of 06-08's, 0-2 of
	// 06-15's. All six active in week 0 is as telling as none; a1 alone in
	// week 3 is too few.
	expectRetention := func(query string, want ...string) {
		t.Helper()
		r := retentionMetrics(t, env, staff, query)
		if fmt.Sprint(r.Strings()) != fmt.Sprint(want) || r.MinGroupSize != 2 || !r.AsOf.Equal(clock.Now()) {
			t.Fatalf("retention?%s\n got %q (as of %s)\nwant %q", query, r.Strings(), r.AsOf, want)
		}
	}
	expectRetention("from=2026-06-01&to=2026-06-22&interval=week",
		"2026-06-01 6 [- 0.6667 0.5 - 0.3333]",
		"2026-06-08 5 [- 0.6 - -]",
		"2026-06-15 1 [- - -]")
	expectRetention("from=2026-06-03T18:00:00Z&to=2026-06-15T00:00:00Z&interval=week&event=session_booked",
		"2026-06-01 6 [- - 0.5 - -]",
		"2026-06-08 5 [- 0.6 - -]")

	// Fri 07-10 12h: active since 06-12 12h: a1, a2, b0, b1, c0, c1.
	clock.Set(fakeclock.Parse("2026-07-10T12:00:00Z"))
	expectSeats(seats, "orgs=3 seats=14 invited=9 joined=11 started=6 active=6 suppressed=[]")
	expectSeats(seats+"&utm_source=google", "orgs=2 seats=14 invited=8 joined=9 started=4 active=4 suppressed=[]")
	expectSeats(seats+"&plan_id=team-yearly", "orgs=1 seats=4 invited=3 joined=4 started=2 active=2 suppressed=[]")
	expectSeats(seats+"&plan_id=standalone-monthly", "orgs=1 seats=10 invited=5 joined=5 started=2 active=2 suppressed=[]")
	expectSeats(seats+"&utm_source=linkedin", "orgs=1 seats=0 invited=1 joined=2 started=- active=- suppressed=[members_started members_active_28d]")
	expectSeats("from=2026-06-15&to=2026-06-16", "orgs=1 seats=0 invited=0 joined=1 started=- active=- suppressed=[members_started members_active_28d]")
	// Week 5 of the 06-01 cohort has begun, with no one in it.
	expectRetention("from=2026-06-01&to=2026-06-08&interval=week", "2026-06-01 6 [- 0.6667 0.5 - 0.3333 -]")
}

// TestSeatMetricsLeaveRemovedMembersOut: a removed member is neither
// joined nor active any more (their join week still counts them).
func TestSeatMetricsLeaveRemovedMembersOut(t *testing.T) {
	t.Parallel()
	clock := &fakeclock.Clock{}
	clock.Set(fakeclock.Parse("2026-06-01T09:00:00Z"))
	env := testenv.New(t, withClock(clock, 2))
	_, staff := env.StaffToken(t)
	j := journey{t: t, env: env, clock: clock}
	owner := j.signup("google")
	var members []member
	for _, token := range j.invite(owner, 5) {
		members = append(members, j.accept(token))
	}
	j.use("app_opened", members[:3]...)
	clock.Set(fakeclock.Parse("2026-06-02T09:00:00Z"))
	env.Do(t, "DELETE", "/v1/organization/members/"+members[0].userID.String(), nil, testenv.WithBearer(owner.token)).Expect(t, http.StatusNoContent)
	// Six joined, one removed; two of the five left are active.
	if got := seatMetrics(t, env, staff, "from=2026-06-01&to=2026-06-02").String(); got !=
		"orgs=1 seats=0 invited=5 joined=5 started=- active=2 suppressed=[members_started]" {
		t.Fatal(got)
	}
	r := retentionMetrics(t, env, staff, "from=2026-06-01&to=2026-06-02&interval=week")
	if fmt.Sprint(r.Strings()) != "[2026-06-01 6 [0.5]]" {
		t.Fatalf("retention %v", r.Strings())
	}
}

// TestMemberMetricsCannotTellWhetherAMemberBooked: in a company of four,
// the staff metrics answer exactly the same before and after one member
// books a session and comes back a week later.
func TestMemberMetricsCannotTellWhetherAMemberBooked(t *testing.T) {
	t.Parallel()
	clock := &fakeclock.Clock{}
	clock.Set(fakeclock.Parse("2026-06-01T09:00:00Z"))
	env := testenv.New(t, withClock(clock, 0)) // the default floor, 5
	_, staff := env.StaffToken(t)
	publishSteps(t, env, staff, memberStep(eventStep("first_session_booked", "session_booked", 1, true)))
	j := journey{t: t, env: env, clock: clock}
	owner := j.signup("google")
	var members []member
	for _, token := range j.invite(owner, 3) {
		members = append(members, j.accept(token))
	}

	clock.Set(fakeclock.Parse("2026-06-20T09:00:00Z"))
	snapshot := func() map[string]string {
		// Recounted first, as the hourly job would (and its run at start
		// could otherwise fall between the two snapshots).
		if _, err := env.App.Onboarding.RecountActiveMembers(context.Background()); err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, path := range []string{
			"/v1/admin/metrics/seats?from=2026-06-01&to=2026-06-02",
			"/v1/admin/metrics/seats?from=2026-06-01&to=2026-06-02&utm_source=google",
			"/v1/admin/metrics/retention?from=2026-06-01&to=2026-06-02&interval=week",
			"/v1/admin/metrics/retention?from=2026-06-01&to=2026-06-02&interval=week&event=session_booked",
		} {
			out[path] = string(env.Do(t, "GET", path, nil, testenv.WithBearer(staff)).Expect(t, http.StatusOK).Body)
		}
		return out
	}
	before := snapshot()
	postEvents(t, env, members[0].token, ev("session_booked", fakeclock.Parse("2026-06-03T10:00:00Z")),
		ev("app_opened", fakeclock.Parse("2026-06-10T10:00:00Z"))).Expect(t, http.StatusAccepted)
	if status, _, _, _ := checklist(t, env, members[0].token).step(t, "first_session_booked"); status != "completed" {
		t.Fatalf("the member's own step: %s, want completed", status)
	}
	for path, body := range snapshot() {
		if before[path] != body {
			t.Errorf("%s changed after a member booked:\nbefore %s\nafter  %s", path, before[path], body)
		}
	}
}
