// Package fakeclock is a clock.Clock that stands still until a test moves
// it. It is safe for concurrent use: the service's requests and jobs read
// it while the test sets it.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is a settable clock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New is a clock standing at t.
func New(t time.Time) *Clock { return &Clock{now: t} }

// At is a clock standing at an RFC 3339 instant; it panics on a malformed one
// (a test's own constant).
func At(rfc3339 string) *Clock { return New(Parse(rfc3339)) }

// Parse reads an RFC 3339 instant, panicking on a malformed one.
func Parse(rfc3339 string) time.Time {
	t, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		panic(err)
	}
	return t
}

// Now is where the clock stands.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock d forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
