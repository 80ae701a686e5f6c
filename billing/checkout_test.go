package billing

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/testing/stripemock"
)

// What a French company needs from Checkout reaches Stripe: a billing
// address, its VAT number, its name and address saved on the customer (so
// they are on the invoice), the page in French, and a customer carrying
// the owner's email and language.
func TestCheckoutAsksForWhatAEuropeanInvoiceNeeds(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	org := h.newOrg("Acme SAS")
	owner := h.newPerson(org, "camille@acme.test", "owner", "fr")
	if _, err := h.svc.CreateCheckout(context.Background(), org, owner, CheckoutInput{PlanID: "standalone-monthly", Seats: 5, Locale: "fr"}); err != nil {
		t.Fatal(err)
	}
	customers := h.stripe.Find("POST", "/v1/customers")
	if len(customers) != 1 {
		t.Fatalf("%d customers created", len(customers))
	}
	c := customers[0].Form
	if c.Get("email") != "camille@acme.test" || c.Get("preferred_locales[0]") != "fr" || c.Get("name") != "Acme SAS" {
		t.Fatalf("customer %v", c)
	}
	sessions := h.stripe.Find("POST", "/v1/checkout/sessions")
	if len(sessions) != 1 {
		t.Fatalf("%d sessions created", len(sessions))
	}
	f := sessions[0].Form
	if f.Get("customer") == "" {
		t.Error("no customer on the session")
	}
	for k, v := range map[string]string{
		"billing_address_collection":           "required",
		"tax_id_collection[enabled]":           "true",
		"customer_update[name]":                "auto",
		"customer_update[address]":             "auto",
		"locale":                               "fr",
		"subscription_data[trial_period_days]": "14",
		// A card is asked for, and tax is left to the prices, by default.
		"payment_method_collection": "",
		"subscription_data[trial_settings][end_behavior][missing_payment_method]": "",
		"automatic_tax[enabled]": "",
	} {
		if got := f.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

// A plan with card_required: false opens Checkout without asking for a
// card, and the subscription pauses if the trial ends without one.
func TestCheckoutWithoutCardUpfront(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	org := h.newOrg("Try Inc")
	owner := h.newPerson(org, "ada@try.test", "owner", "")
	if _, err := h.svc.CreateCheckout(context.Background(), org, owner, CheckoutInput{PlanID: "trial-no-card", Seats: 2, Locale: "en"}); err != nil {
		t.Fatal(err)
	}
	f := h.stripe.Find("POST", "/v1/checkout/sessions")[0].Form
	if f.Get("payment_method_collection") != "if_required" ||
		f.Get("subscription_data[trial_settings][end_behavior][missing_payment_method]") != "pause" ||
		f.Get("subscription_data[trial_period_days]") != "30" {
		t.Fatalf("session %v", f)
	}
}

// The same request while a session is open gets that session back (once
// Stripe confirms it is still open), without opening another; another
// request expires it in Stripe first.
func TestCheckoutReusesOrExpiresTheOpenSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	org := h.newOrg("Acme")
	owner := h.newPerson(org, "ada@acme.test", "owner", "en")
	in := CheckoutInput{PlanID: "standalone-monthly", Seats: 5, Locale: "en"}
	first, err := h.svc.CreateCheckout(ctx, org, owner, in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := h.svc.CreateCheckout(ctx, org, owner, in)
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Fatalf("the same request got %+v, want the open session %+v", again, first)
	}
	if n := h.calls("POST", "/v1/checkout/sessions"); n != 1 {
		t.Fatalf("%d sessions created for the same request, want 1", n)
	}

	// Near its expiry a session is not handed out again: it is replaced.
	h.clock.Advance(time.Until(first.ExpiresAt) - 5*time.Minute)
	in.Seats = 5
	near, err := h.svc.CreateCheckout(ctx, org, owner, in)
	if err != nil {
		t.Fatal(err)
	}
	expiries := h.stripe.Find("POST", "/v1/checkout/sessions/"+first.ID+"/expire")
	if len(expiries) != 1 || expiries[0].IdempotencyKey != "onramp-checkout-expire-"+first.ID {
		t.Fatalf("expiries of the first session %+v", expiries)
	}

	// Other seats: the open session is expired before the new one opens.
	in.Seats = 7
	seven, err := h.svc.CreateCheckout(ctx, org, owner, in)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range h.stripe.Requests() {
		if r.Method == "POST" && r.Path != "/v1/customers" {
			paths = append(paths, r.Path)
		}
	}
	want := []string{"/v1/checkout/sessions", "/v1/checkout/sessions/" + first.ID + "/expire", "/v1/checkout/sessions",
		"/v1/checkout/sessions/" + near.ID + "/expire", "/v1/checkout/sessions"}
	if !slices.Equal(paths, want) {
		t.Fatalf("calls %v, want %v", paths, want)
	}
	if n := h.count(`SELECT count(*) FROM checkout_sessions WHERE organization_id = ? AND expired_at IS NULL`, org); n != 1 {
		t.Fatalf("%d sessions left open, want 1", n)
	}

	// Expired in Stripe (the Dashboard) though not by us: never handed out.
	h.stripe.Answer("GET", "/v1/checkout/sessions/"+seven.ID, func(stripemock.Request) (int, any) {
		return 200, map[string]any{"id": seven.ID, "object": "checkout.session", "status": "expired"}
	})
	fresh, err := h.svc.CreateCheckout(ctx, org, owner, in)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.ID == seven.ID || h.calls("POST", "/v1/checkout/sessions") != 4 || h.calls("POST", "/v1/checkout/sessions/"+seven.ID+"/expire") != 0 {
		t.Fatalf("a session expired in Stripe was handed out again (%s) or expired twice", fresh.ID)
	}
	if n := h.count(`SELECT count(*) FROM checkout_sessions WHERE id = ? AND expired_at IS NOT NULL`, seven.ID); n != 1 {
		t.Fatal("the session Stripe expired is not recorded as expired")
	}
}

// A session that completed while we tried to expire it made a
// subscription: no second checkout opens, and none until the
// subscription's own events say it ended.
func TestCheckoutNeverOpensASecondSubscription(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	org := h.newOrg("Acme")
	owner := h.newPerson(org, "ada@acme.test", "owner", "en")
	first, err := h.svc.CreateCheckout(ctx, org, owner, CheckoutInput{PlanID: "standalone-monthly", Seats: 5, Locale: "en"})
	if err != nil {
		t.Fatal(err)
	}
	h.stripe.Answer("POST", "/v1/checkout/sessions/"+first.ID+"/expire", func(stripemock.Request) (int, any) {
		return 400, map[string]any{"error": map[string]any{"type": "invalid_request_error", "message": "Only Checkout Sessions with a status in [\"open\"] can be expired."}}
	})
	h.stripe.Answer("GET", "/v1/checkout/sessions/"+first.ID, func(stripemock.Request) (int, any) {
		return 200, map[string]any{"id": first.ID, "object": "checkout.session", "status": "complete", "subscription": "sub_paid"}
	})
	_, err = h.svc.CreateCheckout(ctx, org, owner, CheckoutInput{PlanID: "standalone-monthly", Seats: 6, Locale: "en"})
	if !apperr.HasReason(err, "subscription_exists") {
		t.Fatalf("checkout after the open session completed: %v, want subscription_exists", err)
	}
	if n := h.calls("POST", "/v1/checkout/sessions"); n != 1 {
		t.Fatalf("%d sessions created, want 1", n)
	}
	if n := h.count(`SELECT count(*) FROM checkout_sessions WHERE id = ? AND completed_at IS NOT NULL AND stripe_subscription_id = 'sub_paid'`, first.ID); n != 1 {
		t.Fatal("the completed session was not recorded with its subscription")
	}
	// Still refused on a retry, without asking Stripe again.
	if _, err := h.svc.CreateCheckout(ctx, org, owner, CheckoutInput{PlanID: "standalone-monthly", Seats: 6, Locale: "en"}); !apperr.HasReason(err, "subscription_exists") {
		t.Fatalf("retry: %v", err)
	}

	// Once the subscription is known and has ended, a new checkout may open.
	var customer string
	if err := h.db.Gorm.Raw(`SELECT stripe_customer_id FROM billing_customers WHERE organization_id = ?`, org).Scan(&customer).Error; err != nil {
		t.Fatal(err)
	}
	h.deliver(EventSubscriptionDeleted, h.clock.Now().Add(-time.Minute), testSub{ID: "sub_paid", Customer: customer, Status: StatusCanceled, Seats: 5}.object())
	if _, err := h.svc.CreateCheckout(ctx, org, owner, CheckoutInput{PlanID: "standalone-monthly", Seats: 6, Locale: "en"}); err != nil {
		t.Fatalf("checkout after the subscription ended: %v", err)
	}
}
