package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// BenchmarkWebhookApply measures signed deliveries verified, recorded and
// applied per second through the real HTTP stack, spread over 100
// organizations as Stripe's concurrent deliveries would be.
//
//	go test -run '^$' -bench BenchmarkWebhookApply -benchtime 3000x ./api/
func BenchmarkWebhookApply(b *testing.B) {
	env := testenv.New(b)
	const orgs = 100
	subs := make([]sub, orgs)
	for i := range subs {
		org := env.NewOrg(b, testenv.OrgOptions{})
		subs[i] = sub{ID: fmt.Sprintf("sub_bench_%d", i), Customer: fmt.Sprintf("cus_bench_%d", i), Status: "active", Org: org.ID, Seats: 5}
		if _, err := env.DB.Pool.Exec(context.Background(), `INSERT INTO billing_customers (organization_id, stripe_customer_id) VALUES ($1, $2)`, org.ID, subs[i].Customer); err != nil {
			b.Fatal(err)
		}
	}
	base := time.Now().Add(-24 * time.Hour)
	// Payloads are built and signed up front: the clock measures the server.
	payloads := make([][]byte, b.N)
	for i := range payloads {
		s := subs[i%orgs]
		s.Seats = 3 + i%100
		payloads[i] = stripeEvent(b, fmt.Sprintf("evt_bench_%d", i), "customer.subscription.updated", base.Add(time.Duration(i)*time.Second), s.object())
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var next atomic.Int64
	var failed atomic.Int64
	b.ResetTimer()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			req, _ := http.NewRequest("POST", env.URL+"/v1/webhooks/stripe", bytes.NewReader(payloads[i]))
			req.Header.Set("Stripe-Signature", signedHeader(env, payloads[i]))
			res, err := client.Do(req)
			if err != nil {
				failed.Add(1)
				continue
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				failed.Add(1)
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d deliveries failed", n)
	}
	var recorded int
	if err := env.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM stripe_events WHERE outcome = 'applied'`).Scan(&recorded); err != nil {
		b.Fatal(err)
	}
	if recorded != b.N {
		b.Fatalf("%d events applied, want %d", recorded, b.N)
	}
}

// BenchmarkEntitlements measures GET /v1/entitlements with 10 000
// organizations, each with an owner and a subscription, reporting p50 and
// p99 latencies alongside ns/op.
//
//	go test -run '^$' -bench BenchmarkEntitlements -benchtime 5000x ./api/
func BenchmarkEntitlements(b *testing.B) {
	env := testenv.New(b)
	const orgs = 10_000
	ctx := context.Background()
	// Bulk-seed: organizations, owners, memberships, subscriptions.
	_, err := env.DB.Pool.Exec(ctx, `
		WITH o AS (
			INSERT INTO organizations (id, name, billing_status)
			SELECT gen_random_uuid(), 'Bench ' || g, 'active' FROM generate_series(1, $1) g RETURNING id
		), u AS (
			INSERT INTO users (id, email, full_name, password_hash)
			SELECT gen_random_uuid(), 'bench-' || o.id || '@example.test', 'Bench', 'x' FROM o RETURNING id, email
		), m AS (
			INSERT INTO memberships (organization_id, user_id, role)
			SELECT o.id, u.id, 'owner' FROM o JOIN u ON u.email = 'bench-' || o.id || '@example.test'
		)
		INSERT INTO subscriptions (id, organization_id, stripe_subscription_id, stripe_customer_id, stripe_item_id, stripe_price_id,
			plan_id, status, seats, stripe_created, last_event_created, last_event_id)
		SELECT gen_random_uuid(), o.id, 'sub_' || o.id, 'cus_' || o.id, 'si_' || o.id, 'price_test_monthly',
			'standalone-monthly', 'active', 10, now(), now(), 'evt_seed' FROM o`, orgs)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := env.DB.Pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	rows, err := env.DB.Pool.Query(ctx, `SELECT organization_id, user_id FROM memberships ORDER BY random() LIMIT 1000`)
	if err != nil {
		b.Fatal(err)
	}
	var tokens []string
	for rows.Next() {
		var org, user uuid.UUID
		if err := rows.Scan(&org, &user); err != nil {
			b.Fatal(err)
		}
		tokens = append(tokens, env.Token(b, auth.Principal{UserID: user, OrgID: org, Role: "owner"}))
	}
	rows.Close()
	client := &http.Client{}
	latencies := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest("GET", env.URL+"/v1/entitlements", nil)
		req.Header.Set("Authorization", "Bearer "+tokens[i%len(tokens)])
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		latencies = append(latencies, time.Since(start))
		if res.StatusCode != 200 {
			b.Fatalf("status %d", res.StatusCode)
		}
	}
	b.StopTimer()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds()), "p99-µs")
}
