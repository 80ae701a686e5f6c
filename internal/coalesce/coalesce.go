// Package coalesce runs concurrent lookups of one kind as one query per
// database round trip, the way group commit coalesces writes.
//
// While MaxInFlight queries are running, new lookups wait in a queue; when
// one finishes, the whole queue (up to MaxBatch) goes as the next query. A
// lone lookup goes at once; under load one round trip serves many callers.
// Every lookup is answered by a query that started after it arrived, so it
// sees every change committed before it, exactly as a query of its own
// would: nothing is cached and nothing is stale.
package coalesce

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Run answers qs in one query: answers[i] is qs[i]'s. It runs under a
// context of its own (Timeout), not any single caller's, since it serves
// many.
type Run[Q, A any] func(ctx context.Context, qs []Q) (answers []A, err error)

// Batcher coalesces lookups; build it with New.
type Batcher[Q, A any] struct {
	run         Run[Q, A]
	maxInFlight int
	maxBatch    int
	timeout     time.Duration

	mu       sync.Mutex
	queue    []*call[Q, A]
	inFlight int

	queries atomic.Int64
}

// Limits bound a Batcher.
type Limits struct {
	MaxInFlight int           // queries running at once; the rest of the pool stays free
	MaxBatch    int           // lookups per query; a longer queue is split
	Timeout     time.Duration // bound on one query; 0: defaultTimeout
}

// defaultTimeout bounds a query when Limits leave it unset.
const defaultTimeout = 10 * time.Second

// New builds a Batcher that answers lookups with run.
func New[Q, A any](l Limits, run Run[Q, A]) *Batcher[Q, A] {
	if l.Timeout <= 0 {
		l.Timeout = defaultTimeout
	}
	return &Batcher[Q, A]{run: run, maxInFlight: max(l.MaxInFlight, 1), maxBatch: max(l.MaxBatch, 1), timeout: l.Timeout}
}

// call is one caller's lookup and, once done is closed, its answer.
type call[Q, A any] struct {
	q    Q
	done chan struct{}
	a    A
	err  error
}

// Do answers q, coalesced with the lookups that are waiting with it.
func (b *Batcher[Q, A]) Do(ctx context.Context, q Q) (A, error) {
	c := &call[Q, A]{q: q, done: make(chan struct{})}
	b.mu.Lock()
	b.queue = append(b.queue, c)
	if b.inFlight < b.maxInFlight {
		b.inFlight++
		go b.drain()
	}
	b.mu.Unlock()
	select {
	case <-c.done:
		return c.a, c.err
	case <-ctx.Done():
		var zero A
		return zero, ctx.Err()
	}
}

// Queries is how many queries have run, for tests and benchmarks.
func (b *Batcher[Q, A]) Queries() int64 { return b.queries.Load() }

// drain runs queued lookups as batches until the queue is empty.
func (b *Batcher[Q, A]) drain() {
	for {
		b.mu.Lock()
		n := min(len(b.queue), b.maxBatch)
		if n == 0 {
			b.inFlight--
			b.mu.Unlock()
			return
		}
		batch := b.queue[:n:n]
		b.queue = b.queue[n:]
		b.mu.Unlock()
		b.answer(batch)
	}
}

// answer runs one query for batch and hands each caller its answer.
func (b *Batcher[Q, A]) answer(batch []*call[Q, A]) {
	qs := make([]Q, len(batch))
	for i, c := range batch {
		qs[i] = c.q
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.timeout)
	defer cancel()
	b.queries.Add(1)
	answers, err := b.run(ctx, qs)
	if err == nil && len(answers) != len(batch) {
		err = fmt.Errorf("coalesced query answered %d of %d lookups", len(answers), len(batch))
	}
	for i, c := range batch {
		if err != nil {
			c.err = err
		} else {
			c.a = answers[i]
		}
		close(c.done)
	}
}
