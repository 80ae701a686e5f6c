package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// Invoices are kept from invoice events under the subscriptions' ordering
// rules: a duplicate changes nothing, an older event never wins, and a
// paid invoice stays paid (invoice.finalized often arrives after
// invoice.paid, in the same second). Each organization sees its own.
func TestInvoicesKeepTheirLatestStatus(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	org := env.NewOrg(t, testenv.OrgOptions{})
	s := subscribe(t, env, org.ID, "active", 5)
	_, adminTok := env.NewMember(t, org.ID, "admin")
	_, memberTok := env.NewMember(t, org.ID, "member")
	other := env.NewOrg(t, testenv.OrgOptions{})
	subscribe(t, env, other.ID, "active", 3)

	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	invoice := func(id, status string, paid int64, created time.Time) map[string]any {
		return map[string]any{"id": id, "object": "invoice", "customer": s.Customer, "subscription": s.ID, "status": status,
			"number": "ACME-" + id, "amount_due": 7500, "amount_paid": paid, "currency": "eur", "created": created.Unix(),
			"hosted_invoice_url": "https://invoice.stripe.com/i/" + id, "invoice_pdf": "https://pay.stripe.com/invoice/" + id + "/pdf"}
	}
	deliver := func(id, typ string, created time.Time, obj map[string]any) string {
		t.Helper()
		return env.SendWebhook(t, stripeEvent(t, id, typ, created, obj)).Expect(t, 200).Map(t)["outcome"].(string)
	}
	paidAt := base.Add(10 * time.Minute)
	if out := deliver("evt_in1_paid", "invoice.paid", paidAt, invoice("in_1", "paid", 7500, base)); out != "applied" {
		t.Fatalf("paid: %s", out)
	}
	// finalized in the same second, delivered after: paid stays.
	if out := deliver("evt_in1_final", "invoice.finalized", paidAt, invoice("in_1", "open", 0, base)); out != "stale" {
		t.Fatalf("finalized after paid: %s, want stale", out)
	}
	if out := deliver("evt_in1_paid", "invoice.paid", paidAt, invoice("in_1", "paid", 7500, base)); out != "duplicate" {
		t.Fatalf("the same event again: %s", out)
	}
	// Even a later void cannot undo a payment.
	if out := deliver(newEventID(), "invoice.voided", paidAt.Add(time.Minute), invoice("in_1", "void", 7500, base)); out != "stale" {
		t.Fatalf("voided after paid: %s, want stale", out)
	}
	// A second invoice: finalized, then its payment fails (still open).
	deliver(newEventID(), "invoice.finalized", base.Add(time.Hour), invoice("in_2", "open", 0, base.Add(time.Hour)))
	deliver(newEventID(), "invoice.payment_failed", base.Add(time.Hour+time.Minute), invoice("in_2", "open", 0, base.Add(time.Hour)))
	// Another organization's invoice is its own.
	env.SendWebhook(t, stripeEvent(t, newEventID(), "invoice.paid", base, map[string]any{"id": "in_other", "object": "invoice",
		"customer": customerOf(other.ID), "status": "paid", "amount_due": 4500, "amount_paid": 4500, "currency": "eur"})).Expect(t, 200)

	var page struct {
		Items []struct {
			ID               string  `json:"id"`
			Number           *string `json:"number"`
			Status           string  `json:"status"`
			AmountDue        int64   `json:"amount_due"`
			AmountPaid       int64   `json:"amount_paid"`
			Currency         string  `json:"currency"`
			Created          string  `json:"created"`
			HostedInvoiceURL *string `json:"hosted_invoice_url"`
			InvoicePDF       *string `json:"invoice_pdf"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	env.Do(t, "GET", "/v1/billing/invoices?limit=1", nil, testenv.WithBearer(adminTok)).Expect(t, http.StatusOK).Decode(t, &page)
	if len(page.Items) != 1 || page.NextCursor == "" || *page.Items[0].Number != "ACME-in_2" || page.Items[0].Status != "open" {
		t.Fatalf("first page %+v", page)
	}
	next := page.NextCursor
	page.NextCursor = ""
	env.Do(t, "GET", "/v1/billing/invoices?limit=1&cursor="+next, nil, testenv.WithBearer(adminTok)).Expect(t, http.StatusOK).Decode(t, &page)
	first := page.Items[0]
	if len(page.Items) != 1 || page.NextCursor != "" || first.Status != "paid" || first.AmountPaid != 7500 || first.AmountDue != 7500 ||
		first.Currency != "eur" || *first.HostedInvoiceURL != "https://invoice.stripe.com/i/in_1" || *first.InvoicePDF != "https://pay.stripe.com/invoice/in_1/pdf" ||
		first.Created != base.UTC().Format(time.RFC3339) {
		t.Fatalf("second page %+v", page)
	}

	env.Do(t, "GET", "/v1/billing/invoices", nil, testenv.WithBearer(memberTok)).Expect(t, http.StatusForbidden)
	env.Do(t, "GET", "/v1/billing/invoices?cursor=nope", nil, testenv.WithBearer(adminTok)).Expect(t, http.StatusUnprocessableEntity)
	env.Do(t, "GET", "/v1/billing/invoices", nil, testenv.WithBearer(other.OwnerToken)).Expect(t, http.StatusOK).Decode(t, &page)
	if len(page.Items) != 1 || page.Items[0].AmountPaid != 4500 || page.Items[0].Number != nil {
		t.Fatalf("the other organization sees %+v", page.Items)
	}
}

// Stripe may report fewer seats than the team holds (a quantity lowered in
// the Dashboard or a portal): nobody is removed, invitations are refused,
// and the entitlements say by how much the team is over.
func TestSeatsBelowTheTeamRefuseInvitations(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	o := env.NewOrg(t, testenv.OrgOptions{Name: "Acme"})
	org, token := o.ID, o.OwnerToken
	s := subscribe(t, env, org, "active", 5)
	for _, who := range []string{"a@acme.test", "b@acme.test", "c@acme.test"} {
		env.Do(t, "POST", "/v1/organization/invitations", map[string]any{"email": who}, testenv.WithBearer(token)).Expect(t, http.StatusCreated)
	}

	s.Seats = 2 // the team holds 4: the owner and three invitations
	env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.updated", time.Now(), s.object())).Expect(t, 200)

	ent := env.Do(t, "GET", "/v1/entitlements", nil, testenv.WithBearer(token)).Expect(t, http.StatusOK).Map(t)
	if ent["seats"] != float64(2) || ent["seats_used"] != float64(4) || ent["seats_over"] != float64(2) || ent["active"] != true {
		t.Fatalf("entitlements %v", ent)
	}
	res := env.Do(t, "POST", "/v1/organization/invitations", map[string]any{"email": "d@acme.test"}, testenv.WithBearer(token)).Expect(t, http.StatusConflict)
	if res.Code(t) != "seats_exhausted" {
		t.Fatalf("code %q", res.Code(t))
	}
	if n := countRows(t, env, `SELECT count(*) FROM invitations WHERE organization_id = $1 AND revoked_at IS NULL`, org); n != 3 {
		t.Fatalf("%d open invitations, want the 3 sent: nothing is removed", n)
	}
	if n := countRows(t, env, `SELECT count(*) FROM memberships WHERE organization_id = $1`, org); n != 1 {
		t.Fatalf("%d members", n)
	}

	// Back within the seats: seats_over is 0 and invitations go again.
	s.Seats = 6
	env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.updated", time.Now().Add(time.Second), s.object())).Expect(t, 200)
	if ent := env.Do(t, "GET", "/v1/entitlements", nil, testenv.WithBearer(token)).Map(t); ent["seats_over"] != float64(0) {
		t.Fatalf("entitlements %v", ent)
	}
	env.Do(t, "POST", "/v1/organization/invitations", map[string]any{"email": "d@acme.test"}, testenv.WithBearer(token)).Expect(t, http.StatusCreated)
}
