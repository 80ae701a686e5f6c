package accounts

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/internal/mail"
)

// The catalog's amounts are in minor units; a price is written the way a
// reader of the page's language expects: "€12.00 per seat / month" in
// English, "12,00 € / siège / mois" in French.

// currencySymbols are the currencies a European catalog sells in; others
// show their ISO code.
var currencySymbols = map[string]string{"eur": "€", "usd": "$", "gbp": "£", "chf": "CHF"}

// zeroDecimal are currencies without minor units (Stripe's list, those
// a catalog here might use).
var zeroDecimal = map[string]bool{"jpy": true, "krw": true}

// formatAmount writes amount (minor units) of currency in lang.
func formatAmount(lang mail.Locale, amount int64, currency string) string {
	decimals := 2
	if zeroDecimal[currency] {
		decimals = 0
	}
	whole, cents := amount, int64(0)
	if decimals == 2 {
		whole, cents = amount/100, amount%100
	}
	thousands, point := ",", "."
	if lang == mail.French {
		thousands, point = "\u202f", "," // narrow no-break space, as French typography has it
	}
	digits := strconv.FormatInt(whole, 10)
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(thousands)
		}
		b.WriteRune(d)
	}
	if decimals == 2 {
		b.WriteString(point)
		if cents < 10 {
			b.WriteByte('0')
		}
		b.WriteString(strconv.FormatInt(cents, 10))
	}
	symbol, ok := currencySymbols[currency]
	if !ok {
		symbol = strings.ToUpper(currency)
	}
	if lang == mail.French {
		return b.String() + "\u00a0" + symbol
	}
	if utf8.RuneCountInString(symbol) > 1 { // a code (CHF 12.00), not a sign
		return symbol + "\u00a0" + b.String()
	}
	return symbol + b.String()
}

// seatPrice is a plan's price per seat and interval, in lang.
func seatPrice(lang mail.Locale, p billing.Plan) string {
	amount := formatAmount(lang, p.UnitAmount, p.Currency)
	if lang == mail.French {
		if p.Interval == "year" {
			return amount + " / siège / an"
		}
		return amount + " / siège / mois"
	}
	return amount + " per seat / " + p.Interval
}
