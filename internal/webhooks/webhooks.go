// Package webhooks sends signed outbound webhooks, per the Standard
// Webhooks specification, to endpoints staff register.
//
// A change that raises an event publishes it in its own transaction
// (Publish): a message row with the body as it will be sent, one delivery
// per subscribed endpoint, and a job per delivery, so the event exists,
// and is delivered, if and only if the change commits. The job makes the
// HTTP call after the commit (no transaction spans it) and is retried
// with backoff, the same webhook-id on every attempt.
//
// Bodies carry organization-level facts only: never a person, nor their
// use of the service (a member step's status, their events).
package webhooks

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/clock"
	"github.com/onramp/onramp/internal/database"
)

// Event types.
const (
	OrganizationActivated     = "organization.activated"
	OrganizationStepCompleted = "organization.step_completed"
	SubscriptionUpdated       = "subscription.updated"
	MemberJoined              = "member.joined"
)

// Types are the event types an endpoint may subscribe to.
var Types = []string{OrganizationActivated, OrganizationStepCompleted, SubscriptionUpdated, MemberJoined}

// Event is one event to publish: Data becomes the body's data.
type Event struct {
	Type           string
	OrganizationID uuid.UUID
	Data           any
}

// Queue queues delivery jobs in the caller's transaction; internal/jobs
// implements it on River.
type Queue interface {
	// EnqueueDeliveries queues one job per delivery.
	EnqueueDeliveries(ctx context.Context, tx *database.Tx, ids []uuid.UUID) error
	// RetryNow makes the delivery's pending job run now, or queues a new
	// one when it has none.
	RetryNow(ctx context.Context, tx *database.Tx, id uuid.UUID) error
}

// Auditor records staff changes in the audit log; onboarding implements it.
type Auditor interface {
	Audit(ctx context.Context, tx *database.Tx, actor uuid.UUID, action, target string, before, after any) error
}

// Config holds the service's dependencies.
type Config struct {
	DB    *database.DB
	Queue Queue
	Audit Auditor
	Clock clock.Clock // nil: the system clock
	Log   *slog.Logger
	// AllowPrivate lets endpoints be on loopback, link-local and private
	// addresses (WEBHOOK_ALLOW_PRIVATE: development and tests). Otherwise
	// such URLs are refused when created, and such addresses when
	// connecting (a name may resolve elsewhere later).
	AllowPrivate bool
	// Timeout bounds one attempt (0: 10 s).
	Timeout time.Duration
}

// Service registers endpoints, publishes events and delivers them.
type Service struct {
	db           *database.DB
	queue        Queue
	audit        Auditor
	now          func() time.Time
	log          *slog.Logger
	allowPrivate bool
	timeout      time.Duration
	client       *sender
}

// NewService builds the service.
func NewService(c Config) *Service {
	s := &Service{db: c.DB, queue: c.Queue, audit: c.Audit, now: clock.Or(c.Clock).Now, log: c.Log,
		allowPrivate: c.AllowPrivate, timeout: c.Timeout}
	if s.timeout <= 0 {
		s.timeout = 10 * time.Second
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.client = newSender(c.AllowPrivate)
	return s
}

// MaxAttempts is how many times a delivery is tried before it is failed.
const MaxAttempts = 8

// backoff is the wait after each failed attempt (the 1st to the 7th):
// 22 h 36 min in all, so the 8th attempt comes about a day after the
// first, and a receiver down for a night still gets everything.
var backoff = []time.Duration{time.Minute, 5 * time.Minute, 30 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour}

// Backoff is the wait after failed attempt number attempt (from 1).
func Backoff(attempt int) time.Duration {
	return backoff[min(max(attempt, 1), len(backoff))-1]
}
