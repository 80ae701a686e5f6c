package billing

import (
	"testing"
	"time"
)

// The ordering rule, case by case: an older event never wins; at a tie the
// later delivery wins, except customer.subscription.created; canceled and
// incomplete_expired are final.
func TestStale(t *testing.T) {
	t.Parallel()
	last := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name    string
		stored  string // the row's status
		typ     string
		created time.Time
		status  string // the event's status
		stale   bool
	}{
		{"older update", StatusActive, EventSubscriptionUpdated, last.Add(-time.Second), StatusPastDue, true},
		{"older deletion", StatusActive, EventSubscriptionDeleted, last.Add(-time.Hour), StatusCanceled, true},
		{"newer update", StatusActive, EventSubscriptionUpdated, last.Add(time.Second), StatusPastDue, false},
		{"update at a tie", StatusActive, EventSubscriptionUpdated, last, StatusPastDue, false},
		{"deletion at a tie", StatusActive, EventSubscriptionDeleted, last, StatusCanceled, false},
		{"created at a tie", StatusActive, EventSubscriptionCreated, last, StatusIncomplete, true},
		{"created later", StatusIncomplete, EventSubscriptionCreated, last.Add(time.Second), StatusActive, false},
		{"created earlier", StatusActive, EventSubscriptionCreated, last.Add(-time.Second), StatusIncomplete, true},
		{"canceled, newer active", StatusCanceled, EventSubscriptionUpdated, last.Add(time.Hour), StatusActive, true},
		{"canceled, newer canceled", StatusCanceled, EventSubscriptionDeleted, last.Add(time.Hour), StatusCanceled, false},
		{"expired, newer active", StatusIncompleteExpired, EventSubscriptionUpdated, last.Add(time.Hour), StatusActive, true},
		{"expired, newer canceled", StatusIncompleteExpired, EventSubscriptionDeleted, last.Add(time.Hour), StatusCanceled, true},
		{"expired, newer expired", StatusIncompleteExpired, EventSubscriptionUpdated, last.Add(time.Hour), StatusIncompleteExpired, false},
		{"past_due, newer active", StatusPastDue, EventSubscriptionUpdated, last.Add(time.Minute), StatusActive, false},
		{"paused, resumed at a tie", StatusPaused, EventSubscriptionResumed, last, StatusActive, false},
		{"unpaid, older active", StatusUnpaid, EventSubscriptionUpdated, last.Add(-time.Minute), StatusActive, true},
	} {
		row := &subscriptionRow{Status: c.stored, LastEventCreated: last}
		if got := stale(row, c.typ, c.created, c.status); got != c.stale {
			t.Errorf("%s: stale = %v, want %v", c.name, got, c.stale)
		}
	}
}

// The same rule through the webhook's entry point and the database: what
// is stored after each delivery, and the outcome each one records.
func TestOrderingThroughTheWebhook(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	org := h.newOrg("Ordered")
	h.holdCustomer(org, "cus_ordered")
	t0 := h.clock.Now().Add(-time.Hour)
	s := testSub{ID: "sub_ordered", Customer: "cus_ordered", Status: StatusIncomplete, Seats: 5}
	for _, step := range []struct {
		name    string
		typ     string
		at      time.Time
		status  string
		seats   int
		outcome Outcome
		stored  string // the row's status afterwards
		storedN int    // and its seats
	}{
		{"created", EventSubscriptionCreated, t0, StatusIncomplete, 5, OutcomeApplied, StatusIncomplete, 5},
		{"active a minute later", EventSubscriptionUpdated, t0.Add(time.Minute), StatusActive, 5, OutcomeApplied, StatusActive, 5},
		{"a late update from before", EventSubscriptionUpdated, t0.Add(30 * time.Second), StatusPastDue, 9, OutcomeStale, StatusActive, 5},
		{"created again at the same second", EventSubscriptionCreated, t0.Add(time.Minute), StatusIncomplete, 3, OutcomeStale, StatusActive, 5},
		{"an update at the same second wins", EventSubscriptionUpdated, t0.Add(time.Minute), StatusActive, 7, OutcomeApplied, StatusActive, 7},
		{"canceled", EventSubscriptionDeleted, t0.Add(2 * time.Minute), StatusCanceled, 7, OutcomeApplied, StatusCanceled, 7},
		{"active after canceled", EventSubscriptionUpdated, t0.Add(3 * time.Minute), StatusActive, 8, OutcomeStale, StatusCanceled, 7},
	} {
		s.Status, s.Seats = step.status, step.seats
		if out := h.deliver(step.typ, step.at, s.object()); out != step.outcome {
			t.Fatalf("%s: outcome %s, want %s", step.name, out, step.outcome)
		}
		row := h.stored(s.ID)
		if row.Status != step.stored || row.Seats != step.storedN {
			t.Fatalf("%s: stored %s with %d seats, want %s with %d", step.name, row.Status, row.Seats, step.stored, step.storedN)
		}
		if n := h.count(`SELECT count(*) FROM stripe_events WHERE outcome = ? AND stripe_subscription_id = ?`, string(step.outcome), s.ID); n == 0 {
			t.Fatalf("%s: no %s event recorded", step.name, step.outcome)
		}
	}
	if n := h.count(`SELECT count(*) FROM organizations WHERE id = ? AND billing_status = 'canceled'`, org); n != 1 {
		t.Fatal("billing_status does not follow the stored subscription")
	}

	// incomplete_expired is as final as canceled.
	e := testSub{ID: "sub_expired", Customer: "cus_ordered", Status: StatusIncompleteExpired, Seats: 5}
	h.deliver(EventSubscriptionUpdated, t0, e.object())
	e.Status = StatusActive
	if out := h.deliver(EventSubscriptionUpdated, t0.Add(time.Hour), e.object()); out != OutcomeStale {
		t.Fatalf("active after incomplete_expired: %s, want stale", out)
	}
	if row := h.stored(e.ID); row.Status != StatusIncompleteExpired {
		t.Fatalf("incomplete_expired came back as %s", row.Status)
	}
}
