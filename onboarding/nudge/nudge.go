// Package nudge sends gentle reminders about onboarding: an invitation
// still pending, a member's own step not taken, a company step left, a
// trial about to end. PMs write the rules (when a reminder would help, and
// its text in English and French); the guardrails in guardrails.go decide,
// whatever a rule says, whether it may go: a weekly cap per person across
// rules, never at night or on a weekend in the person's time zone, never
// after an opt-out, never once the goal is reached or the checklist is
// dismissed, never to a company whose subscription has lapsed. A stable
// share of the people each rule would remind is held out and never mailed,
// so its effect is measured against doing nothing.
//
// The sweep (sweep.go) runs periodically on one server at a time and from
// `onramp nudges run`; each decision is a row inserted in the transaction
// that queues its email, so a reminder goes at most once.
package nudge

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/clock"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/internal/unsubscribe"
)

// Trigger types: when a rule would remind someone.
const (
	// InvitationPending reminds an invitee who has not accepted
	// after_days after the invitation.
	InvitationPending = "invitation_pending"
	// MemberStepPending reminds a member whose own step is still pending
	// after_days after they joined.
	MemberStepPending = "member_step_pending"
	// OrganizationStepPending reminds owners and admins of a company step
	// still pending after_days after signup.
	OrganizationStepPending = "organization_step_pending"
	// TrialEnding reminds owners and admins after_days before the trial
	// ends, while nothing has been paid.
	TrialEnding = "trial_ending"
)

// Auditor records an admin change in the caller's transaction
// (onboarding.Service.Audit).
type Auditor interface {
	Audit(ctx context.Context, tx *database.Tx, actor uuid.UUID, action, target string, before, after any) error
}

// Mailer queues emails in the caller's transaction (jobs.Mailer).
type Mailer interface {
	EnqueueMany(ctx context.Context, tx *database.Tx, msgs []mail.Message) error
}

// UnsubscribeLinks signs the one-click unsubscribe link of a person and a
// category.
type UnsubscribeLinks interface {
	URL(email string, c unsubscribe.Category) string
}

// InvitationLinks mints, in the caller's transaction, a fresh accept link
// for a pending invitation (the first one was sent once and only its hash
// is kept) without ending the first.
type InvitationLinks interface {
	InvitationReminderLink(ctx context.Context, tx *database.Tx, orgID, invitationID uuid.UUID) (string, error)
}

// Config holds the service's dependencies and the guardrails' settings.
type Config struct {
	DB          *database.DB
	Audit       Auditor
	Mailer      Mailer
	Unsubscribe UnsubscribeLinks
	Invitations InvitationLinks
	Clock       clock.Clock // nil: the system clock
	Log         *slog.Logger
	// AppURL is where reminders other than invitations link to (the
	// customer's application; PUBLIC_URL when it has none).
	AppURL *url.URL
	// DefaultLocale is the language of a person who has not said theirs.
	DefaultLocale mail.Locale
	// Policy is the guardrails (zero fields: the defaults).
	Policy Policy
	// MinGroupSize is the smallest group a count of the effect may
	// describe (0: 5).
	MinGroupSize int
}

// Service runs the nudge use cases.
type Service struct {
	db           *database.DB
	store        store
	audit        Auditor
	mailer       Mailer
	unsubscribe  UnsubscribeLinks
	invitations  InvitationLinks
	now          func() time.Time
	log          *slog.Logger
	appURL       string
	locale       mail.Locale
	policy       Policy
	minGroupSize int
}

// NewService builds the nudge service.
func NewService(c Config) *Service {
	s := &Service{db: c.DB, store: store{db: c.DB}, audit: c.Audit, mailer: c.Mailer, unsubscribe: c.Unsubscribe,
		invitations: c.Invitations, now: clock.Or(c.Clock).Now, log: c.Log, locale: c.DefaultLocale, policy: c.Policy.withDefaults(),
		minGroupSize: c.MinGroupSize}
	if c.AppURL != nil {
		s.appURL = c.AppURL.String()
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.minGroupSize <= 0 {
		s.minGroupSize = 5
	}
	return s
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
