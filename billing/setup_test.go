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
