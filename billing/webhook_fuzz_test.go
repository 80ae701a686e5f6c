package billing

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/testing/dbtest"
)

// fuzzOrg is the organization the fuzz seeds' events belong to.
var fuzzOrg = uuid.MustParse("0192f000-0000-7000-8000-000000000001")

// FuzzHandleWebhook: whatever arrives at the webhook, signed or not, the
// answer is a recorded outcome or an expected problem (400, 422 for an id
// that is not text, or 503 when it would need Stripe), never a panic or an
// internal error. Seeds live in
// testdata/fuzz/FuzzHandleWebhook.
//
//	go test -run '^$' -fuzz FuzzHandleWebhook -fuzztime 30s ./billing/
func FuzzHandleWebhook(f *testing.F) {
	db := dbtest.New(f)
	// The seeds' customer and checkout session are the organization's, so
	// that they get applied rather than recorded as unmatched.
	for _, q := range []string{
		`INSERT INTO organizations (id, name) VALUES (?, 'Fuzz')`,
		`INSERT INTO billing_customers (organization_id, stripe_customer_id) VALUES (?, 'cus_seed')`,
		`INSERT INTO checkout_sessions (id, organization_id, plan_id, seats) VALUES ('cs_seed', ?, 'standalone-monthly', 3)`,
	} {
		if err := db.Gorm.Exec(q, fuzzOrg).Error; err != nil {
			f.Fatal(err)
		}
	}
	catalog, err := ParseCatalog([]byte(`plans:
  - {id: standalone-monthly, name: S, stripe_price_id: price_test_monthly, interval: month, unit_amount: 1500, currency: eur, min_seats: 3, max_seats: 500, features: [sessions]}
`), true)
	if err != nil {
		f.Fatal(err)
	}
	public, _ := url.Parse("http://onramp.test")
	const secret = "whsec_fuzz"
	svc := NewService(Config{
		DB: db, Catalog: catalog, Configured: false, WebhookSecret: secret, PublicURL: public,
		PastDueGrace: 7 * 24 * time.Hour, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	f.Add([]byte(`{"id":"evt_1","object":"event","api_version":"2023-10-16","created":1764000000,"type":"customer.created","data":{"object":{"id":"cus_1"}}}`), "", true)
	f.Add([]byte(`{}`), "t=1,v1=abc", false)
	f.Fuzz(func(t *testing.T, payload []byte, header string, sign bool) {
		if sign {
			header = webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret}).Header
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := svc.HandleWebhook(ctx, payload, header)
		if d := time.Since(start); d > 4*time.Second {
			t.Fatalf("took %v for %q (header %q): %v", d, payload, header, err)
		}
		if err == nil {
			return
		}
		if errors.Is(err, ErrUnknownStatus) {
			return // refused on purpose: Stripe retries until a release knows the status
		}
		e, ok := apperr.As(err)
		if !ok {
			t.Fatalf("internal error for %q: %v", payload, err)
		}
		if e.Code != apperr.CodeMalformed && e.Code != apperr.CodeInvalid && e.Code != apperr.CodeUnavailable {
			t.Fatalf("unexpected %s for %q: %v", e.Code, payload, err)
		}
	})
}
