package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// target is one thing a phase measures: conns workers call do with
// increasing i (worker w takes w, w+conns, …) until the round's time is
// up, perRound requests were sent (when set), or do returns errExhausted
// (a target with a fixed supply: organizations still on an old version).
type target struct {
	name     string
	conns    int
	perRound int64
	do       func(i int) error
}

// errExhausted stops a worker: its target has nothing left to send.
var errExhausted = errors.New("exhausted")

// httpDo sends the request newReq makes and wants the status want.
func (b *bench) httpDo(newReq func(i int) (*http.Request, error), want int) func(int) error {
	return func(i int) error {
		req, err := newReq(i)
		if err != nil {
			return err
		}
		res, err := b.client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		return nil
	}
}

// result is what a target did over all its rounds, with the CPU the
// server, the cluster and this program spent meanwhile.
type result struct {
	n, errors int64
	elapsed   time.Duration
	lat       []time.Duration
	cpu       cpuTimes
}

func (r *result) add(o result) {
	r.n += o.n
	r.errors += o.errors
	r.elapsed += o.elapsed
	r.lat = append(r.lat, o.lat...)
	r.cpu = r.cpu.plus(o.cpu)
}

func (r result) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

// quantile of the latencies (q in [0, 1]), in ms.
func (r result) quantile(q float64) float64 {
	if len(r.lat) == 0 {
		return 0
	}
	lat := slices.Clone(r.lat)
	slices.Sort(lat)
	return ms(lat[min(len(lat)-1, int(q*float64(len(lat))))])
}

func (r result) String() string {
	return fmt.Sprintf("%8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  (%d requests, %d errors)  %s",
		r.rate(), r.quantile(0.5), r.quantile(0.99), r.n, r.errors, r.cpu.perRequest(r.n))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// alternate runs every target for d in total, in rounds rounds of d/rounds
// each, taking turns (the order reversed every other round), so that each
// target sees the same background load: autovacuum, a growing table, a
// warming cache.
func (b *bench) alternate(rounds int, d time.Duration, targets []target) []result {
	results := make([]result, len(targets))
	for round := range rounds {
		for k := range targets {
			if round%2 == 1 {
				k = len(targets) - 1 - k
			}
			before := b.cpu.sample()
			r := load(targets[k], d/time.Duration(rounds))
			r.cpu = b.cpu.sample().minus(before)
			results[k].add(r)
		}
	}
	return results
}

// load runs t's workers for d; an error counts as one (with its latency),
// except errExhausted, which stops the worker.
func load(t target, d time.Duration) result {
	var n, errs, sent atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range t.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			for i := w; time.Now().Before(deadline); i += t.conns {
				if t.perRound > 0 && sent.Add(1) > t.perRound {
					break
				}
				at := time.Now()
				err := t.do(i)
				if errors.Is(err, errExhausted) {
					break
				}
				lat = append(lat, time.Since(at))
				n.Add(1)
				if err != nil {
					errs.Add(1)
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return result{n: n.Load(), errors: errs.Load(), elapsed: time.Since(start), lat: all}
}
