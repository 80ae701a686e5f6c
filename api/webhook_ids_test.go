package api_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// A signed event with a NUL byte or invalid UTF-8 in an id is a 422 naming
// the field (PostgreSQL used to refuse it mid-transaction: a 500 that
// Stripe retries for days), and nothing of it is stored.
func TestWebhookRefusesIdsThatAreNotText(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	holdCustomer(t, env, org.ID, "cus_text")
	invoice := stripeEvent(t, newEventID(), "invoice.paid", time.Now(),
		map[string]any{"id": "in_XX", "object": "invoice", "customer": "cus_text", "subscription": "sub_text"})
	for field, payload := range map[string][]byte{
		"id": stripeEvent(t, "evt_nul\x00", "customer.subscription.created", time.Now(),
			sub{ID: "sub_text", Customer: "cus_text", Status: "active", Seats: 5}.object()),
		"data.object.customer": stripeEvent(t, newEventID(), "customer.subscription.created", time.Now(),
			sub{ID: "sub_text", Customer: "cus_text\x00", Status: "active", Seats: 5}.object()),
		"data.object.id": bytes.Replace(invoice, []byte("in_XX"), []byte("in_\xff\xfe"), 1),
	} {
		expectFieldError(t, env.SendWebhook(t, payload), field, field)
	}
	for _, table := range []string{"stripe_events", "subscriptions"} {
		if n := countRows(t, env, `SELECT count(*) FROM `+table); n != 0 {
			t.Fatalf("%d rows in %s after refused deliveries", n, table)
		}
	}
}
