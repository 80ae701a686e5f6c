package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/serverevent"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// subscriptionEvents are the organization's recorded subscription events
// of name, oldest first, by their properties.
func subscriptionEvents(t *testing.T, env *testenv.Env, org uuid.UUID, name string) []map[string]any {
	t.Helper()
	rows, err := env.DB.Pool.Query(context.Background(), `SELECT properties FROM onboarding_events
		WHERE organization_id = $1 AND name = $2 ORDER BY received_at, id`, org, name)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var props map[string]any
		if err := json.Unmarshal(raw, &props); err != nil {
			t.Fatal(err)
		}
		out = append(out, props)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// expectUpdates fails unless the organization's subscription_updated
// events are exactly want, as (status, seats, plan_id) of the stored
// subscription.
func expectUpdates(t *testing.T, env *testenv.Env, org uuid.UUID, want ...map[string]any) {
	t.Helper()
	got := subscriptionEvents(t, env, org, serverevent.SubscriptionUpdated)
	id := scalar[uuid.UUID](t, env, `SELECT id FROM subscriptions WHERE organization_id = $1`, org).String()
	if len(got) != len(want) {
		t.Fatalf("subscription_updated events %v, want %v", got, want)
	}
	for i, w := range want {
		w["subscription_id"] = id
		if len(got[i]) != len(w) {
			t.Fatalf("subscription_updated %d: %v, want %v", i, got[i], w)
		}
		for k, v := range w {
			if got[i][k] != v {
				t.Fatalf("subscription_updated %d: %v, want %v", i, got[i], w)
			}
		}
	}
}

func TestSubscriptionChangesRecordSubscriptionUpdated(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	s := subscribe(t, env, org.ID, "active", 3)
	if n := len(subscriptionEvents(t, env, org.ID, serverevent.SubscriptionActivated)); n != 1 {
		t.Fatalf("%d subscription_activated events", n)
	}
	expectUpdates(t, env, org.ID) // the activation is not an update

	at := time.Now()
	send := func(s sub) []byte {
		t.Helper()
		at = at.Add(time.Second)
		payload := stripeEvent(t, newEventID(), "customer.subscription.updated", at, s.object())
		if out := env.SendWebhook(t, payload).Expect(t, 200).Map(t)["outcome"]; out != "applied" {
			t.Fatalf("outcome %v", out)
		}
		return payload
	}

	// New quantity: one event with the new seats; its duplicate delivery
	// records nothing.
	s.Seats = 7
	payload := send(s)
	expectUpdates(t, env, org.ID, map[string]any{"status": "active", "seats": float64(7), "plan_id": "standalone-monthly"})
	if out := env.SendWebhook(t, payload).Expect(t, 200).Map(t)["outcome"]; out != "duplicate" {
		t.Fatalf("second delivery: %v", out)
	}
	expectUpdates(t, env, org.ID, map[string]any{"status": "active", "seats": float64(7), "plan_id": "standalone-monthly"})

	// Nothing it records changed (a later event, cancel at period end
	// aside): nothing recorded.
	s.CancelAtPeriodEnd = true
	send(s)
	expectUpdates(t, env, org.ID, map[string]any{"status": "active", "seats": float64(7), "plan_id": "standalone-monthly"})

	// Another plan, then another status.
	s.Price = "price_test_yearly"
	send(s)
	s.Status = "past_due"
	send(s)
	expectUpdates(t, env, org.ID,
		map[string]any{"status": "active", "seats": float64(7), "plan_id": "standalone-monthly"},
		map[string]any{"status": "active", "seats": float64(7), "plan_id": "team-yearly"},
		map[string]any{"status": "past_due", "seats": float64(7), "plan_id": "team-yearly"})

	// The cancellation is subscription_canceled alone.
	s.Status = "canceled"
	send(s)
	if n := len(subscriptionEvents(t, env, org.ID, serverevent.SubscriptionCanceled)); n != 1 {
		t.Fatalf("%d subscription_canceled events", n)
	}
	if n := len(subscriptionEvents(t, env, org.ID, serverevent.SubscriptionUpdated)); n != 3 {
		t.Fatalf("the cancellation also recorded subscription_updated (%d events)", n)
	}
}

// A seat change through the API records the new seats once: the webhook
// Stripe sends for it finds them stored.
func TestSeatChangeRecordsSubscriptionUpdatedOnce(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	s := subscribe(t, env, org.ID, "active", 5)

	env.Do(t, "PATCH", "/v1/billing/subscription", map[string]any{"seats": 8}, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusOK)
	expectUpdates(t, env, org.ID, map[string]any{"status": "active", "seats": float64(8), "plan_id": "standalone-monthly"})

	s.Seats = 8
	env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.updated", time.Now(), s.object())).Expect(t, 200)
	expectUpdates(t, env, org.ID, map[string]any{"status": "active", "seats": float64(8), "plan_id": "standalone-monthly"})

	// Asking for the seats it has asks Stripe nothing and records nothing.
	env.Do(t, "PATCH", "/v1/billing/subscription", map[string]any{"seats": 8}, testenv.WithBearer(org.OwnerToken)).Expect(t, http.StatusOK)
	expectUpdates(t, env, org.ID, map[string]any{"status": "active", "seats": float64(8), "plan_id": "standalone-monthly"})
}
