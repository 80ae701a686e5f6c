package billing

import (
	"testing"
	"time"
)

// The stored customer is the truth: a subscription whose customer is A's
// goes to A, whatever organization its metadata names.
func TestSubscriptionFollowsTheStoredCustomer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a, b := h.newOrg("A"), h.newOrg("B")
	h.holdCustomer(a, "cus_a")

	out := h.deliver(EventSubscriptionCreated, h.clock.Now().Add(-time.Minute),
		testSub{ID: "sub_claims_b", Customer: "cus_a", Status: StatusActive, Org: b, Seats: 5}.object())
	if out != OutcomeApplied {
		t.Fatalf("outcome %s, want applied", out)
	}
	if row := h.stored("sub_claims_b"); row.OrganizationID != a {
		t.Fatalf("subscription went to %s, want A (%s): metadata beat the stored customer", row.OrganizationID, a)
	}
	if n := h.count(`SELECT count(*) FROM organizations WHERE id = ? AND billing_status = 'none'`, b); n != 1 {
		t.Fatal("B's billing status changed")
	}
	if n := h.count(`SELECT count(*) FROM stripe_events WHERE organization_id = ?`, a); n != 1 {
		t.Fatal("the event is not recorded against A")
	}

	// A customer no organization holds links nothing through metadata.
	out = h.deliver(EventSubscriptionCreated, h.clock.Now().Add(-time.Minute),
		testSub{ID: "sub_stranger", Customer: "cus_stranger", Status: StatusActive, Org: b, Seats: 5}.object())
	if out != OutcomeUnmatched {
		t.Fatalf("subscription of an unheld customer naming B: outcome %s, want unmatched", out)
	}
	if n := h.count(`SELECT count(*) FROM subscriptions WHERE organization_id = ?`, b); n != 0 {
		t.Fatal("metadata attached a subscription to B")
	}
	if n := h.count(`SELECT count(*) FROM billing_customers WHERE organization_id = ?`, b); n != 0 {
		t.Fatal("metadata linked a customer to B")
	}
}

// client_reference_id and metadata link a customer only from a Checkout
// session this service opened.
func TestCheckoutLinksOnlyFromOurOwnSessions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	b := h.newOrg("B")
	session := func(id, customer string) map[string]any {
		return map[string]any{
			"id": id, "object": "checkout.session", "mode": "subscription", "status": "complete",
			"client_reference_id": b.String(), "customer": customer, "subscription": "sub_" + id,
			"metadata": map[string]any{"organization_id": b.String()},
		}
	}

	if out := h.deliver(EventCheckoutCompleted, h.clock.Now().Add(-time.Minute), session("cs_never_opened", "cus_new")); out != OutcomeUnmatched {
		t.Fatalf("a session we never opened: outcome %s, want unmatched", out)
	}
	if n := h.count(`SELECT count(*) FROM billing_customers`); n != 0 {
		t.Fatal("a session we never opened linked a customer")
	}

	h.openedCheckout(b, "cs_ours")
	if out := h.deliver(EventCheckoutCompleted, h.clock.Now().Add(-time.Minute), session("cs_ours", "cus_new")); out != OutcomeApplied {
		t.Fatalf("our own session: outcome %s, want applied", out)
	}
	if n := h.count(`SELECT count(*) FROM billing_customers WHERE organization_id = ? AND stripe_customer_id = 'cus_new'`, b); n != 1 {
		t.Fatal("our own session did not link its customer")
	}
	if n := h.count(`SELECT count(*) FROM checkout_sessions WHERE id = 'cs_ours' AND completed_at IS NOT NULL`); n != 1 {
		t.Fatal("our own session was not completed")
	}
}

// A customer A holds is never relinked to B, not even by a session B
// opened: the event goes to A and B's session stays open.
func TestHeldCustomerIsNeverRelinked(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a, b := h.newOrg("A"), h.newOrg("B")
	h.holdCustomer(a, "cus_a")
	h.openedCheckout(b, "cs_b")

	h.deliver(EventCheckoutCompleted, h.clock.Now().Add(-time.Minute), map[string]any{
		"id": "cs_b", "object": "checkout.session", "mode": "subscription", "status": "complete",
		"client_reference_id": b.String(), "customer": "cus_a", "subscription": "sub_x",
	})
	if n := h.count(`SELECT count(*) FROM billing_customers WHERE organization_id = ? AND stripe_customer_id = 'cus_a'`, a); n != 1 {
		t.Fatal("A lost its customer")
	}
	if n := h.count(`SELECT count(*) FROM billing_customers WHERE organization_id = ?`, b); n != 0 {
		t.Fatal("B got a customer")
	}
	if n := h.count(`SELECT count(*) FROM stripe_events WHERE organization_id = ?`, b); n != 0 {
		t.Fatal("the event was recorded against B, whose customer it is not")
	}
	if n := h.count(`SELECT count(*) FROM checkout_sessions WHERE id = 'cs_b' AND completed_at IS NULL`); n != 1 {
		t.Fatal("B's session was completed by A's customer")
	}
}

// An invoice goes where its customer is held; one naming A's subscription
// with a customer nobody holds is unmatched and changes nothing.
func TestInvoiceFollowsTheStoredCustomer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := h.newOrg("A")
	h.holdCustomer(a, "cus_a")
	h.deliver(EventSubscriptionCreated, h.clock.Now().Add(-time.Hour), testSub{ID: "sub_a", Customer: "cus_a", Status: StatusActive, Seats: 5}.object())

	invoice := func(id, customer string) map[string]any {
		return map[string]any{"id": id, "object": "invoice", "customer": customer, "subscription": "sub_a", "status": "paid"}
	}
	if out := h.deliver(EventInvoicePaymentFailed, h.clock.Now().Add(-time.Minute), invoice("in_forged", "cus_other")); out != OutcomeUnmatched {
		t.Fatalf("invoice of another customer: outcome %s, want unmatched", out)
	}
	if row := h.stored("sub_a"); row.LatestInvoiceID != nil {
		t.Fatalf("an invoice of another customer changed A's subscription (latest invoice %s)", *row.LatestInvoiceID)
	}
	if out := h.deliver(EventInvoicePaid, h.clock.Now().Add(-time.Minute), invoice("in_a", "cus_a")); out != OutcomeApplied {
		t.Fatalf("A's invoice: outcome %s, want applied", out)
	}
	if row := h.stored("sub_a"); row.LatestInvoiceID == nil || *row.LatestInvoiceID != "in_a" {
		t.Fatal("A's invoice was not applied")
	}
}
