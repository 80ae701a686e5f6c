//go:build faulttest

package faulttest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// window is a span of time: an outage, and the grace after it.
type window struct{ from, to time.Time }

func (w window) overlaps(o outcome) bool { return o.start.Before(w.to) && o.end.After(w.from) }

// checkAll checks what must hold after the run and returns the figures.
func checkAll(t *testing.T, w *world, db *pgxpool.Pool, outage window) []string {
	t.Helper()
	var report []string
	report = append(report, checkRequests(t, w, outage)...)
	report = append(report, checkEvents(t, w, db))
	report = append(report, checkWebhooks(t, w, db))
	report = append(report, checkEmails(t, w)...)
	return report
}

func checkRequests(t *testing.T, w *world, outage window) []string {
	t.Helper()
	perInstance := make([]int, len(w.c.instances))
	var first, last time.Time
	var fiveXX, fiveXXInOutage, noAnswer, hung int
	for _, o := range w.c.outcomes {
		perInstance[o.instance]++
		if first.IsZero() || o.start.Before(first) {
			first = o.start
		}
		if o.end.After(last) {
			last = o.end
		}
		switch {
		case o.hung:
			hung++
		case o.status == 0:
			noAnswer++
		case o.status >= 500 && outage.overlaps(o):
			fiveXXInOutage++
		case o.status >= 500:
			fiveXX++
		}
	}
	if hung > 0 {
		t.Errorf("%d requests hung past %s", hung, hangLimit)
	}
	if fiveXX > 0 {
		t.Errorf("%d answers 5xx outside PostgreSQL's outage", fiveXX)
	}
	secs := last.Sub(first).Seconds()
	rates := make([]string, len(perInstance))
	for k, n := range perInstance {
		rates[k] = fmt.Sprintf("%.0f", float64(n)/secs)
	}
	return []string{
		fmt.Sprintf("requests: %d in %.0f s, per instance %s req/s", len(w.c.outcomes), secs, strings.Join(rates, " / ")),
		fmt.Sprintf("5xx: %d during PostgreSQL's outage (and %s after), %d outside; no answer (an instance killed or starting): %d; hung: %d",
			fiveXXInOutage, outageGrace, fiveXX, noAnswer, hung),
	}
}

func count(t *testing.T, db *pgxpool.Pool, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// checkEvents: every id sent is recorded once, and counted once.
func checkEvents(t *testing.T, w *world, db *pgxpool.Pool) string {
	t.Helper()
	sent := make([]map[string]bool, len(w.companies))
	total := 0
	for i, ids := range w.batches {
		k := w.batchOrg[i]
		if sent[k] == nil {
			sent[k] = map[string]bool{}
		}
		for _, id := range ids {
			sent[k][id] = true
		}
	}
	for k, co := range w.companies {
		want := len(sent[k])
		total += want
		ids := count(t, db, `SELECT count(*) FROM onboarding_event_ids WHERE organization_id = $1`, co.id)
		rows := count(t, db, `SELECT count(*) FROM onboarding_events WHERE organization_id = $1 AND name = 'fault_ping'`, co.id)
		counted := count(t, db, `SELECT coalesce(sum(count), 0)::int FROM onboarding_event_counts WHERE organization_id = $1 AND name = 'fault_ping'`, co.id)
		if rows != want || counted != want || ids < want {
			t.Errorf("company %d: %d distinct events sent, %d stored, %d counted, %d ids", k, want, rows, counted, ids)
		}
	}
	return fmt.Sprintf("events: %d batches of 20 (each to two instances at once, a fifth sent again), %d distinct events, each stored and counted once", len(w.batches), total)
}

// checkWebhooks: every Stripe event recorded once, and each subscription
// at the seats of its latest event.
func checkWebhooks(t *testing.T, w *world, db *pgxpool.Pool) string {
	t.Helper()
	if n := count(t, db, `SELECT count(*) FROM stripe_events WHERE id LIKE 'evt_fault_%'`); n != len(w.stripeIDs) {
		t.Errorf("%d Stripe events recorded, %d distinct sent", n, len(w.stripeIDs))
	}
	for customer, seats := range w.lastSeats {
		var got, subs int
		if err := db.QueryRow(context.Background(), `
			SELECT coalesce(max(s.seats), 0), count(*) FROM subscriptions s
			JOIN billing_customers c ON c.organization_id = s.organization_id WHERE c.stripe_customer_id = $1`, customer).Scan(&got, &subs); err != nil {
			t.Fatal(err)
		}
		if got != seats || subs != 1 {
			t.Errorf("customer %s: %d subscriptions, %d seats; want 1, %d (its latest event)", customer, subs, got, seats)
		}
	}
	return fmt.Sprintf("Stripe webhooks: %d deliveries of %d distinct events (each to two instances at once, a fourth sent again), each recorded once; %d subscriptions at their latest seats",
		len(w.deliveries), len(w.stripeIDs), len(w.lastSeats))
}

// checkEmails: one confirmation per owner, one invitation per invitee, one
// reminder per invitee left pending (when nudges may go today).
func checkEmails(t *testing.T, w *world) []string {
	t.Helper()
	got := map[string]int{}
	for _, m := range w.mail.Messages() {
		for _, to := range m.To {
			got[kind(m.Subject)+" "+to]++
		}
	}
	expect := func(what string, emails []string, want int) {
		for _, e := range emails {
			if n := got[what+" "+e]; n != want {
				t.Errorf("%s to %s: %d emails, want %d", what, e, n, want)
			}
		}
	}
	expect("confirm", w.signedUp, 1)
	expect("invitation", w.invited, 1)
	paris, _ := time.LoadLocation("Europe/Paris")
	weekday := time.Now().In(paris).Weekday()
	nudges := 1
	if weekday == time.Saturday || weekday == time.Sunday {
		nudges = 0 // nudges never go on a weekend
	}
	expect("nudge", w.pending, nudges)
	for _, e := range w.invited {
		if n := got["nudge "+e]; n > 1 {
			t.Errorf("nudge to %s: %d emails, want at most 1", e, n)
		}
	}
	return []string{fmt.Sprintf("emails: %d confirmations and %d invitations, each sent once; %d reminders, one to each of the %d invitees left pending (%d expected each) and none twice (some reached invitees before they accepted)",
		countKind(got, "confirm"), countKind(got, "invitation"), countKind(got, "nudge"), len(w.pending), nudges)}
}

func kind(subject string) string {
	switch {
	case strings.Contains(subject, "Confirm"):
		return "confirm"
	case strings.HasPrefix(subject, "Join"):
		return "invitation"
	case strings.Contains(subject, "is waiting"):
		return "nudge"
	}
	return "other"
}

func countKind(got map[string]int, k string) int {
	n := 0
	for key, c := range got {
		if strings.HasPrefix(key, k+" ") {
			n += c
		}
	}
	return n
}
