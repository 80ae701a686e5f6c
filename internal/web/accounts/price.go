package accounts

import (
	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/internal/mail"
)

// A price is written the way a reader of the page's language expects:
// "€12.00 per seat / month" in English, "12,00 € / siège / mois" in
// French (the amount as the emails write it, mail.Money).

// seatPrice is a plan's price per seat and interval, in lang.
func seatPrice(lang mail.Locale, p billing.Plan) string {
	amount := mail.Money(lang, p.UnitAmount, p.Currency)
	if lang == mail.French {
		if p.Interval == "year" {
			return amount + " / siège / an"
		}
		return amount + " / siège / mois"
	}
	return amount + " per seat / " + p.Interval
}
