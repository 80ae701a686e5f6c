package api_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/testing/mailtest"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// portalLinkIn is the path of the billing portal link an email carries.
var portalLinkIn = regexp.MustCompile(`http://onramp\.test(/v1/billing/portal-link\?token=[A-Za-z0-9_-]+)`)

func fixtureEmail(id uuid.UUID) string { return "user-" + id.String() + "@example.test" }

// billingTeam is an organization with a French owner, an English admin
// and a member, holding the customer cus_<org>.
type billingTeam struct {
	org                  testenv.Org
	adminID, memberID    uuid.UUID
	owner, admin, member string // their addresses
	customer             string
}

func newBillingTeam(t *testing.T, env *testenv.Env) billingTeam {
	t.Helper()
	org := env.NewOrg(t, testenv.OrgOptions{Name: "Acme SAS"})
	patchMe(t, env, org.OwnerToken, map[string]any{"locale": "fr"}).Expect(t, http.StatusOK)
	adminID, _ := env.NewMember(t, org.ID, "admin")
	memberID, _ := env.NewMember(t, org.ID, "member")
	b := billingTeam{org: org, adminID: adminID, memberID: memberID, owner: fixtureEmail(org.OwnerID), admin: fixtureEmail(adminID),
		member: fixtureEmail(memberID), customer: customerOf(org.ID)}
	holdCustomer(t, env, org.ID, b.customer)
	return b
}

// followPortalLink opens the email's link (a page with a button, which
// calls nobody) and presses the button: a 303 to a portal session.
func followPortalLink(t *testing.T, env *testenv.Env, m mailtest.Message) {
	t.Helper()
	link := portalLinkIn.FindStringSubmatch(m.Text)
	if link == nil {
		t.Fatalf("no portal link in %q", m.Text)
	}
	before := len(env.Stripe.Find("POST", "/v1/billing_portal/sessions"))
	page := env.Do(t, "GET", link[1], nil).Expect(t, http.StatusOK)
	if !strings.Contains(string(page.Body), `<form method="post"`) || page.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("link page %s", page.Body)
	}
	if n := len(env.Stripe.Find("POST", "/v1/billing_portal/sessions")); n != before {
		t.Fatal("opening the link called Stripe")
	}
	res := env.Do(t, "POST", link[1], nil).Expect(t, http.StatusSeeOther)
	if !strings.HasPrefix(res.Header.Get("Location"), "https://") {
		t.Fatalf("redirected to %q", res.Header.Get("Location"))
	}
}

// Three days before a trial ends, every owner and admin (not the members)
// gets an email in their own language with a link to the billing portal,
// once however often Stripe delivers the event.
func TestTrialEndingEmailsOwnersAndAdmins(t *testing.T) {
	t.Parallel()
	env := testenv.New(t, func(c *config.Config) { c.StripePortalConfiguration = "bpc_onramp_test" })
	b := newBillingTeam(t, env)
	trialEnd := time.Date(2031, time.December, 1, 11, 0, 0, 0, time.UTC)
	s := sub{ID: "sub_trial_" + b.org.ID.String()[:8], Customer: b.customer, Status: "trialing", Seats: 5, TrialEnd: trialEnd.Unix()}
	env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.created", time.Now().Add(-time.Hour), s.object())).Expect(t, 200)

	willEnd := stripeEvent(t, newEventID(), "customer.subscription.trial_will_end", time.Now().Add(-time.Minute), s.object())
	if out := env.SendWebhook(t, willEnd).Expect(t, 200).Map(t)["outcome"]; out != "applied" {
		t.Fatalf("trial_will_end outcome %v", out)
	}
	env.SendWebhook(t, willEnd).Expect(t, 200) // a duplicate delivery

	fr := env.Mail.WaitFor(t, b.owner, "essai")
	if fr.Subject != "Votre période d’essai Onramp se termine le 1er décembre 2031" ||
		!strings.Contains(fr.Text, "La période d’essai d’Onramp pour Acme SAS se termine le 1er décembre 2031.") {
		t.Fatalf("French owner got %q:\n%s", fr.Subject, fr.Text)
	}
	en := env.Mail.WaitFor(t, b.admin, "trial")
	if en.Subject != "Your Onramp trial ends on 1 December 2031" || !strings.Contains(en.Text, "The Onramp trial for Acme SAS ends on 1 December 2031.") ||
		!strings.Contains(en.Text, "payment method on file is charged") {
		t.Fatalf("English admin got %q:\n%s", en.Subject, en.Text)
	}
	waitForJobs(t, env, "send_email")
	for who, n := range map[string]int{b.owner: 1, b.admin: 1, b.member: 0} {
		if got := env.Mail.Count(who); got != n {
			t.Errorf("%s got %d emails, want %d", who, got, n)
		}
	}

	// The owner's link opens a portal session in French, with our
	// portal configuration; the admin's in English.
	followPortalLink(t, env, fr)
	followPortalLink(t, env, en)
	portals := env.Stripe.Find("POST", "/v1/billing_portal/sessions")
	if len(portals) != 2 {
		t.Fatalf("%d portal sessions", len(portals))
	}
	for i, locale := range []string{"fr", "en"} {
		f := portals[i].Form
		if f.Get("customer") != b.customer || f.Get("locale") != locale || f.Get("configuration") != "bpc_onramp_test" {
			t.Errorf("portal session %d: %v", i, f)
		}
	}

	// An admin demoted since gets a page saying so, and no session.
	env.Do(t, "PATCH", "/v1/organization/members/"+b.adminID.String(), map[string]any{"role": "member"},
		testenv.WithBearer(b.org.OwnerToken)).Expect(t, http.StatusOK)
	link := portalLinkIn.FindStringSubmatch(en.Text)[1]
	page := env.Do(t, "POST", link, nil, testenv.WithHeader("Accept-Language", "fr")).Expect(t, http.StatusForbidden)
	if !strings.Contains(string(page.Body), "Vous ne gérez plus la facturation") {
		t.Fatalf("demoted admin's page %s", page.Body)
	}
	env.Do(t, "GET", "/v1/billing/portal-link?token=not-a-token", nil).Expect(t, http.StatusUnprocessableEntity)
	if n := len(env.Stripe.Find("POST", "/v1/billing_portal/sessions")); n != 2 {
		t.Fatalf("%d portal sessions after refusals", n)
	}
}

