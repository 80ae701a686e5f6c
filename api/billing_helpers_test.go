package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
	"github.com/onramp/onramp/internal/testing/stripemock"
	"github.com/onramp/onramp/internal/testing/testenv"
)

var eventSeq atomic.Int64

// newEventID is a fresh evt_ id.
func newEventID() string {
	return fmt.Sprintf("evt_test_%d_%d", time.Now().UnixNano(), eventSeq.Add(1))
}

// stripeEvent is a Stripe event of API version 2023-10-16 carrying obj.
func stripeEvent(t testing.TB, id, typ string, created time.Time, obj map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": "2023-10-16", "created": created.Unix(),
		"type": typ, "livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": obj},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sub describes a subscription object as Stripe sends it.
type sub struct {
	ID, Customer, Status, Price, Item string
	Org                               uuid.UUID // metadata.organization_id; Nil: none
	Seats                             int
	PeriodEnd, TrialEnd               int64
	CancelAtPeriodEnd                 bool
}

func (s sub) object() map[string]any {
	if s.Price == "" {
		s.Price = "price_test_monthly"
	}
	if s.Item == "" {
		s.Item = "si_" + s.ID
	}
	if s.PeriodEnd == 0 {
		s.PeriodEnd = time.Now().Add(30 * 24 * time.Hour).Unix()
	}
	meta := map[string]any{}
	if s.Org != uuid.Nil {
		meta["organization_id"] = s.Org.String()
	}
	var trialEnd any
	if s.TrialEnd != 0 {
		trialEnd = s.TrialEnd
	}
	return map[string]any{
		"id": s.ID, "object": "subscription", "customer": s.Customer, "status": s.Status,
		"created": time.Now().Add(-time.Hour).Unix(), "current_period_end": s.PeriodEnd,
		"cancel_at_period_end": s.CancelAtPeriodEnd, "trial_end": trialEnd, "metadata": meta,
		"items": map[string]any{"object": "list", "data": []any{map[string]any{
			"id": s.Item, "object": "subscription_item", "quantity": s.Seats,
			"price": map[string]any{"id": s.Price, "object": "price"},
		}}},
	}
}

// subscribe delivers customer.subscription.created for org and expects it
// applied. The organization holds the subscription's customer first, as
// after its first checkout: the stored customer is what links the two.
func subscribe(t *testing.T, env *testenv.Env, org uuid.UUID, status string, seats int) sub {
	t.Helper()
	s := sub{ID: "sub_" + org.String()[:8] + fmt.Sprint(eventSeq.Add(1)), Customer: customerOf(org), Status: status, Org: org, Seats: seats}
	holdCustomer(t, env, org, s.Customer)
	res := env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.created", time.Now().Add(-time.Minute), s.object()))
	res.Expect(t, 200)
	if got := res.Map(t)["outcome"]; got != "applied" {
		t.Fatalf("subscription.created outcome %v", got)
	}
	return s
}

// customerOf is the Stripe customer id tests give org: its whole id (the
// first digits of v7 ids made in the same minute are the same).
func customerOf(org uuid.UUID) string { return "cus_" + strings.ReplaceAll(org.String(), "-", "") }

// productEvents captures the server-side events billing records, in a
// table written through the caller's transaction, as onboarding's
// recorder does: an event exists only if its transaction committed.
type productEvents struct {
	env  *testenv.Env
	fail atomic.Bool // make Record fail, to abort the transaction midway
}

func recordProductEvents(t *testing.T, env *testenv.Env) *productEvents {
	t.Helper()
	if _, err := env.DB.Pool.Exec(context.Background(), `CREATE TABLE test_product_events (organization_id uuid, name text, occurred_at timestamptz)`); err != nil {
		t.Fatal(err)
	}
	p := &productEvents{env: env}
	env.App.Billing.SetEvents(p)
	return p
}

func (p *productEvents) Record(ctx context.Context, tx *database.Tx, e serverevent.Event) error {
	if p.fail.Load() {
		return fmt.Errorf("recorder failed on purpose")
	}
	return tx.WithContext(ctx).Exec(`INSERT INTO test_product_events VALUES (?, ?, ?)`, e.OrganizationID, e.Name, e.OccurredAt).Error
}

func (p *productEvents) count(t *testing.T, org uuid.UUID, name string) int {
	t.Helper()
	return countRows(t, p.env, `SELECT count(*) FROM test_product_events WHERE organization_id = $1 AND name = $2`, org, name)
}

func countRows(t *testing.T, env *testenv.Env, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := env.DB.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func billingStatus(t *testing.T, env *testenv.Env, org uuid.UUID) string {
	t.Helper()
	var s string
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT billing_status FROM organizations WHERE id = $1`, org).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// stripeCalls are the requests of method to exactly path that the service
// sent to Stripe (Find matches a prefix: /v1/checkout/sessions would
// count the sessions' expiries too).
func stripeCalls(env *testenv.Env, method, path string) []stripemock.Request {
	var out []stripemock.Request
	for _, r := range env.Stripe.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// signedHeader signs payload with the service's secret, now.
func signedHeader(env *testenv.Env, payload []byte) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: env.Config.StripeWebhookSecret}).Header
}
