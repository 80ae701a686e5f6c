// Package account holds organizations, users, memberships, invitations,
// sessions (rotating refresh-token families), passwords and email tokens.
package account

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/clock"
	"github.com/onramp/onramp/internal/coalesce"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/internal/serverevent"
	"github.com/onramp/onramp/internal/unsubscribe"
)

// Mailer queues an email in the caller's transaction; jobs.Mailer
// implements it. Forget drops, in the caller's transaction, the queued
// emails and requests that name a person erasing their account.
type Mailer interface {
	Enqueue(ctx context.Context, tx *database.Tx, m mail.Message) error
	Forget(ctx context.Context, tx *database.Tx, userID uuid.UUID, email string) error
}

// PasswordResetQueue queues a password reset request in the caller's
// transaction, for SendPasswordReset to answer later; jobs.PasswordResets
// implements it.
type PasswordResetQueue interface {
	Enqueue(ctx context.Context, tx *database.Tx, email string) error
}

// Config holds the service's dependencies.
type Config struct {
	DB             *database.DB
	Signer         *auth.Signer
	Mailer         Mailer
	PasswordResets PasswordResetQueue
	Seats          SeatPolicy           // nil: FreeSeats
	Events         serverevent.Recorder // nil: no product events recorded
	PersonalData   PersonalData         // nil: the account's own data is all there is
	PublicURL      *url.URL             // base of links in emails
	// Unsubscribe verifies the tokens of unsubscribe links (nil: every
	// one is refused).
	Unsubscribe *unsubscribe.Signer
	// SignupRateLimit is signups per client IP per hour; 0 disables it.
	SignupRateLimit int
	// DefaultLocale is the language of someone who has not said theirs
	// (DEFAULT_LOCALE; "": English).
	DefaultLocale mail.Locale
	Clock         clock.Clock  // nil: the system clock
	Log           *slog.Logger // nil: discard
}

// Service runs account use cases.
type Service struct {
	db              *database.DB
	signer          *auth.Signer
	mailer          Mailer
	resets          PasswordResetQueue
	seats           SeatPolicy
	events          serverevent.Recorder
	personal        PersonalData
	publicURL       *url.URL
	unsubscribe     *unsubscribe.Signer
	signupRateLimit int
	defaultLocale   mail.Locale
	now             func() time.Time
	log             *slog.Logger
	passwords       *hasher
	limits          *limiter
	access          *coalesce.Batcher[auth.Principal, access]
}

// Now is the service's clock: what "expired" means for what it returns.
func (s *Service) Now() time.Time { return s.now() }

// NewService builds the account service.
func NewService(c Config) *Service {
	s := &Service{
		db:              c.DB,
		signer:          c.Signer,
		mailer:          c.Mailer,
		resets:          c.PasswordResets,
		seats:           c.Seats,
		events:          c.Events,
		personal:        c.PersonalData,
		publicURL:       c.PublicURL,
		unsubscribe:     c.Unsubscribe,
		signupRateLimit: c.SignupRateLimit,
		defaultLocale:   c.DefaultLocale,
		log:             c.Log,
		passwords:       newHasher(),
	}
	if s.seats == nil {
		s.seats = FreeSeats{}
	}
	if s.defaultLocale == "" {
		s.defaultLocale = mail.English
	}
	// PostgreSQL keeps microseconds: answers made from Go values then read
	// the same as those read back from the database later.
	clk := clock.Or(c.Clock)
	s.now = func() time.Time { return clk.Now().UTC().Truncate(time.Microsecond) }
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.limits = &limiter{db: s.db, now: s.now}
	s.access = newAccessReads(s.db.Pool)
	return s
}

// localeOf is the language of a person who said said (users.locale),
// DEFAULT_LOCALE when they said nothing.
func (s *Service) localeOf(said *string) mail.Locale { return mail.LocaleOf(said, s.defaultLocale) }

// recordEvent records a server-side product event in tx when a recorder is
// configured.
func (s *Service) recordEvent(ctx context.Context, tx *database.Tx, orgID uuid.UUID, name string, userID uuid.UUID, props map[string]any) error {
	if s.events == nil {
		return nil
	}
	return s.events.Record(ctx, tx, serverevent.Event{
		OrganizationID: orgID, Name: name, OccurredAt: s.now(), UserID: userID, Properties: props,
	})
}

// link builds PUBLIC_URL/<path>?token=<token> for emails.
func (s *Service) link(path, token string) string {
	u := *s.publicURL
	u.Path = u.Path + "/" + path
	u.RawQuery = url.Values{"token": {token}}.Encode()
	return u.String()
}

// sendMail queues m in tx: it is sent if and only if tx commits.
func (s *Service) sendMail(ctx context.Context, tx *database.Tx, m mail.Message) error {
	if s.mailer == nil {
		return fmt.Errorf("send %q: no mailer configured", m.Subject)
	}
	if err := s.mailer.Enqueue(ctx, tx, m); err != nil {
		return fmt.Errorf("queue email %q: %w", m.Subject, err)
	}
	return nil
}
