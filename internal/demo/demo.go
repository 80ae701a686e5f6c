// Package demo fills a local database with a dozen weeks of made-up
// companies — signups, checkouts, trials, payments, invitations, members
// and their use of the service — so that every chart of the PM console has
// something to show on a newcomer's first `make run`.
//
// Nothing is inserted behind the services' backs: the story runs through
// the real write paths (accounts' signup, verification, invitations and
// their acceptance; billing's checkout and its webhook, fed with signed
// Stripe events made up by internal/fakestripe; onboarding's event
// ingestion), with the services' clock moved back in time and forward
// again as the story goes, so every invariant, counter and rollup is the
// one production would hold.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stripe/stripe-go/v76/client"

	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/internal/clock"
	"github.com/onramp/onramp/internal/database"
)

// Config is what the demo writes with. Stripe must point at stripe-mock:
// every checkout creates a customer and a session in it.
type Config struct {
	DB      *database.DB
	Catalog *billing.Catalog
	Stripe  *client.API
	// Clock is the present, where the story ends (nil: the system clock).
	Clock clock.Clock
}

// Summary tells what the demo made.
type Summary struct {
	// AlreadyPresent: an earlier run made the demo data; nothing was added.
	AlreadyPresent bool
	// ChecklistSeeded: this run published the demo checklist and
	// activation definition (back-dated to before the first signup); false
	// when the database already had a version.
	ChecklistSeeded bool
	Companies       int
	Checkouts       int // companies that opened a checkout
	Trials          int // subscriptions started
	Paying          int // companies that paid an invoice
	Members         int // people who accepted an invitation
	Events          int // product events members sent
	From, To        time.Time
	// SampleOwner signs in with Password, as does every demo person.
	SampleOwner string
	Password    string
}

// Password is every demo person's password: the data is made up and lives
// in a local database, and a newcomer may want to sign in as a customer.
const Password = "demo password, not secret"

// Weeks is how far back the story starts.
const Weeks = 12

// Seed publishes the demo checklist if none exists, then tells the story
// of the demo companies, unless an earlier run already did. The publish is
// dated before the story's first signup, so a caller must not publish the
// checklist first: onboarding's seed does nothing once a version exists,
// and the versions page would show it published after every demo signup.
func Seed(ctx context.Context, cfg Config) (Summary, error) {
	if cfg.DB == nil || cfg.Catalog == nil || cfg.Stripe == nil {
		return Summary{}, errors.New("demo: a database, a plan catalog and a Stripe client are required")
	}
	sv, err := newServices(cfg)
	if err != nil {
		return Summary{}, err
	}
	now := clock.Or(cfg.Clock).Now().UTC().Truncate(time.Second)
	companies := cast()
	first, last := companies[0].owner.email, companies[len(companies)-1].owner.email
	firstThere, err := sv.accounts.EmailTaken(ctx, first)
	if err != nil {
		return Summary{}, fmt.Errorf("demo: %w", err)
	}
	lastThere, err := sv.accounts.EmailTaken(ctx, last)
	if err != nil {
		return Summary{}, fmt.Errorf("demo: %w", err)
	}
	switch {
	case firstThere && lastThere:
		return Summary{AlreadyPresent: true, SampleOwner: first, Password: Password}, nil
	case firstThere || lastThere:
		return Summary{}, fmt.Errorf("demo: an earlier run stopped half-way (%s exists, %s does not): start from an empty database", first, last)
	}

	// The story's checklist is the demo one; a database with its own is
	// left as it is, and the story's steps follow it.
	sv.clock.set(now.AddDate(0, 0, -7*Weeks-1))
	seeded, err := sv.onboarding.Seed(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("demo: %w", err)
	}
	st := newStory(sv, now)
	for i, c := range companies {
		st.introduce(i, len(companies), c)
	}
	if err := st.run(ctx); err != nil {
		return Summary{}, err
	}
	st.summary.ChecklistSeeded = seeded
	st.summary.Companies = len(companies)
	st.summary.From, st.summary.To = now.AddDate(0, 0, -7*Weeks), now
	st.summary.SampleOwner = first
	st.summary.Password = Password
	return st.summary, nil
}
