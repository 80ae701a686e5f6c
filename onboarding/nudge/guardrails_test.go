package nudge

import (
	"fmt"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/unsubscribe"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

var testRule = Rule{Key: "book_first_session", MaxSends: 2, EveryDays: 4}

// Tokyo is 17 hours ahead of Los Angeles in December: the same instant is
// a working hour in one and a quiet hour or a weekend in the other.
func TestQuietHoursAndWeekendsAreThePersonsOwn(t *testing.T) {
	p := Policy{}.withDefaults()
	tokyo, la := mustZone(t, "Asia/Tokyo"), mustZone(t, "America/Los_Angeles")
	cases := []struct {
		at        string
		tokyo, la string
	}{
		{"2026-12-01T01:00:00Z", Sent, Sent},                     // Tue 10:00 JST, Mon 17:00 PST
		{"2026-12-04T12:00:00Z", SkipQuietHours, SkipQuietHours}, // Fri 21:00 JST, Fri 04:00 PST
		{"2026-12-05T00:30:00Z", SkipWeekend, Sent},              // Sat 09:30 JST, Fri 16:30 PST
		{"2026-12-06T23:30:00Z", SkipQuietHours, SkipWeekend},    // Mon 08:30 JST, Sun 15:30 PST
		{"2026-12-07T00:00:00Z", Sent, SkipWeekend},              // Mon 09:00 JST (quiet ends at 9), Sun 16:00 PST
	}
	for _, c := range cases {
		now, _ := time.Parse(time.RFC3339, c.at)
		cand := candidate{person: unsubscribe.EmailHash("ada@acme.test")}
		if got := p.decide(testRule, cand, now, tokyo); got != c.tokyo {
			t.Errorf("%s in Tokyo (%s): %s, want %s", c.at, now.In(tokyo).Format("Mon 15:04"), got, c.tokyo)
		}
		if got := p.decide(testRule, cand, now, la); got != c.la {
			t.Errorf("%s in Los Angeles (%s): %s, want %s", c.at, now.In(la).Format("Mon 15:04"), got, c.la)
		}
	}
}

func TestQuietHoursMayNotWrapMidnight(t *testing.T) {
	q := QuietHours{From: 12, To: 14}
	for h, want := range map[int]bool{11: false, 12: true, 13: true, 14: false} {
		if q.contains(h) != want {
			t.Errorf("12-14 contains %d: %v, want %v", h, !want, want)
		}
	}
}

// The guardrails hold whatever the rule: each reason wins over sending.
func TestEachGuardrailStopsASend(t *testing.T) {
	p := Policy{WeeklyCap: 1}.withDefaults()
	now, _ := time.Parse(time.RFC3339, "2026-12-01T10:00:00Z") // Tuesday 11:00 in Paris
	paris := p.DefaultTimeZone
	base := candidate{person: unsubscribe.EmailHash("ada@acme.test"), billingStatus: "active"}
	cases := map[string]func(c *candidate){
		SkipOptedOut: func(c *candidate) { c.optedOut = true },
		SkipDone:     func(c *candidate) { c.done = true },
		SkipBilling:  func(c *candidate) { c.billingStatus = "unpaid" },
		SkipMaxSends: func(c *candidate) { c.sends, c.lastSent = 2, now.AddDate(0, 0, -10) },
		SkipTooSoon:  func(c *candidate) { c.sends, c.lastSent = 1, now.AddDate(0, 0, -3) },
		SkipCap:      func(c *candidate) { c.recentSends = 1 },
		HeldOut:      func(c *candidate) { c.heldOut = true },
		Sent:         func(c *candidate) { c.sends, c.lastSent = 1, now.AddDate(0, 0, -4) },
	}
	for want, change := range cases {
		c := base
		change(&c)
		if got := p.decide(testRule, c, now, paris); got != want {
			t.Errorf("%+v: %s, want %s", c, got, want)
		}
	}
	for _, status := range []string{"canceled", "paused"} {
		c := base
		c.billingStatus = status
		if got := p.decide(testRule, c, now, paris); got != SkipBilling {
			t.Errorf("billing %s: %s, want billing", status, got)
		}
	}
}

func TestHoldoutKeepsAboutItsShareAndAlwaysTheSamePeople(t *testing.T) {
	held := map[string]bool{}
	for i := range 200 {
		email := fmt.Sprintf("person%03d@acme.test", i)
		if inHoldout("book_first_session", unsubscribe.EmailHash(email), 50) {
			held[email] = true
		}
	}
	if n := len(held); n < 80 || n > 120 {
		t.Fatalf("held out %d of 200 at 50%%, want 100 ± 20", n)
	}
	for i := range 200 {
		email := fmt.Sprintf("person%03d@acme.test", i)
		if inHoldout("book_first_session", unsubscribe.EmailHash(email), 50) != held[email] {
			t.Fatalf("%s changed sides on a second draw", email)
		}
	}
	if inHoldout("book_first_session", unsubscribe.EmailHash("person000@acme.test"), 0) {
		t.Error("a rule without holdout kept someone out")
	}
}
