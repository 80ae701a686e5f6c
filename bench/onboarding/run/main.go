// Command run measures the onboarding hot paths against a running server
// (127.0.0.1 only) loaded by bench/onboarding/load:
//
//   - GET /healthz and GET /v1/onboarding/checklist, each with -conns
//     connections for -duration in total, alternating in -rounds rounds
//     (req/s, p50, p99; the checklist's share of healthz's rate), read by
//     members (role member), so each read takes their own member-step
//     progress too;
//   - POST /v1/events, batches of 500 from -clients clients for -duration,
//     each batch one member's events (with session_booked, which their
//     member step first_session_booked counts) (events/s, p99 per batch);
//   - GET /v1/admin/metrics/funnel, /activation, /seats and /retention over
//     every organization, -repeat times each (median and max latency; a
//     route the server does not have is reported as such);
//   - GET /v1/organization/engagement for the organization with the most
//     members, as its owner, from one client for -duration / 3 (p50, p99).
//
// Tokens are minted with the server's own key: JWT_PRIVATE_KEY and
// PUBLIC_URL must be the server's; DATABASE_URL gives the organization ids.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/onramp/onramp/internal/app"
	"github.com/onramp/onramp/internal/auth"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server base URL (127.0.0.1 only)")
	conns := flag.Int("conns", 32, "connections for the read benchmarks")
	clients := flag.Int("clients", 8, "clients posting event batches")
	duration := flag.Duration("duration", 15*time.Second, "length of each timed phase")
	repeat := flag.Int("repeat", 10, "runs of each metrics query")
	rounds := flag.Int("rounds", 5, "alternating healthz/checklist rounds sharing -duration each")
	phases := flag.String("phases", "read,events,metrics,engagement", "which measurements to run")
	flag.Parse()
	if err := run(*base, *conns, *clients, *duration, *repeat, *rounds, *phases); err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		os.Exit(1)
	}
}

type bench struct {
	base   string
	client *http.Client
	signer *auth.Signer
	orgs   []uuid.UUID
	pool   *pgxpool.Pool
}

// memberTokens mints n access tokens for random members (role member),
// each in the session (refresh-token family) the loader gave them.
func (b *bench) memberTokens(ctx context.Context, n int) ([]string, error) {
	rows, err := b.pool.Query(ctx, `
		SELECT m.organization_id, m.user_id, m.role, r.family_id
		FROM memberships m
		JOIN refresh_tokens r ON r.user_id = m.user_id AND r.organization_id = m.organization_id
		WHERE m.role = 'member'
		ORDER BY random() LIMIT $1`, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tokens []string
	for rows.Next() {
		var p auth.Principal
		if err := rows.Scan(&p.OrgID, &p.UserID, &p.Role, &p.SessionID); err != nil {
			return nil, err
		}
		token, _, err := b.signer.Issue(p)
		if err != nil {
			return nil, err
		}
		tokens = append(tokens, token)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(tokens) == 0 {
		return nil, fmt.Errorf("no members with sessions: reload the data set (RELOAD=1 bench/onboarding/bench.sh)")
	}
	return tokens, nil
}

func run(base string, conns, clients int, d time.Duration, repeat, rounds int, phases string) error {
	u, err := url.Parse(base)
	if err != nil || u.Hostname() != "127.0.0.1" {
		return fmt.Errorf("-url must point at 127.0.0.1")
	}
	key, err := auth.ParsePrivateKey(os.Getenv("JWT_PRIVATE_KEY"))
	if err != nil {
		return fmt.Errorf("JWT_PRIVATE_KEY: %w", err)
	}
	public, err := url.Parse(os.Getenv("PUBLIC_URL"))
	if err != nil || os.Getenv("PUBLIC_URL") == "" {
		return fmt.Errorf("PUBLIC_URL must be the server's")
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
	if err != nil {
		return err
	}
	b := &bench{
		base:   strings.TrimRight(base, "/"),
		client: &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second},
		signer: auth.NewSigner(app.Issuer(public), key),
	}
	rows, err := pool.Query(ctx, `SELECT organization_id FROM onboarding_organizations`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return err
		}
		b.orgs = append(b.orgs, id)
	}
	rows.Close()
	var members, events int64
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM memberships`).Scan(&members)
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM onboarding_events`).Scan(&events)
	b.pool = pool
	defer pool.Close()
	fmt.Printf("data set: %d organizations, %d members, %d events\n\n", len(b.orgs), members, events)

	// Tokens are minted up front, for real members with live sessions (the
	// loader makes an owner, an admin and a member per organization), so
	// the client spends its CPU on requests and the server checks each
	// caller's current membership as it would in production.
	tokens, err := b.memberTokens(ctx, 4096)
	if err != nil {
		return err
	}

	if strings.Contains(phases, "read") {
		b.reads(tokens, conns, d, rounds)
	}
	if strings.Contains(phases, "events") {
		b.events(tokens, clients, d)
	}
	if strings.Contains(phases, "metrics") {
		if err := b.metrics(repeat); err != nil {
			return err
		}
	}
	if strings.Contains(phases, "engagement") {
		return b.engagement(ctx, d/3)
	}
	return nil
}

