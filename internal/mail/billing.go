package mail

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kinds of billing email. Both go to every owner and admin of the
// organization; their subjects name the subscription, never a person.
const (
	KindTrialEnding   = "trial_ending"
	KindPaymentFailed = "payment_failed"
)

// TrialEnding tells an owner or admin that the organization's trial ends
// on trialEnd (a date in their time zone, loc). needsPaymentMethod: the
// plan started without a card and the subscription has none yet, so it
// pauses at the end of the trial unless one is added through link.
type TrialEnding struct {
	To, FullName, OrganizationName, Link string
	TrialEnd                             time.Time
	Location                             *time.Location
	NeedsPaymentMethod                   bool
}

// billingWords are the sentences of the billing emails in one language;
// %s are, in order, what each names.
type billingWords struct {
	trialSubject string // the date
	trialIntro   string // the organization, the date
	trialCharged string // what follows a trial with a payment method
	trialNoCard  string // what follows a trial without one
	failSubject  string
	failIntro    string // the amount, the organization, the invoice
	failInvoice  string // the invoice number
	failAction   string
	linkNote     string // the days, the organization
}

var billingText = map[Locale]billingWords{
	English: {
		trialSubject: "Your Onramp trial ends on %s",
		trialIntro:   "The Onramp trial for %s ends on %s.",
		trialCharged: "After that, the subscription continues and the payment method on file is charged.\n" +
			"To check your payment details and invoices, or to cancel, open your billing portal:",
		trialNoCard: "To keep your team's access after that date, add a payment method in your billing portal.\n" +
			"Without one, the subscription will be paused, and your team's access with it, until a payment method is added:",
		failSubject: "Payment failed for your Onramp subscription",
		failIntro:   "We could not collect the payment of %s for %s's Onramp subscription%s.",
		failInvoice: " (invoice %s)",
		failAction:  "To keep your team's access, update your payment method in your billing portal:",
		linkNote:    "The link works for %d days, and only for owners and admins of %s.",
	},
	French: {
		trialSubject: "Votre période d\u2019essai Onramp se termine le %s",
		trialIntro:   "La période d\u2019essai d\u2019Onramp pour %s se termine le %s.",
		trialCharged: "Ensuite, l\u2019abonnement continue et le moyen de paiement enregistré sera débité.\n" +
			"Pour vérifier vos informations de paiement, vos factures ou résilier, ouvrez votre espace de facturation\u00a0:",
		trialNoCard: "Pour que votre équipe garde son accès après cette date, ajoutez un moyen de paiement dans votre espace de facturation.\n" +
			"Sans moyen de paiement, l\u2019abonnement sera suspendu, et l\u2019accès de votre équipe avec lui, jusqu\u2019à ce que vous en ajoutiez un\u00a0:",
		failSubject: "Échec du paiement de votre abonnement Onramp",
		failIntro:   "Le paiement de %s pour l\u2019abonnement Onramp de %s n\u2019a pas pu être effectué%s.",
		failInvoice: " (facture %s)",
		failAction:  "Pour que votre équipe garde son accès, mettez à jour votre moyen de paiement dans votre espace de facturation\u00a0:",
		linkNote:    "Ce lien est valable %d\u00a0jours et ne fonctionne que pour les propriétaires et administrateurs de %s.",
	},
}

func wordsFor(l Locale) billingWords {
	if w, ok := billingText[l]; ok {
		return w
	}
	return billingText[English]
}

// TrialEndingEmail writes t in l.
func TrialEndingEmail(l Locale, t TrialEnding) Message {
	w, date := wordsFor(l), longDate(l, t.TrialEnd.In(t.Location))
	next := w.trialCharged
	if t.NeedsPaymentMethod {
		next = w.trialNoCard
	}
	return Message{To: t.To, Kind: KindTrialEnding, Subject: fmt.Sprintf(w.trialSubject, date), Text: lines(
		greeting(l, t.FullName),
		"",
		fmt.Sprintf(w.trialIntro, t.OrganizationName, date),
		next,
		t.Link,
		"",
		fmt.Sprintf(w.linkNote, PortalLinkDays, t.OrganizationName),
	)}
}

// PaymentFailed tells an owner or admin that Stripe could not collect an
// invoice of the organization's subscription.
type PaymentFailed struct {
	To, FullName, OrganizationName, Link string
	InvoiceNumber                        string // "" before Stripe numbered it
	AmountDue                            int64  // minor units of Currency
	Currency                             string
}

// PaymentFailedEmail writes p in l.
func PaymentFailedEmail(l Locale, p PaymentFailed) Message {
	w := wordsFor(l)
	invoice := ""
	if p.InvoiceNumber != "" {
		invoice = fmt.Sprintf(w.failInvoice, p.InvoiceNumber)
	}
	return Message{To: p.To, Kind: KindPaymentFailed, Subject: w.failSubject, Text: lines(
		greeting(l, p.FullName),
		"",
		fmt.Sprintf(w.failIntro, Money(l, p.AmountDue, p.Currency), p.OrganizationName, invoice),
		w.failAction,
		p.Link,
		"",
		fmt.Sprintf(w.linkNote, PortalLinkDays, p.OrganizationName),
	)}
}

// PortalLinkDays is how long the portal link of a billing email works.
const PortalLinkDays = 7

var (
	englishMonths = [...]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	frenchMonths  = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
)

// longDate is t's date as a person writes it: "24 November 2026",
// "24 novembre 2026" (and "1er décembre" in French).
func longDate(l Locale, t time.Time) string {
	if l == French {
		day := strconv.Itoa(t.Day())
		if t.Day() == 1 {
			day = "1er"
		}
		return fmt.Sprintf("%s %s %d", day, frenchMonths[t.Month()-1], t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), englishMonths[t.Month()-1], t.Year())
}

// zeroDecimal are Stripe's currencies without minor units: an amount in
// them is already whole.
var zeroDecimal = map[string]bool{
	"bif": true, "clp": true, "djf": true, "gnf": true, "jpy": true, "kmf": true, "krw": true, "mga": true,
	"pyg": true, "rwf": true, "ugx": true, "vnd": true, "vuv": true, "xaf": true, "xof": true, "xpf": true,
}

var currencySymbols = map[string]string{"eur": "€", "usd": "$", "gbp": "£"}

// Money writes amount minor units of currency as l writes money: €1,500.00
// in English, 1 500,00 € in French; a currency without a symbol here is
// named by its code (CHF 75.00, 75,00 CHF).
func Money(l Locale, amount int64, currency string) string {
	sign := ""
	if amount < 0 {
		sign, amount = "-", -amount
	}
	whole, cents := amount, int64(-1)
	if !zeroDecimal[strings.ToLower(currency)] {
		whole, cents = amount/100, amount%100
	}
	group, point := ",", "."
	if l == French {
		group, point = "\u202f", ","
	}
	digits := strconv.FormatInt(whole, 10)
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(d)
	}
	number := b.String()
	if cents >= 0 {
		number += fmt.Sprintf("%s%02d", point, cents)
	}
	symbol, ok := currencySymbols[strings.ToLower(currency)]
	switch {
	case l == French && ok:
		return sign + number + "\u00a0" + symbol
	case l == French:
		return sign + number + "\u00a0" + strings.ToUpper(currency)
	case ok:
		return sign + symbol + number
	}
	return sign + strings.ToUpper(currency) + "\u00a0" + number
}
