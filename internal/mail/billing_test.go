package mail

import (
	"strings"
	"testing"
	"time"
)

func TestMoneyAndDatesAsPeopleWriteThem(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		l        Locale
		amount   int64
		currency string
		want     string
	}{
		{English, 150000, "eur", "€1,500.00"},
		{French, 150000, "eur", "1\u202f500,00\u00a0€"},
		{English, 7505, "gbp", "£75.05"},
		{French, 1234567890, "chf", "12\u202f345\u202f678,90\u00a0CHF"},
		{English, 99, "chf", "CHF\u00a00.99"},
		{English, 5000, "jpy", "JPY\u00a05,000"},
		{French, -250, "eur", "-2,50\u00a0€"},
	} {
		if got := Money(c.l, c.amount, c.currency); got != c.want {
			t.Errorf("Money(%s, %d, %s) = %q, want %q", c.l, c.amount, c.currency, got, c.want)
		}
	}
	for _, c := range []struct {
		l    Locale
		day  time.Time
		want string
	}{
		{English, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), "1 December 2026"},
		{French, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), "1er décembre 2026"},
		{French, time.Date(2027, 2, 14, 0, 0, 0, 0, time.UTC), "14 février 2027"},
	} {
		if got := longDate(c.l, c.day); got != c.want {
			t.Errorf("longDate(%s, %v) = %q, want %q", c.l, c.day, got, c.want)
		}
	}
}

// The subjects of billing emails name the subscription, never a person or
// anything about anyone's use of the service.
func TestBillingSubjectsTellNothingAboutAnyone(t *testing.T) {
	t.Parallel()
	paris, _ := time.LoadLocation("Europe/Paris")
	if paris == nil {
		paris = time.UTC
	}
	for _, l := range []Locale{English, French} {
		trial := TrialEndingEmail(l, TrialEnding{To: "ada@acme.test", FullName: "Ada Lovelace", OrganizationName: "Acme",
			Link: "https://x.test/l", TrialEnd: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC), Location: paris, NeedsPaymentMethod: true})
		failed := PaymentFailedEmail(l, PaymentFailed{To: "ada@acme.test", FullName: "Ada Lovelace", OrganizationName: "Acme",
			Link: "https://x.test/l", AmountDue: 100, Currency: "eur"})
		for _, m := range []Message{trial, failed} {
			for _, secret := range []string{"Ada", "ada@", "Acme"} {
				if strings.Contains(m.Subject, secret) {
					t.Errorf("%s subject %q names %q", l, m.Subject, secret)
				}
			}
			if !strings.Contains(m.Text, "https://x.test/l") || m.Kind == "" {
				t.Errorf("%s email %+v", l, m)
			}
		}
		if !strings.Contains(trial.Text, map[Locale]string{English: "paused", French: "suspendu"}[l]) {
			t.Errorf("%s: a trial without a card does not say it pauses:\n%s", l, trial.Text)
		}
	}
}
