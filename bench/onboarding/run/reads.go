package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/onramp/onramp/internal/auth"
)

// reads measures GET /healthz and the checklist, each read by a token
// picked at random, as 4 096 members and as every member picked (-tokens of
// them, one token each, fewer than the verified-token cache's 131 072: the
// issue's target is that these are no slower than 4 096), and the first
// read of organizations on an older version, which moves them to the
// latest (each organization once: -upgrades of them over all rounds).
// Then the token cache alone (tokenCacheAlone). Then, on its own, beyond
// the cache: every member with a second token (the one from before their
// last refresh, still valid), against 4 096 tokens again, so that the
// price of verifying again shows, and that it is not a cliff. It comes
// last because it churns the cache.
func (b *bench) reads(ctx context.Context, members []auth.Principal, o options) error {
	old, err := b.oldVersionMembers(ctx, o.upgrades)
	if err != nil {
		return err
	}
	tokens, err := b.mint(members)
	if err != nil {
		return err
	}
	oldTokens, err := b.mint(old)
	if err != nil {
		return err
	}
	few := tokens[:min(4096, len(tokens))]
	var next atomic.Int64
	targets := []target{
		{name: "GET /healthz", conns: o.conns, do: b.httpDo(func(int) (*http.Request, error) { return b.get("/healthz", "") }, 200)},
		{name: fmt.Sprintf("checklist, %d tokens", len(few)), conns: o.conns, do: b.httpDo(b.checklistRead(few), 200)},
		{name: fmt.Sprintf("checklist, %d tokens", len(tokens)), conns: o.conns, do: b.httpDo(b.checklistRead(tokens), 200)},
		{name: "checklist, 1st read on old version", conns: o.conns, perRound: int64(len(oldTokens)+o.rounds-1) / int64(o.rounds), do: func(int) error {
			k := next.Add(1) - 1
			if k >= int64(len(oldTokens)) {
				return errExhausted
			}
			return b.httpDo(func(int) (*http.Request, error) { return b.get("/v1/onboarding/checklist", oldTokens[k]) }, 200)(0)
		}},
	}
	if len(oldTokens) == 0 {
		targets = targets[:3]
	}
	b.readEach(tokens, o.conns)
	results := b.alternate(o.rounds, o.duration, targets)
	for k, r := range results {
		fmt.Printf("%-36s %s\n", targets[k].name, r)
	}
	small, large := results[1], results[2]
	fmt.Printf("checklist, %d / %d tokens: req/s %.2f, p99 %.2f / %.2f ms  (target: req/s ratio >= 1.00, p99 < 15 ms at %d connections)\n\n",
		len(tokens), len(few), large.rate()/small.rate(), large.quantile(0.99), small.quantile(0.99), o.conns)

	if err := b.tokenCacheAlone(members[:len(few)], few, len(tokens), o); err != nil {
		return err
	}

	second, err := b.mint(members)
	if err != nil {
		return err
	}
	twoEach := append(append([]string(nil), tokens...), second...)
	b.readEach(second, o.conns)
	beyond := []target{
		{name: fmt.Sprintf("checklist, %d tokens", len(few)), conns: o.conns, do: b.httpDo(b.checklistRead(few), 200)},
		{name: fmt.Sprintf("checklist, %d tokens, 2 each", len(twoEach)), conns: o.conns, do: b.httpDo(b.checklistRead(twoEach), 200)},
	}
	results = b.alternate(o.rounds, o.duration, beyond)
	for k, r := range results {
		fmt.Printf("%-36s %s\n", beyond[k].name, r)
	}
	fmt.Printf("checklist, %d / %d tokens, beyond the token cache: req/s %.2f, p99 %.2f / %.2f ms\n\n",
		len(twoEach), len(few), results[1].rate()/results[0].rate(), results[1].quantile(0.99), results[0].quantile(0.99))
	return nil
}

// readEach reads the checklist once with every token, unmeasured: each
// member's app sends its token many times in its 15 minutes, and a run
// shorter than one read per token would measure first uses only (a
// signature check each, and rows not yet in PostgreSQL's cache).
func (b *bench) readEach(tokens []string, conns int) {
	warm := time.Now()
	var k atomic.Int64
	load(target{conns: conns, do: func(int) error {
		i := k.Add(1) - 1
		if i >= int64(len(tokens)) {
			return errExhausted
		}
		return b.httpDo(func(int) (*http.Request, error) { return b.get("/v1/onboarding/checklist", tokens[i]) }, 200)(0)
	}}, time.Hour)
	fmt.Printf("every token read once first (unmeasured): %d in %.1f s\n", len(tokens), time.Since(warm).Seconds())
}

// get is a GET of path, as the token's bearer when there is one.
func (b *bench) get(path, token string) (*http.Request, error) {
	req, err := http.NewRequest("GET", b.base+path, nil)
	if err == nil && token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, err
}

// tokenCacheAlone measures what the verified-token cache costs at n
// distinct tokens, apart from PostgreSQL: n tokens held by the same
// members as the 4 096 (about 24 each, as many sessions' tokens), against
// those 4 096, so that both read the same rows. Reads by n distinct
// members (the round before) touch n members' rows, which stay in shared
// buffers but not in the CPU's caches: that costs PostgreSQL more per
// read, whatever the server does. In a phase of its own: the n tokens of
// the round before and these are more than the cache holds.
func (b *bench) tokenCacheAlone(fewMembers []auth.Principal, few []string, n int, o options) error {
	ps := make([]auth.Principal, n)
	for i := range ps {
		ps[i] = fewMembers[i%len(fewMembers)]
	}
	many, err := b.mint(ps)
	if err != nil {
		return err
	}
	b.readEach(many, o.conns)
	targets := []target{
		{name: fmt.Sprintf("checklist, %d tokens", len(few)), conns: o.conns, do: b.httpDo(b.checklistRead(few), 200)},
		{name: fmt.Sprintf("checklist, %d tokens of those members", len(many)), conns: o.conns, do: b.httpDo(b.checklistRead(many), 200)},
	}
	results := b.alternate(o.rounds, o.duration, targets)
	for k, r := range results {
		fmt.Printf("%-36s %s\n", targets[k].name, r)
	}
	fmt.Printf("checklist, %d / %d tokens of the same %d members (the token cache alone): req/s %.2f, p99 %.2f / %.2f ms  (target: req/s ratio >= 1.00, p99 < 15 ms)\n\n",
		len(many), len(few), len(fewMembers), results[1].rate()/results[0].rate(), results[1].quantile(0.99), results[0].quantile(0.99))
	return nil
}

// checklistRead is a checklist read by one of tokens, picked at random.
func (b *bench) checklistRead(tokens []string) func(int) (*http.Request, error) {
	return func(int) (*http.Request, error) {
		return b.get("/v1/onboarding/checklist", tokens[rand.IntN(len(tokens))])
	}
}
