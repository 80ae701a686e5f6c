package billing

import (
	"strings"
	"testing"
	"time"
)

// trial_will_end emails the owners and admins, each in their language,
// only while the subscription as stored is still in its trial: a late
// delivery after the subscription was paid for, or canceled, tells nobody.
func TestTrialWillEndTellsOnlyWhileTrialing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	org := h.newOrg("Acme")
	h.newPerson(org, "owner@acme.test", "owner", "fr")
	h.newPerson(org, "admin@acme.test", "admin", "")
	h.newPerson(org, "member@acme.test", "member", "en")
	h.holdCustomer(org, "cus_acme")
	trial := testSub{ID: "sub_trial", Customer: "cus_acme", Status: StatusTrialing, Seats: 3}.object()
	trial["trial_end"] = h.clock.Now().Add(72 * time.Hour).Unix()
	trial["items"].(map[string]any)["data"].([]any)[0].(map[string]any)["price"] = map[string]any{"id": "price_test_nocard", "object": "price"}

	h.deliver(EventSubscriptionCreated, h.clock.Now().Add(-time.Hour), trial)
	h.deliver(EventTrialWillEnd, h.clock.Now().Add(-time.Minute), trial)
	mails := h.queued()
	if len(mails) != 2 {
		t.Fatalf("%d emails queued, want 2 (owner and admin): %+v", len(mails), mails)
	}
	byTo := map[string]queuedEmail{mails[0].To: mails[0], mails[1].To: mails[1]}
	fr, en := byTo["owner@acme.test"], byTo["admin@acme.test"]
	if !strings.HasPrefix(fr.Subject, "Votre période d’essai Onramp se termine le ") || !strings.Contains(fr.Text, "ajoutez un moyen de paiement") ||
		!strings.Contains(fr.Text, "http://onramp.test/v1/billing/portal-link?token=") || fr.Kind != "trial_ending" {
		t.Errorf("owner's email %+v", fr)
	}
	if !strings.HasPrefix(en.Subject, "Your Onramp trial ends on ") || !strings.Contains(en.Text, "add a payment method") {
		t.Errorf("admin's email (DEFAULT_LOCALE en) %+v", en)
	}

	// Paid for meanwhile: a late trial_will_end is stale and mails nobody.
	paid := testSub{ID: "sub_trial", Customer: "cus_acme", Status: StatusActive, Seats: 3}.object()
	h.deliver(EventSubscriptionUpdated, h.clock.Now(), paid)
	if out := h.deliver(EventTrialWillEnd, h.clock.Now().Add(-30*time.Second), trial); out != OutcomeStale {
		t.Fatalf("late trial_will_end: %s", out)
	}
	if n := len(h.queued()); n != 2 {
		t.Fatalf("%d emails queued after a late trial_will_end, want still 2", n)
	}
}
