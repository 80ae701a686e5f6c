package billing

import (
	"testing"

	"github.com/stripe/stripe-go/v76"
)

// A second `onramp stripe setup` finds the prices the first made; a plan
// whose amount, currency or interval changed gets a new price.
func TestMatchingPrice(t *testing.T) {
	plan := Plan{ID: "standalone-monthly", UnitAmount: 1500, Currency: "eur", Interval: "month"}
	price := func(mod func(*stripe.Price)) *stripe.Price {
		p := &stripe.Price{
			ID: "price_1", Active: true, LookupKey: "onramp_standalone-monthly", Product: &stripe.Product{ID: "onramp_seats"},
			UnitAmount: 1500, Currency: "eur", Recurring: &stripe.PriceRecurring{Interval: "month", IntervalCount: 1, UsageType: "licensed"},
		}
		if mod != nil {
			mod(p)
		}
		return p
	}
	if got := MatchingPrice([]*stripe.Price{price(nil)}, plan, "onramp_seats"); got == nil {
		t.Fatal("the price made by a previous run was not found")
	}
	for name, mod := range map[string]func(*stripe.Price){
		"amount":     func(p *stripe.Price) { p.UnitAmount = 1600 },
		"currency":   func(p *stripe.Price) { p.Currency = "usd" },
		"interval":   func(p *stripe.Price) { p.Recurring.Interval = "year" },
		"product":    func(p *stripe.Price) { p.Product.ID = "other" },
		"lookup key": func(p *stripe.Price) { p.LookupKey = "something_else" },
		"inactive":   func(p *stripe.Price) { p.Active = false },
		"one-off":    func(p *stripe.Price) { p.Recurring = nil },
		"metered":    func(p *stripe.Price) { p.Recurring.UsageType = "metered" },
	} {
		if got := MatchingPrice([]*stripe.Price{price(mod)}, plan, "onramp_seats"); got != nil {
			t.Errorf("%s differs but the price matched", name)
		}
	}
	if missing := missingEvents(HandledEvents); len(missing) != 0 {
		t.Errorf("missing %v", missing)
	}
	if missing := missingEvents([]string{"invoice.paid"}); len(missing) != len(HandledEvents)-1 {
		t.Errorf("missing %v", missing)
	}
}

// A second run finds the portal configuration the first made, and only a
// configuration that lets nobody change seats or plans will do.
func TestMatchingPortalConfiguration(t *testing.T) {
	config := func(mod func(*stripe.BillingPortalConfigurationFeatures)) *stripe.BillingPortalConfiguration {
		f := &stripe.BillingPortalConfigurationFeatures{
			CustomerUpdate: &stripe.BillingPortalConfigurationFeaturesCustomerUpdate{Enabled: true,
				AllowedUpdates: []stripe.BillingPortalConfigurationFeaturesCustomerUpdateAllowedUpdate{"tax_id", "name", "email", "address"}},
			InvoiceHistory:      &stripe.BillingPortalConfigurationFeaturesInvoiceHistory{Enabled: true},
			PaymentMethodUpdate: &stripe.BillingPortalConfigurationFeaturesPaymentMethodUpdate{Enabled: true},
			SubscriptionCancel:  &stripe.BillingPortalConfigurationFeaturesSubscriptionCancel{Enabled: true, Mode: "at_period_end"},
			SubscriptionUpdate:  &stripe.BillingPortalConfigurationFeaturesSubscriptionUpdate{Enabled: false},
		}
		if mod != nil {
			mod(f)
		}
		return &stripe.BillingPortalConfiguration{ID: "bpc_1", Active: true, Features: f}
	}
	if got := MatchingPortalConfiguration([]*stripe.BillingPortalConfiguration{config(nil)}); got == nil || got.ID != "bpc_1" {
		t.Fatal("the configuration made by a previous run was not found")
	}
	for name, mod := range map[string]func(*stripe.BillingPortalConfigurationFeatures){
		"seat changes": func(f *stripe.BillingPortalConfigurationFeatures) { f.SubscriptionUpdate.Enabled = true },
		"pauses": func(f *stripe.BillingPortalConfigurationFeatures) {
			f.SubscriptionPause = &stripe.BillingPortalConfigurationFeaturesSubscriptionPause{Enabled: true}
		},
		"no VAT number": func(f *stripe.BillingPortalConfigurationFeatures) {
			f.CustomerUpdate.AllowedUpdates = f.CustomerUpdate.AllowedUpdates[1:]
		},
		"no invoices":       func(f *stripe.BillingPortalConfigurationFeatures) { f.InvoiceHistory.Enabled = false },
		"no card update":    func(f *stripe.BillingPortalConfigurationFeatures) { f.PaymentMethodUpdate = nil },
		"immediate cancels": func(f *stripe.BillingPortalConfigurationFeatures) { f.SubscriptionCancel.Mode = "immediately" },
	} {
		if got := MatchingPortalConfiguration([]*stripe.BillingPortalConfiguration{config(mod)}); got != nil {
			t.Errorf("%s: the configuration matched", name)
		}
	}
	inactive := config(nil)
	inactive.Active = false
	if MatchingPortalConfiguration([]*stripe.BillingPortalConfiguration{inactive}) != nil {
		t.Error("an inactive configuration matched")
	}
}
