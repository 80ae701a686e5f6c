package demo

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/internal/testing/fakeclock"
	"github.com/onramp/onramp/internal/testing/stripemock"
	"github.com/onramp/onramp/onboarding"
)

func TestSeedFillsEveryChartOnceAndOnlyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	catalog, err := billing.LoadCatalog("../../dev/plans.yaml")
	if err != nil {
		t.Fatal(err)
	}
	present := fakeclock.At("2026-03-18T15:04:05Z")
	cfg := Config{DB: db, Catalog: catalog, Clock: present,
		Stripe: billing.NewStripeClient("sk_test_demo", stripemock.URL(t), 0, slog.New(slog.DiscardHandler))}

	sum, err := Seed(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", sum)
	if sum.AlreadyPresent || !sum.ChecklistSeeded || sum.Companies != len(companyNames) || sum.Members == 0 || sum.Events == 0 || sum.Paying == 0 {
		t.Fatalf("summary %+v", sum)
	}

	// The PM console's charts, read as the admin API reads them.
	metrics := onboarding.NewService(onboarding.Config{DB: db, Clock: present})
	q := onboarding.MetricsQuery{From: sum.From.Add(-day), To: sum.To.Add(day)}
	funnel, err := metrics.Funnel(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	for _, stage := range funnel.Stages {
		t.Logf("%-28s %3d", stage.Name, stage.Count)
		if stage.Count == 0 {
			t.Errorf("funnel stage %s is empty", stage.Name)
		}
	}
	if funnel.Stages[0].Count != int64(len(companyNames)) {
		t.Errorf("%d signed up, want %d", funnel.Stages[0].Count, len(companyNames))
	}

	q.Interval = "week"
	cohorts, err := metrics.Cohorts(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	weeks, activated := 0, int64(0)
	for _, c := range cohorts {
		if c.SignedUp > 0 {
			weeks++
		}
		activated += c.Activated
	}
	if weeks < 10 || activated == 0 {
		t.Errorf("%d weekly cohorts with signups (want ≥ 10), %d activated (want some)", weeks, activated)
	}

	seats, err := metrics.Seats(ctx, onboarding.SeatsQuery{MetricsQuery: onboarding.MetricsQuery{From: q.From, To: q.To}})
	if err != nil {
		t.Fatal(err)
	}
	if seats.SeatsPaid == 0 || seats.MembersJoined == 0 || seats.MembersInvited == 0 {
		t.Errorf("seats %+v", seats)
	}
	retention, err := metrics.Retention(ctx, onboarding.RetentionQuery{From: q.From, To: q.To, Interval: "week"})
	if err != nil {
		t.Fatal(err)
	}
	retained := 0
	for _, c := range retention.Cohorts {
		for _, share := range c.Retained[1:] {
			if share != nil && *share > 0 {
				retained++
			}
		}
	}
	if retained == 0 {
		t.Errorf("no member came back in a later week: %+v", retention.Cohorts)
	}

	// A second run adds nothing, and says so.
	present.Advance(time.Hour)
	again, err := Seed(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !again.AlreadyPresent {
		t.Fatalf("second run: %+v", again)
	}
	after, err := metrics.Funnel(ctx, onboarding.MetricsQuery{From: q.From, To: q.To.Add(2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if after.Stages[0].Count != funnel.Stages[0].Count {
		t.Errorf("a second run changed the signups: %d, then %d", funnel.Stages[0].Count, after.Stages[0].Count)
	}
}
