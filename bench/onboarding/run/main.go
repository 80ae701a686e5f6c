// Command run measures the onboarding hot paths against a running server
// (127.0.0.1 only) loaded by bench/onboarding/load. Every phase takes
// turns between two or more targets, in -rounds rounds, so that they all
// see the same machine:
//
//   - read: GET /healthz, GET /v1/onboarding/checklist as 4 096 and as
//     -tokens (100 000) distinct members, and the first read of
//     organizations still on the first checklist version (which moves them
//     to the latest); then, beyond the token cache, every member with two
//     tokens against 4 096 tokens; -conns connections (see reads.go);
//   - events: POST /v1/events, batches of 500 of one member's events, and
//     the same batches inserted straight into onboarding_events with pgx
//     (the baseline: PostgreSQL's own speed), -clients clients each;
//   - metrics: VACUUM ANALYZE (the events phase has just added its
//     events), then funnel, activation cohorts, seats and retention over
//     the last 12 months, taking turns -repeat times (p50, p99);
//   - engagement: GET /v1/organization/engagement of the largest
//     organization and of a typical one, as their owners, one client.
//
// Beside every rate: the CPU the server, the PostgreSQL cluster (all its
// processes) and this program spent per request (-server-pid; the
// cluster's postmaster is found from DATABASE_URL).
//
// Tokens are minted with the server's own key: JWT_PRIVATE_KEY and
// PUBLIC_URL must be the server's; DATABASE_URL gives the members.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/onramp/onramp/internal/app"
	"github.com/onramp/onramp/internal/auth"
)

type options struct {
	conns, clients, repeat, rounds, tokens, upgrades, serverPID int
	duration                                                    time.Duration
	phases                                                      string
}

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server base URL (127.0.0.1 only)")
	var o options
	flag.IntVar(&o.conns, "conns", 32, "connections for the read benchmarks")
	flag.IntVar(&o.clients, "clients", 8, "clients posting event batches (and inserting the baseline's)")
	flag.DurationVar(&o.duration, "duration", 15*time.Second, "time each timed target gets, over all its rounds")
	flag.IntVar(&o.repeat, "repeat", 20, "runs of each metrics query")
	flag.IntVar(&o.rounds, "rounds", 5, "rounds the targets of a timed phase take turns in")
	flag.IntVar(&o.tokens, "tokens", 100_000, "distinct members of the large checklist rounds")
	flag.IntVar(&o.upgrades, "upgrades", 2_000, "organizations on the first version whose first read is measured (each only once: it moves them)")
	flag.IntVar(&o.serverPID, "server-pid", 0, "the server's pid, for its CPU time (0: not measured)")
	flag.StringVar(&o.phases, "phases", "read,events,metrics,engagement", "which phases to run")
	flag.Parse()
	if err := run(*base, o); err != nil {
		fmt.Fprintln(os.Stderr, "run:", err)
		os.Exit(1)
	}
}

type bench struct {
	base   string
	client *http.Client
	signer *auth.Signer
	pool   *pgxpool.Pool
	cpu    cpuMeter
}

func run(base string, o options) error {
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
	defer pool.Close()
	b := &bench{
		base:   strings.TrimRight(base, "/"),
		client: &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}, Timeout: 60 * time.Second},
		signer: auth.NewSigner(app.Issuer(public), key),
		pool:   pool,
		cpu:    cpuMeter{server: o.serverPID, postmaster: postmasterPID(ctx, pool)},
	}
	if err := b.describe(ctx); err != nil {
		return err
	}
	if b.cpu.postmaster == 0 {
		fmt.Println("(the cluster's postmaster was not found: no PostgreSQL CPU figures)")
	}
	members, err := b.members(ctx, o.tokens)
	if err != nil {
		return err
	}
	if err := b.settle(ctx); err != nil {
		return err
	}
	if strings.Contains(o.phases, "read") {
		if err := b.reads(ctx, members, o); err != nil {
			return err
		}
	}
	if strings.Contains(o.phases, "events") {
		if err := b.events(ctx, members, o); err != nil {
			return err
		}
	}
	if strings.Contains(o.phases, "metrics") {
		if err := b.metrics(ctx, o.repeat); err != nil {
			return err
		}
	}
	if strings.Contains(o.phases, "engagement") {
		return b.engagement(ctx, o)
	}
	return nil
}

// describe prints the data set.
func (b *bench) describe(ctx context.Context) error {
	var orgs, old, members, dismissed, events int64
	err := b.pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM onboarding_organizations),
		       (SELECT count(*) FROM onboarding_organizations WHERE version < (SELECT max(version) FROM onboarding_versions)),
		       (SELECT count(*) FROM memberships), (SELECT count(*) FROM onboarding_dismissals),
		       (SELECT count(*) FROM onboarding_events)`).Scan(&orgs, &old, &members, &dismissed, &events)
	if err != nil {
		return fmt.Errorf("describe the data set: %w", err)
	}
	fmt.Printf("data set: %d organizations (%d on an older checklist version), %d members (%d dismissed the checklist), %d events\n\n",
		orgs, old, members, dismissed, events)
	return nil
}

// postmasterPID is the pid in the cluster's postmaster.pid (0 when it
// cannot be read: a remote cluster, or another user's).
func postmasterPID(ctx context.Context, pool *pgxpool.Pool) int {
	var dir string
	if err := pool.QueryRow(ctx, `SELECT setting FROM pg_settings WHERE name = 'data_directory'`).Scan(&dir); err != nil {
		return 0
	}
	body, err := os.ReadFile(filepath.Join(dir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.SplitN(string(body), "\n", 2)[0])
	return pid
}
