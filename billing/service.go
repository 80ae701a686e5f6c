package billing

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/stripe/stripe-go/v76/client"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/clock"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/mail"
	"github.com/onramp/onramp/internal/serverevent"
)

// Config holds the service's dependencies.
type Config struct {
	DB      *database.DB
	Catalog *Catalog
	Stripe  *client.API
	// Configured is false when no STRIPE_SECRET_KEY is set: calls that need
	// Stripe answer 503 instead of failing obscurely.
	Configured    bool
	WebhookSecret string // empty: the webhook refuses every delivery (503)
	AutomaticTax  bool
	PublicURL     *url.URL // default success/cancel/return URLs live under it
	AppURL        *url.URL // nil: none; redirects may also go to its origin
	PastDueGrace  time.Duration
	Events        serverevent.Recorder // nil: no product events recorded
	// Mailer queues the billing emails (trial ending, payment failed) in
	// the webhook's transaction; nil: a delivery that would email fails.
	Mailer Mailer
	// LinkSecret is what the portal links of billing emails are signed
	// with, through a key derived from it (UNSUBSCRIBE_SECRET).
	LinkSecret []byte
	// DefaultLocale is the language of someone who never said theirs.
	DefaultLocale mail.Locale
	// PortalConfiguration is the Stripe billing portal configuration
	// portal sessions open with (`onramp stripe setup` makes it); "":
	// the Stripe account's default.
	PortalConfiguration string
	Log                 *slog.Logger
	Clock               clock.Clock // nil: the system clock
}

// Service runs billing use cases.
type Service struct {
	db            *database.DB
	catalog       *Catalog
	stripe        *client.API
	configured    bool
	webhookSecret string
	automaticTax  bool
	publicURL     *url.URL
	origins       []string // where success, cancel and return URLs may point (see origin)
	originNames   []string // the same, as configured, for error messages
	grace         time.Duration
	events        serverevent.Recorder
	mailer        Mailer
	linkKey       []byte
	defaultLocale mail.Locale
	portalConfig  string
	log           *slog.Logger
	now           func() time.Time
}

// NewService builds the billing service.
func NewService(c Config) *Service {
	s := &Service{
		db: c.DB, catalog: c.Catalog, stripe: c.Stripe, configured: c.Configured,
		webhookSecret: c.WebhookSecret, automaticTax: c.AutomaticTax, publicURL: c.PublicURL,
		grace: c.PastDueGrace, events: c.Events, mailer: c.Mailer, linkKey: portalLinkKey(c.LinkSecret),
		defaultLocale: c.DefaultLocale, portalConfig: c.PortalConfiguration, log: c.Log, now: clock.Or(c.Clock).Now,
	}
	if s.defaultLocale == "" {
		s.defaultLocale = mail.English
	}
	for _, u := range []*url.URL{c.PublicURL, c.AppURL} {
		if u != nil {
			s.origins = append(s.origins, origin(u))
			s.originNames = append(s.originNames, u.Scheme+"://"+u.Host)
		}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// SetEvents sets the product-event recorder once onboarding is built
// (onboarding needs billing for plan lookups, billing needs its recorder).
func (s *Service) SetEvents(r serverevent.Recorder) { s.events = r }

// Plans is the public catalog.
func (s *Service) Plans() []Plan { return s.catalog.Plans() }

func (s *Service) recordEvent(ctx context.Context, tx *database.Tx, e serverevent.Event) error {
	if s.events == nil {
		return nil
	}
	if err := s.events.Record(ctx, tx, e); err != nil {
		return fmt.Errorf("record %s: %w", e.Name, err)
	}
	return nil
}

func (s *Service) requireStripe() error {
	if !s.configured {
		return apperr.Unavailable("payments are not configured on this server (STRIPE_SECRET_KEY is unset)")
	}
	return nil
}