func (b *bench) reads(tokens []string, conns int, d time.Duration, rounds int) {
	// Healthz and checklist alternate in short rounds, so both see the same
	// background load on a shared machine.
	var health, checklist result
	for range rounds {
		health.add(b.load(conns, d/time.Duration(rounds), func(int) (*http.Request, error) {
			return http.NewRequest("GET", b.base+"/healthz", nil)
		}, 200))
		checklist.add(b.load(conns, d/time.Duration(rounds), func(i int) (*http.Request, error) {
			req, err := http.NewRequest("GET", b.base+"/v1/onboarding/checklist", nil)
			req.Header.Set("Authorization", "Bearer "+tokens[i%len(tokens)])
			return req, err
		}, 200))
	}
	fmt.Printf("GET /healthz                  %s\n", health)
	fmt.Printf("GET /v1/onboarding/checklist  %s\n", checklist)
	fmt.Printf("checklist / healthz           %.1f %%  (target >= 25 %%, p99 < 20 ms)\n\n", 100*checklist.rate()/health.rate())
}

func (b *bench) events(tokens []string, clients int, d time.Duration) {
	// Each batch is one member's (the token's): their own counters, their
	// member step first_session_booked and their retention weeks move.
	names := []string{"app_opened", "page_viewed", "session_booked", "session_booked", "app_opened"}
	batches := b.load(clients, d, func(i int) (*http.Request, error) {
		events := make([]map[string]any, 500)
		now := time.Now().UTC()
		for k := range events {
			events[k] = map[string]any{"id": uuid.NewString(), "name": names[k%len(names)], "timestamp": now.Add(-time.Duration(k) * time.Second).Format(time.RFC3339Nano)}
		}
		body, _ := json.Marshal(map[string]any{"events": events})
		req, err := http.NewRequest("POST", b.base+"/v1/events", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokens[rand.IntN(len(tokens))])
		req.Header.Set("Content-Type", "application/json")
		return req, err
	}, 202)
	fmt.Printf("POST /v1/events (500/batch)   %s\n", batches)
	fmt.Printf("events/s                      %.0f  (target >= 50000)\n\n", 500*batches.rate())
}

