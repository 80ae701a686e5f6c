//go:build faulttest

package faulttest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/onramp/onramp/internal/testing/mailtest"
)

// company is an organization made before the run, with its owner's token
// and the Stripe customer it holds.
type company struct {
	id, token, customer string
}

// world is what the workloads share and what the checks read.
type world struct {
	c             *client
	mail          *mailtest.Server
	webhookSecret string
	companies     []company

	mu          sync.Mutex
	signedUp    []string            // owner emails answered 201
	invited     []string            // invitee emails answered 201 (or 409: invited already)
	pending     []string            // invitees left pending on purpose (the nudge population)
	batches     [][]string          // event batches sent (ids), each to two instances at once
	batchOrg    []int               // the company of each batch
	deliveries  [][]byte            // Stripe events sent, each to two instances at once
	lastSeats   map[string]int      // per customer, the seats of its latest event
	stripeIDs   map[string]struct{} // distinct evt_ ids
	deliveryKey []string            // the customer of each delivery
	unexpected  string              // the first answer a workload did not expect, for the log
}

func (w *world) add(f func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f()
}

// signups signs companies up until ctx ends, retrying each one with the
// same Idempotency-Key until it is answered 201.
func (w *world) signups(ctx context.Context, worker int) {
	for n := 0; ctx.Err() == nil; n++ {
		email := fmt.Sprintf("owner-%d-%d@fault.test", worker, n)
		body := map[string]any{"company_name": fmt.Sprintf("Fault %d-%d", worker, n), "email": email,
			"password": "a long fault password", "full_name": "Owner Fault"}
		if status, _ := w.c.until(time.Now().Add(30*time.Second), []int{201}, "POST", "/v1/signup", body,
			map[string]string{"Idempotency-Key": email}); status == 201 {
			w.add(func() { w.signedUp = append(w.signedUp, email) })
		}
	}
}

// invitations invites people to company k until ctx ends; two of three
// accept (their link read from the email), one stays pending.
func (w *world) invitations(ctx context.Context, k int) {
	co := w.companies[k]
	for n := 0; ctx.Err() == nil && n < 60; n++ {
		email := fmt.Sprintf("invitee-%d-%d@fault.test", k, n)
		status, body := w.c.until(time.Now().Add(30*time.Second), []int{201, 409}, "POST", "/v1/organization/invitations",
			map[string]any{"email": email, "role": "member"}, bearer(co.token))
		if status != 201 && status != 409 {
			w.add(func() {
				if w.unexpected == "" {
					w.unexpected = fmt.Sprintf("invitation: %d %s", status, body)
				}
			})
			continue
		}
		w.add(func() { w.invited = append(w.invited, email) })
		if n%3 == 2 {
			w.add(func() { w.pending = append(w.pending, email) })
			continue
		}
		token := w.waitForLink(ctx, email, "Join")
		if token == "" {
			continue
		}
		w.c.until(time.Now().Add(30*time.Second), []int{201, 409, 410}, "POST", "/v1/invitations/accept",
			map[string]any{"token": token, "full_name": "Member Fault", "password": "another long password"}, nil)
	}
}

// waitForLink waits for the email to `to` whose subject has subject in it
// and returns its link's token ("" if ctx ends first).
func (w *world) waitForLink(ctx context.Context, to, subject string) string {
	for ctx.Err() == nil {
		for _, m := range w.mail.Messages() {
			if len(m.To) == 1 && m.To[0] == to && strings.Contains(m.Subject, subject) {
				for _, field := range strings.Fields(m.Text) {
					if u, err := url.Parse(field); err == nil && u.Query().Get("token") != "" {
						return u.Query().Get("token")
					}
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return ""
}

// events sends company k's event batches, each to two instances at once,
// and every fifth time one of its earlier batches again.
func (w *world) events(ctx context.Context, k int) {
	co := w.companies[k]
	var mine [][]string
	for n := 0; ctx.Err() == nil; n++ {
		ids := make([]string, 20)
		for i := range ids {
			ids[i] = uuid.NewString()
		}
		if n%5 == 4 {
			ids = mine[rand.IntN(len(mine))]
		} else {
			mine = append(mine, ids)
			w.add(func() { w.batches, w.batchOrg = append(w.batches, ids), append(w.batchOrg, k) })
		}
		w.sendTwice(func(inst int) { w.c.do(inst, "POST", "/v1/events", eventBody(ids), bearer(co.token)) })
		time.Sleep(20 * time.Millisecond)
	}
}

func eventBody(ids []string) map[string]any {
	events := make([]map[string]any, len(ids))
	at := time.Now().UTC().Format(time.RFC3339)
	for i, id := range ids {
		events[i] = map[string]any{"id": id, "name": "fault_ping", "timestamp": at}
	}
	return map[string]any{"events": events}
}

// sendTwice calls send for two different instances at once.
func (w *world) sendTwice(send func(instance int)) {
	a := rand.IntN(len(w.c.instances))
	b := (a + 1 + rand.IntN(len(w.c.instances)-1)) % len(w.c.instances)
	var wg sync.WaitGroup
	for _, inst := range []int{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); send(inst) }()
	}
	wg.Wait()
}

// webhooks delivers company k's subscription events, in order, each to two
// instances at once, and every fourth time an earlier one again.
func (w *world) webhooks(ctx context.Context, k int) {
	co := w.companies[k]
	base := time.Now().Add(-time.Hour)
	sub := "sub_fault_" + strings.ReplaceAll(co.id, "-", "")[:16]
	var mine [][]byte
	for n := 0; ctx.Err() == nil; n++ {
		var payload []byte
		if n%4 == 3 {
			payload = mine[rand.IntN(len(mine))]
		} else {
			typ := "customer.subscription.updated"
			if n == 0 {
				typ = "customer.subscription.created"
			}
			seats := 3 + n
			id := fmt.Sprintf("evt_fault_%s_%d", sub, n)
			payload = stripeEvent(id, typ, base.Add(time.Duration(n)*time.Second), sub, co.customer, seats)
			mine = append(mine, payload)
			w.add(func() {
				w.deliveries, w.deliveryKey = append(w.deliveries, payload), append(w.deliveryKey, co.customer)
				w.lastSeats[co.customer] = seats
				w.stripeIDs[id] = struct{}{}
			})
		}
		w.sendTwice(func(inst int) { w.deliver(inst, payload) })
		time.Sleep(100 * time.Millisecond)
	}
}

func (w *world) deliver(inst int, payload []byte) int {
	sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: w.webhookSecret}).Header
	var raw json.RawMessage = payload
	status, _ := w.c.do(inst, "POST", "/v1/webhooks/stripe", raw, map[string]string{"Stripe-Signature": sig})
	return status
}

// stripeEvent is a subscription event of API version 2023-10-16.
func stripeEvent(id, typ string, created time.Time, sub, customer string, seats int) []byte {
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "api_version": "2023-10-16", "created": created.Unix(), "type": typ,
		"livemode": false, "pending_webhooks": 1,
		"data": map[string]any{"object": map[string]any{
			"id": sub, "object": "subscription", "customer": customer, "status": "active",
			"created": created.Add(-time.Hour).Unix(), "current_period_end": created.Add(30 * 24 * time.Hour).Unix(),
			"cancel_at_period_end": false, "trial_end": nil, "metadata": map[string]any{},
			"items": map[string]any{"object": "list", "data": []any{map[string]any{
				"id": "si_" + sub, "object": "subscription_item", "quantity": seats,
				"price": map[string]any{"id": "price_test_monthly", "object": "price"},
			}}},
		}},
	})
	if err != nil {
		panic(err)
	}
	return b
}
