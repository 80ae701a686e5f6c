package api_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/testenv"
)

type funnelBody struct {
	Stages []struct {
		Name     string  `json:"name"`
		StepKey  string  `json:"step_key"`
		Count    int     `json:"count"`
		FromPrev float64 `json:"conversion_from_previous"`
		FromAll  float64 `json:"conversion_from_start"`
	} `json:"stages"`
}

type cohortsBody struct {
	Cohorts []struct {
		Start          time.Time `json:"start"`
		SignedUp       int       `json:"signed_up"`
		Paid           int       `json:"paid"`
		Activated      int       `json:"activated"`
		ActivationRate float64   `json:"activation_rate"`
		Median         *float64  `json:"median_hours_to_activate"`
	} `json:"cohorts"`
}

// metricsFixture: activation = invite_teammate within 7 days.
//
//	org  signup (UTC)        source    checkout trial paid  invited     activated
//	o1   Mon 2026-10-05 10h  google    yes      yes   yes   +24h        +24h
//	o2   Tue 2026-10-06 10h  google    yes      yes   no    +48h        +48h
//	o3   Wed 2026-10-07 10h  linkedin  no       no    no    -           -
//	o4   Mon 2026-10-12 08h  linkedin  yes      no    yes   +10 days    no (outside the window)
//	o5   Wed 2026-10-14 12h  (none)    yes      yes   yes   +12h        +12h
//	o6   Mon 2026-10-26 09h  google    no       no    no    -           -
//	o7   Sun 2026-09-20 10h  google    yes      yes   yes   +5h         +5h
func metricsFixture(t *testing.T, env *testenv.Env, staff string) {
	t.Helper()
	publishSteps(t, env, staff, eventStep("invite_teammate", "member_invited", 1, true), eventStep("first_session_booked", "session_booked", 1, false))
	setActivation(t, env, staff, 7, "invite_teammate")
	at := func(s string) time.Time {
		ts, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	type fixture struct {
		signup, source        string
		checkout, trial, paid bool
		invitedAfter          time.Duration
	}
	for _, f := range []fixture{
		{"2026-10-05T10:00:00Z", "google", true, true, true, 24 * time.Hour},
		{"2026-10-06T10:00:00Z", "google", true, true, false, 48 * time.Hour},
		{"2026-10-07T10:00:00Z", "linkedin", false, false, false, 0},
		{"2026-10-12T08:00:00Z", "linkedin", true, false, true, 10 * 24 * time.Hour},
		{"2026-10-14T12:00:00Z", "", true, true, true, 12 * time.Hour},
		{"2026-10-26T09:00:00Z", "google", false, false, false, 0},
		{"2026-09-20T10:00:00Z", "google", true, true, true, 5 * time.Hour},
	} {
		signup := at(f.signup)
		org := env.NewOrg(t, testenv.OrgOptions{CreatedAt: signup, UTMSource: f.source})
		record(t, env, org.ID, "organization_signed_up", signup)
		if f.checkout {
			record(t, env, org.ID, "checkout_started", signup.Add(time.Hour))
		}
		if f.trial {
			record(t, env, org.ID, "trial_started", signup.Add(90*time.Minute))
		}
		if f.paid {
			record(t, env, org.ID, "subscription_activated", signup.Add(2*time.Hour))
			record(t, env, org.ID, "invoice_paid", signup.Add(2*time.Hour))
		}
		if f.invitedAfter > 0 {
			record(t, env, org.ID, "member_invited", signup.Add(f.invitedAfter))
		}
	}
}

func TestFunnelAndCohortsMatchHandComputedNumbers(t *testing.T) {
	t.Parallel()
	// Medians need at least MIN_GROUP_SIZE activated organizations: 2 here.
	env := testenv.New(t, func(c *config.Config) { c.MinGroupSize = 2 })
	_, staff := env.StaffToken(t)
	as := testenv.WithBearer(staff)
	metricsFixture(t, env, staff)

	// o1..o5 signed up in [Oct 5, Oct 26).
	var f funnelBody
	env.Do(t, "GET", "/v1/admin/metrics/funnel?from=2026-10-05&to=2026-10-26", nil, as).Expect(t, http.StatusOK).Decode(t, &f)
	assertStages(t, f, []stage{
		{"signed_up", 5, 1, 1},
		{"checkout_started", 4, 0.8, 0.8},
		{"trial_started", 4, 1, 0.8}, // o4 paid without a trial: past the stage all the same
		{"paid", 3, 0.75, 0.6},       // o2 is still in its trial
		{"step:invite_teammate", 3, 1, 0.6},
		{"activated", 2, 0.6667, 0.4}, // o2 is activated but never paid
	})
	env.Do(t, "GET", "/v1/admin/metrics/funnel?from=2026-10-05T00:00:00Z&to=2026-10-26T00:00:00Z&utm_source=google", nil, as).Expect(t, http.StatusOK).Decode(t, &f)
	assertStages(t, f, []stage{
		{"signed_up", 2, 1, 1},
		{"checkout_started", 2, 1, 1},
		{"trial_started", 2, 1, 1},
		{"paid", 1, 0.5, 0.5},
		{"step:invite_teammate", 1, 1, 0.5},
		{"activated", 1, 1, 0.5},
	})
	// No organization: conversions with a zero denominator are 0.
	env.Do(t, "GET", "/v1/admin/metrics/funnel?from=2025-01-01&to=2025-02-01", nil, as).Expect(t, http.StatusOK).Decode(t, &f)
	assertStages(t, f, []stage{{"signed_up", 0, 0, 0}, {"checkout_started", 0, 0, 0}, {"trial_started", 0, 0, 0}, {"paid", 0, 0, 0}, {"step:invite_teammate", 0, 0, 0}, {"activated", 0, 0, 0}})

	var c cohortsBody
	env.Do(t, "GET", "/v1/admin/metrics/activation?from=2026-10-05&to=2026-10-26&interval=week", nil, as).Expect(t, http.StatusOK).Decode(t, &c)
	assertCohorts(t, c, []cohort{
		{"2026-10-05", 3, 1, 2, 0.6667, ptr(36)}, // o1 24 h, o2 48 h
		{"2026-10-12", 2, 2, 1, 0.5, nil},        // o5 alone (o4 outside the window): no median of one
		{"2026-10-19", 0, 0, 0, 0, nil},
	})
	env.Do(t, "GET", "/v1/admin/metrics/activation?from=2026-09-01&to=2026-11-01&interval=month", nil, as).Expect(t, http.StatusOK).Decode(t, &c)
	assertCohorts(t, c, []cohort{
		{"2026-09-01", 1, 1, 1, 1, nil},       // one activated organization: no median
		{"2026-10-01", 6, 3, 3, 0.5, ptr(24)}, // 12, 24, 48 h
	})
	env.Do(t, "GET", "/v1/admin/metrics/activation?from=2026-09-01&to=2026-11-01&interval=month&utm_source=linkedin", nil, as).Expect(t, http.StatusOK).Decode(t, &c)
	assertCohorts(t, c, []cohort{{"2026-09-01", 0, 0, 0, 0, nil}, {"2026-10-01", 2, 1, 0, 0, nil}})

	for _, q := range []string{
		"/v1/admin/metrics/funnel?from=2026-10-26&to=2026-10-05",
		"/v1/admin/metrics/funnel?from=2026-10-05&to=2026-10-05",
		"/v1/admin/metrics/funnel?to=2026-10-05",
		"/v1/admin/metrics/funnel?from=last+week&to=2026-10-05",
		"/v1/admin/metrics/funnel?from=2020-01-01&to=2026-10-05",
		"/v1/admin/metrics/activation?from=2026-10-05&to=2026-10-26",
		"/v1/admin/metrics/activation?from=2026-10-05&to=2026-10-26&interval=day",
	} {
		env.Do(t, "GET", q, nil, as).Expect(t, http.StatusUnprocessableEntity)
	}
}

type stage struct {
	name            string
	count           int
	fromPrev, start float64
}

func assertStages(t *testing.T, f funnelBody, want []stage) {
	t.Helper()
	if len(f.Stages) != len(want) {
		t.Fatalf("stages %+v, want %+v", f.Stages, want)
	}
	for i, w := range want {
		g := f.Stages[i]
		if g.Name != w.name || g.Count != w.count || g.FromPrev != w.fromPrev || g.FromAll != w.start {
			t.Fatalf("stage %d: %+v, want %+v", i, g, w)
		}
	}
}

type cohort struct {
	start                     string
	signedUp, paid, activated int
	rate                      float64
	median                    *float64
}

func ptr(f float64) *float64 { return &f }

func assertCohorts(t *testing.T, c cohortsBody, want []cohort) {
	t.Helper()
	got, _ := json.Marshal(c.Cohorts)
	if len(c.Cohorts) != len(want) {
		t.Fatalf("cohorts %s, want %+v", got, want)
	}
	for i, w := range want {
		g := c.Cohorts[i]
		start, _ := time.Parse(time.DateOnly, w.start)
		medianOK := (g.Median == nil && w.median == nil) || (g.Median != nil && w.median != nil && *g.Median == *w.median)
		if !g.Start.Equal(start) || g.SignedUp != w.signedUp || g.Paid != w.paid || g.Activated != w.activated || g.ActivationRate != w.rate || !medianOK {
			t.Fatalf("cohort %d: %s, want %+v", i, got, w)
		}
	}
}
