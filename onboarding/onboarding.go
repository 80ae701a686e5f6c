// Package onboarding holds the onboarding checklist (draft steps, published
// versions, per-organization progress), product event ingestion, activation,
// funnel and cohort metrics, the support view and the audit log of admin
// changes.
//
// Three layers, each in files named after what they hold:
//   - the store (store*.go) owns every SQL statement of the package and the
//     batched checklist read on the pgx pool;
//   - pure functions compute progress (progress.go), activation
//     (activated in activation.go) and the checklist (checklist_build.go)
//     over what the store loads: no context, no transaction, no I/O;
//   - the Service orchestrates each use case: load, compute, save.
//
// Every change to one organization's onboarding runs with the organization
// locked (database.Tx.LockOrganization) and its onboarding_organizations row
// loaded FOR UPDATE, so concurrent event batches, manual completions and
// version upgrades of one organization apply one after the other and count
// exactly. Checklist reads and metrics read that row (and never the events
// table).
package onboarding

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/clock"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/webhooks"
)

// Caller is who calls a customer-side use case (the checklist, its writes,
// event ingestion): a member of an organization with their current role, as
// the API authenticated them. Everything the call reads or writes belongs to
// OrgID.
type Caller struct {
	OrgID  uuid.UUID
	UserID uuid.UUID
	Role   string // owner, admin or member
	// Locale is the language the caller reads ("en", "fr"): steps show
	// their translation into it, else their own text.
	Locale string
}

// PlanLookup tells which plan an organization is on ("" when it has no
// subscription); billing implements it. Audience rules by plan use it.
type PlanLookup interface {
	PlanID(ctx context.Context, h database.Handle, orgID uuid.UUID) (string, error)
}

// SubscriptionLookup returns what the support view shows as an
// organization's subscription, or nil when it has none. The lead wires it to
// billing (its NotFound meaning nil).
type SubscriptionLookup func(ctx context.Context, orgID uuid.UUID) (any, error)

// Config holds the service's dependencies.
type Config struct {
	// DB is the database; checklist reads use its pgx pool directly,
	// coalesced into batched queries under load.
	DB            *database.DB
	Plans         PlanLookup         // nil: every organization is on no plan ("")
	Subscriptions SubscriptionLookup // nil: the support view shows no subscription
	Log           *slog.Logger
	Clock         clock.Clock // nil: the system clock
	// MinGroupSize is the smallest group of members whose use of the
	// service a count may show to anyone outside it (0: 5).
	MinGroupSize int
	// EventRetention is how long raw events are kept (0: 400 days).
	EventRetention time.Duration
	// FunnelStages queues the funnel stages' recompute after a definition
	// change (nil: nothing is queued; RecomputeFunnelStages is called by
	// whoever needs it, as tests do).
	FunnelStages FunnelStageQueue
}

// WebhookOutbox writes an outbound webhook event in the transaction of the
// change that raised it; internal/webhooks implements it.
type WebhookOutbox interface {
	Publish(ctx context.Context, tx *database.Tx, e webhooks.Event) error
}

// defaultMinGroupSize is MIN_GROUP_SIZE's default.
const defaultMinGroupSize = 5

// Service runs onboarding use cases. It implements serverevent.Recorder.
type Service struct {
	db            *database.DB
	store         *store
	plans         PlanLookup
	subscriptions SubscriptionLookup
	log           *slog.Logger
	now           func() time.Time
	minGroupSize  int
	retention     time.Duration
	funnelStages  FunnelStageQueue
	webhooks      WebhookOutbox
}

// NewService builds the onboarding service.
func NewService(c Config) *Service {
	s := &Service{db: c.DB, store: newStore(c.DB), plans: c.Plans, subscriptions: c.Subscriptions, log: c.Log, now: clock.Or(c.Clock).Now,
		minGroupSize: c.MinGroupSize, retention: c.EventRetention, funnelStages: c.FunnelStages}
	if s.retention <= 0 {
		s.retention = defaultEventRetention
	}
	if s.minGroupSize == 0 {
		s.minGroupSize = defaultMinGroupSize
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// SetWebhooks makes the service publish activations, organization step
// completions, subscription changes and joins to the outbound webhooks,
// in the change's transaction (unset: none are published). Set once, at
// wiring, before the service is used: webhooks audit through this
// service, so they are built after it.
func (s *Service) SetWebhooks(w WebhookOutbox) { s.webhooks = w }

func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// wrap adds context to an error (apperr errors still reach the API through
// errors.As) and leaves nil alone.
func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