// A failed payment emails the owners and admins, with the amount, the
// invoice number and a portal link; one that a later payment overtook
// tells nobody.
func TestPaymentFailedEmailsOwnersAndAdmins(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newBillingTeam(t, env)
	s := sub{ID: "sub_pay_" + b.org.ID.String()[:8], Customer: b.customer, Status: "past_due", Seats: 5}
	env.SendWebhook(t, stripeEvent(t, newEventID(), "customer.subscription.created", time.Now().Add(-time.Hour), s.object())).Expect(t, 200)
	invoice := func(status string) map[string]any {
		return map[string]any{"id": "in_" + b.org.ID.String()[:8], "object": "invoice", "customer": b.customer, "subscription": s.ID,
			"status": status, "number": "8A3F2C1D-0002", "amount_due": 150000, "amount_paid": 0, "currency": "eur"}
	}
	env.SendWebhook(t, stripeEvent(t, newEventID(), "invoice.payment_failed", time.Now().Add(-30*time.Minute), invoice("open"))).Expect(t, 200)

	en := env.Mail.WaitFor(t, b.admin, "Payment failed")
	if en.Subject != "Payment failed for your Onramp subscription" ||
		!strings.Contains(en.Text, "We could not collect the payment of €1,500.00 for Acme SAS's Onramp subscription (invoice 8A3F2C1D-0002).") {
		t.Fatalf("English admin got %q:\n%s", en.Subject, en.Text)
	}
	fr := env.Mail.WaitFor(t, b.owner, "Échec du paiement")
	if fr.Subject != "Échec du paiement de votre abonnement Onramp" ||
		!strings.Contains(fr.Text, "Le paiement de 1\u202f500,00\u00a0€ pour l’abonnement Onramp de Acme SAS n’a pas pu être effectué (facture 8A3F2C1D-0002).") {
		t.Fatalf("French owner got %q:\n%s", fr.Subject, fr.Text)
	}
	followPortalLink(t, env, en)

	// Paid, then a failure Stripe reported before the payment arrives late:
	// stale, no email.
	env.SendWebhook(t, stripeEvent(t, newEventID(), "invoice.paid", time.Now().Add(-10*time.Minute), invoice("paid"))).Expect(t, 200)
	late := env.SendWebhook(t, stripeEvent(t, newEventID(), "invoice.payment_failed", time.Now().Add(-20*time.Minute), invoice("open"))).Expect(t, 200)
	if out := late.Map(t)["outcome"]; out != "stale" {
		t.Fatalf("late payment_failed outcome %v", out)
	}
	waitForJobs(t, env, "send_email")
	for who, n := range map[string]int{b.owner: 1, b.admin: 1, b.member: 0} {
		if got := env.Mail.Count(who); got != n {
			t.Errorf("%s got %d emails, want %d", who, got, n)
		}
	}
}