func (b *bench) metrics(repeat int) error {
	staff := auth.Principal{Staff: true}
	err := b.pool.QueryRow(context.Background(), `
		SELECT u.id, r.family_id FROM users u JOIN refresh_tokens r ON r.user_id = u.id
		WHERE u.email = 'bench-staff@bench.test'`).Scan(&staff.UserID, &staff.SessionID)
	if err != nil {
		return fmt.Errorf("find the staff user (reload the data set: RELOAD=1 bench/onboarding/bench.sh): %w", err)
	}
	staffTok, _, err := b.signer.Issue(staff)
	if err != nil {
		return err
	}
	from := time.Now().UTC().AddDate(-1, 0, -7).Format(time.DateOnly)
	to := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	for _, path := range []string{
		"/v1/admin/metrics/funnel?from=" + from + "&to=" + to,
		"/v1/admin/metrics/funnel?from=" + from + "&to=" + to + "&utm_source=google",
		"/v1/admin/metrics/activation?from=" + from + "&to=" + to + "&interval=week",
		"/v1/admin/metrics/activation?from=" + from + "&to=" + to + "&interval=month",
		"/v1/admin/metrics/seats?from=" + from + "&to=" + to,
		"/v1/admin/metrics/retention?from=" + from + "&to=" + to + "&interval=week",
		"/v1/admin/metrics/retention?from=" + from + "&to=" + to + "&interval=week&event=session_booked",
	} {
		var lat []time.Duration
		for range repeat {
			req, _ := http.NewRequest("GET", b.base+path, nil)
			req.Header.Set("Authorization", "Bearer "+staffTok)
			start := time.Now()
			res, err := b.client.Do(req)
			if err != nil {
				return err
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode == 404 {
				break
			}
			if res.StatusCode != 200 {
				return fmt.Errorf("%s: %d %s", path, res.StatusCode, body)
			}
			lat = append(lat, time.Since(start))
		}
		if len(lat) == 0 {
			fmt.Printf("GET %-78s not served by this build (404)\n", path)
			continue
		}
		slices.Sort(lat)
		fmt.Printf("GET %-78s median %6.1f ms  max %6.1f ms  (target < 300 ms)\n", path, ms(lat[len(lat)/2]), ms(lat[len(lat)-1]))
	}
	return nil
}

// engagement reads GET /v1/organization/engagement of the organization
// with the most members (the loader's 5 000), as its owner, one request at
// a time for d.
func (b *bench) engagement(ctx context.Context, d time.Duration) error {
	var owner auth.Principal
	err := b.pool.QueryRow(ctx, `
		SELECT m.organization_id, m.user_id, m.role, r.family_id, o.members_joined
		FROM (SELECT organization_id, members_joined FROM onboarding_organizations ORDER BY members_joined DESC LIMIT 1) o
		JOIN memberships m ON m.organization_id = o.organization_id AND m.role = 'owner'
		JOIN refresh_tokens r ON r.user_id = m.user_id AND r.organization_id = m.organization_id
		LIMIT 1`).Scan(&owner.OrgID, &owner.UserID, &owner.Role, &owner.SessionID, new(int))
	if err != nil {
		return fmt.Errorf("find the largest organization's owner (reload the data set: RELOAD=1 bench/onboarding/bench.sh): %w", err)
	}
	var joined int
	_ = b.pool.QueryRow(ctx, `SELECT count(*) FROM memberships WHERE organization_id = $1`, owner.OrgID).Scan(&joined)
	token, _, err := b.signer.Issue(owner)
	if err != nil {
		return err
	}
	r := b.load(1, d, func(int) (*http.Request, error) {
		req, err := http.NewRequest("GET", b.base+"/v1/organization/engagement", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		return req, err
	}, 200)
	fmt.Printf("GET /v1/organization/engagement (%d members)  %s  (target p99 < 20 ms)\n", joined, r)
	return nil
}

type result struct {
	n, errors int64
	elapsed   time.Duration
	lat       []time.Duration
}

func (r *result) add(o result) {
	r.n += o.n
	r.errors += o.errors
	r.elapsed += o.elapsed
	r.lat = append(r.lat, o.lat...)
}

func (r result) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

func (r result) String() string {
	slices.Sort(r.lat)
	p := func(q float64) float64 {
		if len(r.lat) == 0 {
			return 0
		}
		return ms(r.lat[min(len(r.lat)-1, int(q*float64(len(r.lat))))])
	}
	return fmt.Sprintf("%8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  (%d requests, %d errors)", r.rate(), p(0.5), p(0.99), r.n, r.errors)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// load runs conns workers sending requests for d; a response other than
// want counts as an error.
func (b *bench) load(conns int, d time.Duration, newReq func(i int) (*http.Request, error), want int) result {
	var n, errs atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			for i := w; time.Now().Before(deadline); i += conns {
				req, err := newReq(i)
				if err != nil {
					errs.Add(1)
					continue
				}
				t := time.Now()
				res, err := b.client.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat = append(lat, time.Since(t))
				if res.StatusCode != want {
					errs.Add(1)
				}
				n.Add(1)
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return result{n: n.Load(), errors: errs.Load(), elapsed: time.Since(start), lat: all}
}
