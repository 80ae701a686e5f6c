package accounts

import (
	"testing"

	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/internal/mail"
)

func TestPricesAreWrittenAsTheReaderExpects(t *testing.T) {
	for _, tc := range []struct {
		lang mail.Locale
		plan billing.Plan
		want string
	}{
		{mail.English, billing.Plan{UnitAmount: 1200, Currency: "eur", Interval: "month"}, "€12.00 per seat / month"},
		{mail.French, billing.Plan{UnitAmount: 1200, Currency: "eur", Interval: "month"}, "12,00\u00a0€ / siège / mois"},
		{mail.English, billing.Plan{UnitAmount: 123456705, Currency: "usd", Interval: "year"}, "$1,234,567.05 per seat / year"},
		{mail.French, billing.Plan{UnitAmount: 123456705, Currency: "chf", Interval: "year"}, "1\u202f234\u202f567,05\u00a0CHF / siège / an"},
		{mail.English, billing.Plan{UnitAmount: 1500, Currency: "jpy", Interval: "month"}, "JPY\u00a01,500 per seat / month"},
	} {
		if got := seatPrice(tc.lang, tc.plan); got != tc.want {
			t.Errorf("%s %d %s: %q, want %q", tc.lang, tc.plan.UnitAmount, tc.plan.Currency, got, tc.want)
		}
	}
}
