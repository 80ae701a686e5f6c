package billing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76/client"
	"gorm.io/gorm"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
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
	PastDueGrace  time.Duration
	Events        serverevent.Recorder // nil: no product events recorded
	Log           *slog.Logger
	Now           func() time.Time // nil: time.Now
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
	grace         time.Duration
	events        serverevent.Recorder
	log           *slog.Logger
	now           func() time.Time
}

// NewService builds the billing service.
func NewService(c Config) *Service {
	s := &Service{
		db: c.DB, catalog: c.Catalog, stripe: c.Stripe, configured: c.Configured,
		webhookSecret: c.WebhookSecret, automaticTax: c.AutomaticTax, publicURL: c.PublicURL,
		grace: c.PastDueGrace, events: c.Events, log: c.Log, now: c.Now,
	}
	if s.now == nil {
		s.now = time.Now
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

// lockOrg locks the organization row for the rest of tx. Every change to an
// organization's billing state (customer creation, event application, seat
// changes, invitations checking seats) happens under this lock, so they
// serialize per organization and never per table.
func lockOrg(ctx context.Context, tx *database.Tx, orgID uuid.UUID) (orgRow, error) {
	var o orgRow
	if err := tx.LockOrganization(ctx, orgID); errors.Is(err, database.ErrNoOrganization) {
		return o, apperr.NotFound("organization")
	} else if err != nil {
		return o, err
	}
	err := tx.WithContext(ctx).Table("organizations").Select("id, name, billing_status").Where("id = ?", orgID).Take(&o).Error
	if err != nil {
		return o, fmt.Errorf("load organization: %w", err)
	}
	return o, nil
}

type orgRow struct {
	ID            uuid.UUID
	Name          string
	BillingStatus string
}

// customerRow links an organization to its one Stripe customer.
type customerRow struct {
	OrganizationID   uuid.UUID `gorm:"primaryKey"`
	StripeCustomerID string
	CreatedAt        time.Time
}

func (customerRow) TableName() string { return "billing_customers" }

func (s *Service) customerOf(ctx context.Context, h database.Handle, orgID uuid.UUID) (string, error) {
	var c customerRow
	err := h.Query(ctx).Where("organization_id = ?", orgID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("load stripe customer: %w", err)
	}
	return c.StripeCustomerID, nil
}
