package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/jobs"
	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/internal/testing/fakeclock"
	"github.com/onramp/onramp/internal/testing/stripemock"
)

// testCatalog is the catalog the billing tests sell.
const testCatalog = `plans:
  - {id: standalone-monthly, name: Standalone, stripe_price_id: price_test_monthly, interval: month, unit_amount: 1500, currency: eur, trial_days: 14, min_seats: 3, max_seats: 500, features: [sessions, workshops]}
  - {id: trial-no-card, name: Try first, stripe_price_id: price_test_nocard, interval: month, unit_amount: 1500, currency: eur, trial_days: 30, card_required: false, min_seats: 1, max_seats: 50, features: [sessions]}
`

// harness is a billing service on a fresh database, with Stripe behind a
// recording proxy (stripe-mock starts only if a test calls Stripe).
type harness struct {
	t      *testing.T
	svc    *Service
	db     *database.DB
	stripe *stripemock.Proxy
	clock  *fakeclock.Clock // the service's time: tests move it, never sleep
	secret string
	seq    atomic.Int64
}

// harnessOption adjusts the service's configuration before it is built.
type harnessOption func(*Config)

func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	db := dbtest.New(t)
	catalog, err := ParseCatalog([]byte(testCatalog), true)
	if err != nil {
		t.Fatal(err)
	}
	public, _ := url.Parse("http://onramp.test")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	proxy := stripemock.NewProxy(t)
	h := &harness{t: t, db: db, stripe: proxy, clock: fakeclock.New(time.Now().UTC().Truncate(time.Second)), secret: "whsec_billing_test"}
	queue, err := jobs.NewQueue(db)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		DB: db, Catalog: catalog, Stripe: NewStripeClient("sk_test_billingHarness", proxy.URL, 0, log), Configured: true,
		WebhookSecret: h.secret, PublicURL: public, PastDueGrace: 7 * 24 * time.Hour, Log: log, Clock: h.clock,
		Mailer: jobs.NewMailer(queue), LinkSecret: []byte("billing harness link secret, 32+ bytes"),
	}
	for _, o := range opts {
		o(&cfg)
	}
	h.svc = NewService(cfg)
	return h
}

// newOrg creates an organization and returns its id.
func (h *harness) newOrg(name string) uuid.UUID {
	h.t.Helper()
	id := uuid.Must(uuid.NewV7())
	h.exec(`INSERT INTO organizations (id, name) VALUES (?, ?)`, id, name)
	return id
}

// newPerson adds a user with role in org, reading locale ("": never said).
func (h *harness) newPerson(org uuid.UUID, email, role, locale string) uuid.UUID {
	h.t.Helper()
	id := uuid.Must(uuid.NewV7())
	var l *string
	if locale != "" {
		l = &locale
	}
	h.exec(`INSERT INTO users (id, email, full_name, password_hash, locale) VALUES (?, ?, ?, 'fixture-no-password', ?)`, id, email, "Person "+email, l)
	h.exec(`INSERT INTO memberships (organization_id, user_id, role) VALUES (?, ?, ?)`, org, id, role)
	return id
}

// holdCustomer stores customerID as org's Stripe customer, as a checkout
// of this service does before it opens a session.
func (h *harness) holdCustomer(org uuid.UUID, customerID string) {
	h.t.Helper()
	h.exec(`INSERT INTO billing_customers (organization_id, stripe_customer_id) VALUES (?, ?)`, org, customerID)
}

// openedCheckout stores a Checkout session as if this service had opened it.
func (h *harness) openedCheckout(org uuid.UUID, sessionID string) {
	h.t.Helper()
	h.exec(`INSERT INTO checkout_sessions (id, organization_id, plan_id, seats) VALUES (?, ?, 'standalone-monthly', 3)`, sessionID, org)
}

// calls counts the requests of method to exactly path made to Stripe.
func (h *harness) calls(method, path string) int {
	n := 0
	for _, r := range h.stripe.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

func (h *harness) exec(sql string, args ...any) {
	h.t.Helper()
	if err := h.db.Gorm.Exec(sql, args...).Error; err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
}

// count runs a count(*) query.
func (h *harness) count(sql string, args ...any) int {
	h.t.Helper()
	var n int64
	if err := h.db.Gorm.Raw(sql, args...).Scan(&n).Error; err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
	return int(n)
}

func (h *harness) eventID() string { return fmt.Sprintf("evt_billing_%d", h.seq.Add(1)) }

// payload is a Stripe event of API version 2023-10-16 carrying obj.
func (h *harness) payload(id, typ string, created time.Time, obj map[string]any) []byte {
	h.t.Helper()
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": "2023-10-16", "created": created.Unix(),
		"type": typ, "livemode": false, "data": map[string]any{"object": obj},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

// signedAt delivers payload signed with the endpoint's secret at time at.
func (h *harness) signedAt(payload []byte, at time.Time) (Outcome, error) {
	sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: h.secret, Timestamp: at})
	return h.svc.HandleWebhook(context.Background(), payload, sig.Header)
}

// deliver sends an event of typ created at created, signed now, and
// fails the test on an error.
func (h *harness) deliver(typ string, created time.Time, obj map[string]any) Outcome {
	h.t.Helper()
	out, err := h.signedAt(h.payload(h.eventID(), typ, created, obj), h.clock.Now())
	if err != nil {
		h.t.Fatalf("deliver %s: %v", typ, err)
	}
	return out
}

// testSub is a subscription object as Stripe sends it.
type testSub struct {
	ID, Customer, Status string
	Org                  uuid.UUID // metadata.organization_id; Nil: none
	Seats                int
}

func (s testSub) object() map[string]any {
	meta := map[string]any{}
	if s.Org != uuid.Nil {
		meta["organization_id"] = s.Org.String()
	}
	return map[string]any{
		"id": s.ID, "object": "subscription", "customer": s.Customer, "status": s.Status,
		"created": time.Now().Add(-time.Hour).Unix(), "current_period_end": time.Now().Add(30 * 24 * time.Hour).Unix(),
		"cancel_at_period_end": false, "metadata": meta,
		"items": map[string]any{"object": "list", "data": []any{map[string]any{
			"id": "si_" + s.ID, "object": "subscription_item", "quantity": s.Seats,
			"price": map[string]any{"id": "price_test_monthly", "object": "price"},
		}}},
	}
}

// stored is the subscription row of a Stripe subscription id.
func (h *harness) stored(subID string) subscriptionRow {
	h.t.Helper()
	var row subscriptionRow
	if err := h.db.Gorm.Where("stripe_subscription_id = ?", subID).Take(&row).Error; err != nil {
		h.t.Fatalf("load subscription %s: %v", subID, err)
	}
	return row
}

// queuedEmail is an email the service queued (a send_email job).
type queuedEmail struct {
	To, Subject, Text, Kind string
}

// queued is every email queued so far, oldest first.
func (h *harness) queued() []queuedEmail {
	h.t.Helper()
	var out []queuedEmail
	err := h.db.Gorm.Raw(`SELECT args->'message'->>'to' AS "to", args->'message'->>'subject' AS subject,
		args->'message'->>'text' AS text, args->'message'->>'kind' AS kind
		FROM river_job WHERE kind = 'send_email' ORDER BY id`).Scan(&out).Error
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}
