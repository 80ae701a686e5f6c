package demo

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/fakestripe"
	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/onboarding"
)

const day = 24 * time.Hour

// company is one demo customer: who it is, what it will do (decided when
// it is introduced), and what the services answered so far.
type company struct {
	name, domain, utmSource string
	owner                   person

	willVerify, willCheckout, willSubscribe, willPay bool
	team                                             int // how many people it means to invite

	orgID, ownerID       uuid.UUID
	verified, subscribed bool
	teamPlanned          bool
	plan                 billing.Plan
	seats                int
	sub                  fakestripe.Subscription
}

// introduce plans company i of n: its signup, in its share of the weeks,
// and what follows from it.
func (s *story) introduce(i, n int, c *company) {
	span := time.Duration(Weeks) * 7 * day
	slot := span / time.Duration(n)
	// Fates by turns rather than by draws, so that every week of the
	// story has companies at every stage of the funnel.
	c.willVerify, c.willCheckout = i%10 != 9, i%4 != 3
	c.willSubscribe, c.willPay = i%7 != 5, i%6 != 4
	// Teams large enough that a week's new members are a group whose
	// retention the privacy floor (MIN_GROUP_SIZE, and its complement)
	// lets the console show.
	c.team = 6 + s.rnd.IntN(15)
	s.at(s.now.Add(-span+time.Duration(i)*slot+s.between(0, slot*4/5)), "sign up "+c.name, func(ctx context.Context) error {
		return s.signUp(ctx, c)
	})
}

func (s *story) signUp(ctx context.Context, c *company) error {
	locale := account.LocaleEN
	if s.chance(0.4) {
		locale = account.LocaleFR
	}
	session, err := s.sv.accounts.Signup(ctx, account.SignupInput{CompanyName: c.name, Email: c.owner.email, Password: Password,
		FullName: c.owner.name, UTMSource: c.utmSource, Locale: locale})
	if err != nil {
		return err
	}
	c.orgID, c.ownerID = session.Organization.ID, session.User.ID
	now := s.sv.clock.Now()
	if c.willVerify {
		s.at(now.Add(s.between(5*time.Minute, 20*time.Hour)), "verify "+c.owner.email, func(ctx context.Context) error {
			return s.verify(ctx, c)
		})
	}
	if c.willCheckout {
		s.at(now.Add(s.between(2*time.Hour, 3*day)), "checkout of "+c.name, func(ctx context.Context) error {
			return s.checkout(ctx, c)
		})
	}
	return nil
}

func (s *story) verify(ctx context.Context, c *company) error {
	token, err := s.sv.inbox.token(mail.KindEmailVerification, c.owner.email)
	if err != nil {
		return err
	}
	if err := s.sv.accounts.VerifyEmail(ctx, token); err != nil {
		return err
	}
	c.verified = true
	s.planTeam(c)
	return nil
}

func (s *story) checkout(ctx context.Context, c *company) error {
	plans := s.sv.billing.Plans()
	c.plan = plans[0]
	if len(plans) > 1 && s.chance(0.2) {
		c.plan = plans[1]
	}
	c.seats = min(max(c.plan.MinSeats, c.team+1+s.rnd.IntN(6)), c.plan.MaxSeats)
	if _, err := s.sv.billing.CreateCheckout(ctx, c.orgID, c.ownerID, billing.CheckoutInput{PlanID: c.plan.ID, Seats: c.seats}); err != nil {
		return err
	}
	s.summary.Checkouts++
	if c.willSubscribe {
		s.at(s.sv.clock.Now().Add(s.between(5*time.Minute, 40*time.Minute)), "subscription of "+c.name, func(ctx context.Context) error {
			return s.subscribe(ctx, c)
		})
	}
	return nil
}

// subscribe is the buyer paying in Checkout: Stripe's subscription for the
// customer the checkout stored, on the plan and seats it was opened for.
func (s *story) subscribe(ctx context.Context, c *company) error {
	link, err := s.sv.billing.StripeLink(ctx, c.orgID)
	if err != nil {
		return err
	}
	now := s.sv.clock.Now()
	c.sub = fakestripe.OnPlan(c.plan, now)
	c.sub.OrganizationID, c.sub.CustomerID, c.sub.Seats = c.orgID.String(), link.CustomerID, c.seats
	c.sub.ID, c.sub.ItemID = fakestripe.NewID("sub"), fakestripe.NewID("si")
	firstCharge := now
	if c.plan.TrialDays > 0 {
		firstCharge = c.sub.TrialEnd
		s.at(firstCharge.Add(-3*day), "trial of "+c.name+" ending", func(ctx context.Context) error {
			return s.deliver(ctx, fakestripe.TrialEnding, c.sub)
		})
	}
	if err := s.deliver(ctx, fakestripe.SubscriptionCreated, c.sub); err != nil {
		return err
	}
	s.summary.Trials++
	c.subscribed = true
	s.planTeam(c)
	s.at(firstCharge, "first charge of "+c.name, func(ctx context.Context) error { return s.charge(ctx, c, true) })
	return nil
}

