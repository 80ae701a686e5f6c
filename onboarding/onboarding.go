// Package onboarding holds the onboarding checklist (draft steps, published
// versions, per-organization progress), product event ingestion, activation,
// funnel and cohort metrics, the support view and the audit log of admin
// changes.
//
// Every change to one organization's onboarding runs with its
// onboarding_organizations row locked, so concurrent event batches, manual
// completions and version upgrades of one organization apply one after the
// other and count exactly. Checklist reads and metrics read that row (and
// never the events table).
package onboarding

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/onramp/onramp/internal/database"
)

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
	DB *database.DB
	// Pool is the pgx pool under DB; checklist reads use it directly,
	// coalesced into batched queries under load.
	Pool          *pgxpool.Pool
	Plans         PlanLookup         // nil: every organization is on no plan ("")
	Subscriptions SubscriptionLookup // nil: the support view shows no subscription
	Log           *slog.Logger
	Now           func() time.Time // nil: time.Now
}

// snapshotQueriesInFlight is how many batched checklist reads run at once;
// the rest of the connection pool stays free for writes.
const snapshotQueriesInFlight = 4

// Service runs onboarding use cases. It implements serverevent.Recorder.
type Service struct {
	db            *database.DB
	reads         *snapshotReads
	plans         PlanLookup
	subscriptions SubscriptionLookup
	log           *slog.Logger
	now           func() time.Time

	// versions caches published versions by number: they never change.
	versionsMu sync.RWMutex
	versions   map[int]*Version
}

// NewService builds the onboarding service.
func NewService(c Config) *Service {
	s := &Service{db: c.DB, plans: c.Plans, subscriptions: c.Subscriptions, log: c.Log, now: c.Now, versions: map[int]*Version{},
		reads: &snapshotReads{pool: c.Pool, maxInFlight: snapshotQueriesInFlight}}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// adminLock serializes admin changes (draft, publish, activation) so that
// positions, version numbers and the checks between them stay consistent.
func adminLock(ctx context.Context, tx *database.Tx) error {
	_, err := tx.SQL().ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('onramp.onboarding.admin'))`)
	return err
}

func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }
