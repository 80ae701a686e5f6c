package nudge

import (
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// Policy is the guardrails' settings, the same for every rule.
type Policy struct {
	// WeeklyCap is how many nudges a person gets in any 7 days, all rules
	// together (NUDGE_WEEKLY_CAP; 0: 1).
	WeeklyCap int
	// Quiet is the local hours no nudge goes in (NUDGE_QUIET_HOURS;
	// zero: 20-9).
	Quiet QuietHours
	// DefaultTimeZone is the time zone of a person who has not said theirs
	// (nil: Europe/Paris).
	DefaultTimeZone *time.Location
}

// QuietHours is a span of local hours, From inclusive to To exclusive,
// that may wrap past midnight (20-9: 20:00 to 08:59).
type QuietHours struct{ From, To int }

// contains reports whether local hour h is quiet.
func (q QuietHours) contains(h int) bool {
	if q.From < q.To {
		return h >= q.From && h < q.To
	}
	return h >= q.From || h < q.To
}

func (p Policy) withDefaults() Policy {
	if p.WeeklyCap <= 0 {
		p.WeeklyCap = 1
	}
	if p.Quiet == (QuietHours{}) {
		p.Quiet = QuietHours{From: 20, To: 9}
	}
	if p.DefaultTimeZone == nil {
		if paris, err := time.LoadLocation("Europe/Paris"); err == nil {
			p.DefaultTimeZone = paris
		} else {
			p.DefaultTimeZone = time.UTC // no tzdata at all: the binary embeds it (cmd/onramp), tests may not
		}
	}
	return p
}

// Outcomes of a decision, and the reasons for a skip (as `onramp nudges
// run` prints them).
const (
	Sent    = "sent"
	HeldOut = "held_out"

	SkipCap        = "cap"
	SkipQuietHours = "quiet_hours"
	SkipWeekend    = "weekend"
	SkipOptedOut   = "opted_out"
	SkipDone       = "done"
	SkipBilling    = "billing"
	SkipMaxSends   = "max_sends"
	SkipTooSoon    = "too_soon"
)

// candidate is a person a rule's trigger names, with what the guardrails
// need to know about them.
type candidate struct {
	// person is sha256 of their address (unsubscribe.EmailHash).
	person []byte
	// sends is how many times this rule mailed them, lastSent the latest;
	// heldOut: they are in this rule's holdout.
	sends    int
	lastSent time.Time
	heldOut  bool
	// recentSends is nudges of any rule sent to them in the last 7 days.
	recentSends int
	optedOut    bool
	// done: the goal is reached or they dismissed the checklist.
	done bool
	// billingStatus is their company's (organizations.billing_status).
	billingStatus string
	timeZone      string
}

// lapsedBilling are the subscription states no reminder goes to: the
// company stopped paying or paused.
var lapsedBilling = map[string]bool{"canceled": true, "unpaid": true, "paused": true}

// decide is the one place that says whether rule r may remind c now
// (loc: c's time zone): Sent, HeldOut, or the reason it does not.
func (p Policy) decide(r Rule, c candidate, now time.Time, loc *time.Location) string {
	switch {
	case c.optedOut:
		return SkipOptedOut
	case c.done:
		return SkipDone
	case lapsedBilling[c.billingStatus]:
		return SkipBilling
	case c.heldOut:
		return HeldOut
	case c.sends >= r.MaxSends:
		return SkipMaxSends
	case c.sends > 0 && now.Before(c.lastSent.AddDate(0, 0, r.EveryDays)):
		return SkipTooSoon
	case c.recentSends >= p.WeeklyCap:
		return SkipCap
	}
	local := now.In(loc)
	switch {
	case p.Quiet.contains(local.Hour()):
		return SkipQuietHours
	case local.Weekday() == time.Saturday || local.Weekday() == time.Sunday:
		return SkipWeekend
	case c.sends == 0 && inHoldout(r.Key, c.person, r.HoldoutPercent):
		return HeldOut
	}
	return Sent
}

// zones resolves time zone names once per sweep (time.LoadLocation reads
// the zone database every time): a person who said none, or one this
// machine does not know, is in the default zone.
type zones struct {
	byName   map[string]*time.Location
	fallback *time.Location
}

func newZones(fallback *time.Location) *zones {
	return &zones{byName: map[string]*time.Location{}, fallback: fallback}
}

func (z *zones) of(name string) *time.Location {
	if name == "" {
		return z.fallback
	}
	if loc, ok := z.byName[name]; ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = z.fallback
	}
	z.byName[name] = loc
	return loc
}

// inHoldout is a stable draw: the same rule key and person are always on
// the same side, and about percent of people are held out.
func inHoldout(ruleKey string, person []byte, percent int) bool {
	if percent <= 0 {
		return false
	}
	h := sha256.New()
	h.Write([]byte(ruleKey))
	h.Write([]byte{0})
	h.Write(person)
	return binary.BigEndian.Uint64(h.Sum(nil)[:8])%100 < uint64(percent)
}