// charge is a period's invoice: paid, then the next period's is planned;
// or, for a company that will not pay, failed, and the subscription past
// due.
func (s *story) charge(ctx context.Context, c *company, first bool) error {
	c.sub.InvoiceID = fakestripe.NewID("in")
	if !c.willPay {
		if err := s.deliver(ctx, fakestripe.PaymentFailed, c.sub); err != nil {
			return err
		}
		return s.deliver(ctx, fakestripe.SubscriptionPastDue, c.sub)
	}
	if first && !c.sub.TrialEnd.IsZero() {
		if err := s.deliver(ctx, fakestripe.SubscriptionActive, c.sub); err != nil {
			return err
		}
	}
	if err := s.deliver(ctx, fakestripe.InvoicePaid, c.sub); err != nil {
		return err
	}
	if first {
		s.summary.Paying++
	}
	next := s.sv.clock.Now().AddDate(0, 1, 0)
	if c.plan.Interval == "year" {
		next = s.sv.clock.Now().AddDate(1, 0, 0)
	}
	s.at(next, "renewal of "+c.name, func(ctx context.Context) error { return s.charge(ctx, c, false) })
	return nil
}

// deliver hands billing a signed event, as Stripe's webhook delivery
// would, and insists that it was applied.
func (s *story) deliver(ctx context.Context, kind fakestripe.Kind, sub fakestripe.Subscription) error {
	now := s.sv.clock.Now()
	payload, err := fakestripe.Event(fakestripe.NewID("evt"), kind, sub, now)
	if err != nil {
		return err
	}
	outcome, err := s.sv.billing.HandleWebhook(ctx, payload, fakestripe.Sign(payload, s.sv.webhookSecret, now))
	if err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	if outcome != billing.OutcomeApplied {
		return fmt.Errorf("%s: billing answered %s, not applied", kind, outcome)
	}
	return nil
}

// planTeam plans the invitations once the owner may send them (verified)
// and, for a company about to subscribe, once it has seats. A company that
// will not pay invites a colleague or two, or nobody.
func (s *story) planTeam(c *company) {
	if c.teamPlanned || !c.verified || (c.willCheckout && c.willSubscribe && !c.subscribed) {
		return
	}
	c.teamPlanned = true
	n := min(c.team, c.seats-1)
	if !c.subscribed {
		n = 0
		if s.chance(0.5) {
			n = 1 + s.rnd.IntN(2)
		}
	}
	at := s.sv.clock.Now().Add(s.between(2*time.Hour, 4*day))
	for j := range n {
		first := firstNames[(j*7+len(c.name))%len(firstNames)]
		who := person{name: first + " " + c.name[:1] + ".", email: fmt.Sprintf("%s.%d@%s", plain(first), j+1, c.domain)}
		s.at(at, "invitation of "+who.email, func(ctx context.Context) error { return s.invite(ctx, c, who) })
		at = at.Add(s.between(5*time.Minute, 3*time.Hour))
	}
}

func (s *story) invite(ctx context.Context, c *company, who person) error {
	owner := auth.Principal{UserID: c.ownerID, OrgID: c.orgID, Role: account.RoleOwner}
	if _, err := s.sv.accounts.Invite(ctx, owner, account.InviteInput{Email: who.email}); err != nil {
		return err
	}
	if s.chance(0.8) {
		s.at(s.sv.clock.Now().Add(s.between(time.Hour, 5*day)), "acceptance of "+who.email, func(ctx context.Context) error {
			return s.accept(ctx, c, who)
		})
	}
	return nil
}

// accept makes the invitee a member, and plans how they use the service:
// a first session for some, then weeks of visits, fewer as weeks go by.
func (s *story) accept(ctx context.Context, c *company, who person) error {
	token, err := s.sv.inbox.token(mail.KindInvitation, who.email)
	if err != nil {
		return err
	}
	session, err := s.sv.accounts.AcceptInvitation(ctx, account.AcceptInput{Token: token, FullName: who.name, Password: Password})
	if err != nil {
		return err
	}
	s.summary.Members++
	member := onboarding.Caller{OrgID: c.orgID, UserID: session.User.ID, Role: account.RoleMember}
	joined := s.sv.clock.Now()
	if s.chance(0.55) {
		s.at(joined.Add(s.between(2*time.Hour, 10*day)), "first session", func(ctx context.Context) error {
			return s.use(ctx, member, "session_booked")
		})
	}
	engagement := 0.4 + 0.6*s.rnd.Float64()
	for week := 1; week <= Weeks; week++ {
		if !s.chance(engagement * math.Pow(0.85, float64(week))) {
			continue
		}
		name := activities[s.rnd.IntN(len(activities))]
		s.at(joined.Add(time.Duration(week)*7*day+s.between(0, 6*day)), "visit", func(ctx context.Context) error {
			return s.use(ctx, member, name)
		})
	}
	return nil
}

// activities are the product events of a member's visit.
var activities = []string{"session_booked", "session_booked", "guide_opened", "guide_opened", "checkin_answered"}

// use sends one product event from a member, as their app would.
func (s *story) use(ctx context.Context, member onboarding.Caller, name string) error {
	_, err := s.sv.onboarding.Ingest(ctx, member, []onboarding.ClientEvent{{
		ID: uuid.NewString(), Name: name, Timestamp: s.sv.clock.Now().Format(time.RFC3339),
	}})
	if err == nil {
		s.summary.Events++
	}
	return err
}
