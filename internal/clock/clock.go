// Package clock is the one way the services read the time. Production runs
// on the system clock; tests hand the services a clock they move
// (internal/testing/fakeclock), so time-dependent behaviour (signup and
// join times, the last 28 days, a nudge's after_days, quiet hours) is
// tested without sleeping.
package clock

import "time"

// Clock tells the current time.
type Clock interface {
	Now() time.Time
}

// System is the machine's clock.
type System struct{}

// Now is time.Now.
func (System) Now() time.Time { return time.Now() }

// Or is c, or the system clock when c is nil (a Config left unset).
func Or(c Clock) Clock {
	if c == nil {
		return System{}
	}
	return c
}
