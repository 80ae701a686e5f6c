package coalesce

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// recorder is a Run that doubles its inputs, records each batch, and can
// hold queries until released.
type recorder struct {
	mu      sync.Mutex
	batches [][]int
	started chan struct{} // receives once per query started
	release chan struct{} // a query returns once it receives
}

func newRecorder() *recorder {
	return &recorder{started: make(chan struct{}, 100), release: make(chan struct{}, 100)}
}

func (r *recorder) run(ctx context.Context, qs []int) ([]int, error) {
	r.mu.Lock()
	r.batches = append(r.batches, slices.Clone(qs))
	r.mu.Unlock()
	r.started <- struct{}{}
	<-r.release
	out := make([]int, len(qs))
	for i, q := range qs {
		out[i] = 2 * q
	}
	return out, nil
}

func TestALoneLookupGoesAtOnce(t *testing.T) {
	r := newRecorder()
	b := New(Limits{MaxInFlight: 1, MaxBatch: 8}, r.run)
	r.release <- struct{}{}
	if got, err := b.Do(context.Background(), 21); err != nil || got != 42 {
		t.Fatalf("got %d, %v", got, err)
	}
	if b.Queries() != 1 {
		t.Fatalf("%d queries", b.Queries())
	}
}

// Lookups arriving while a query runs wait and go together in the next
// one, each answered by position; none is answered by the query that was
// already running when it arrived.
func TestLookupsWaitingTogetherShareTheNextQuery(t *testing.T) {
	r := newRecorder()
	b := New(Limits{MaxInFlight: 1, MaxBatch: 8}, r.run)
	answers := make([]int, 11)
	var wg sync.WaitGroup
	do := func(i int) {
		defer wg.Done()
		a, err := b.Do(context.Background(), i)
		if err != nil {
			t.Error(err)
		}
		answers[i] = a
	}
	wg.Add(1)
	go do(0)
	<-r.started // the first query runs with lookup 0 alone
	wg.Add(10)
	for i := 1; i <= 10; i++ {
		go do(i)
	}
	for waiting(b) < 10 {
		time.Sleep(time.Millisecond)
	}
	for range 3 {
		r.release <- struct{}{}
	}
	wg.Wait()
	for i, a := range answers {
		if a != 2*i {
			t.Fatalf("lookup %d answered %d", i, a)
		}
	}
	// 1 alone, then the 10 waiting split by MaxBatch.
	if len(r.batches) != 3 || len(r.batches[0]) != 1 || len(r.batches[1]) != 8 || len(r.batches[2]) != 2 {
		t.Fatalf("batches %v", r.batches)
	}
}

func waiting[Q, A any](b *Batcher[Q, A]) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.queue)
}

func TestAFailedQueryFailsEveryLookupInIt(t *testing.T) {
	boom := errors.New("boom")
	b := New(Limits{MaxInFlight: 1, MaxBatch: 8}, func(context.Context, []int) ([]int, error) { return nil, boom })
	if _, err := b.Do(context.Background(), 1); !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	short := New(Limits{MaxInFlight: 1, MaxBatch: 8}, func(context.Context, []int) ([]int, error) { return []int{}, nil })
	if _, err := short.Do(context.Background(), 1); err == nil {
		t.Fatal("a query answering fewer lookups than asked passed")
	}
}

func TestACallerStopsWaitingWhenItsContextEnds(t *testing.T) {
	r := newRecorder()
	b := New(Limits{MaxInFlight: 1, MaxBatch: 8}, r.run)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-r.started; cancel() }()
	if _, err := b.Do(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	r.release <- struct{}{} // the query still finishes and the batcher goes on
	r.release <- struct{}{}
	if got, err := b.Do(context.Background(), 2); err != nil || got != 4 {
		t.Fatalf("after a cancelled caller: %d, %v", got, err)
	}
}
