package mail_test

import (
	"strings"
	"testing"

	"github.com/onramp/onramp/internal/mail"
)

// Every email exists in English and French, carries its link, and the
// French ones follow French typography: a non-breaking space before a
// colon, never a plain one or none.
func TestEveryEmailInEnglishAndFrench(t *testing.T) {
	const link = "https://onramp.test/x?token=abc"
	for _, l := range []mail.Locale{mail.English, mail.French} {
		for _, m := range []mail.Message{
			mail.VerificationEmail(l, "ada@acme.test", "Ada", link),
			mail.PasswordResetEmail(l, "ada@acme.test", "", link),
			mail.InvitationEmail(l, "bob@acme.test", "Acme", "", link),
		} {
			if !strings.Contains(m.Text, link) || m.Subject == "" || m.Kind == "" {
				t.Errorf("%s %s: %+v", l, m.Kind, m)
			}
			french := strings.Contains(m.Text, "Bonjour")
			if french != (l == mail.French) {
				t.Errorf("%s %s is not in its language:\n%s", l, m.Kind, m.Text)
			}
			if l == mail.French && (strings.Contains(m.Text, " :") || strings.Contains(strings.ReplaceAll(m.Text, "\u00a0:", ""), ":\n")) {
				t.Errorf("%s %s: a colon without a non-breaking space before it:\n%q", l, m.Kind, m.Text)
			}
		}
	}
}

// A person who said nothing reads the default language (DEFAULT_LOCALE);
// one who said reads theirs, whatever the default.
func TestLocaleOfFallsBackToTheDefault(t *testing.T) {
	fr, en := "fr", "en"
	for _, c := range []struct {
		said     *string
		fallback mail.Locale
		want     mail.Locale
	}{
		{nil, mail.English, mail.English},
		{nil, mail.French, mail.French},
		{&fr, mail.English, mail.French},
		{&en, mail.French, mail.English},
	} {
		if got := mail.LocaleOf(c.said, c.fallback); got != c.want {
			t.Errorf("LocaleOf(%v, %s) = %s, want %s", c.said, c.fallback, got, c.want)
		}
	}
	if _, err := mail.ParseLocale("de"); err == nil {
		t.Error("ParseLocale(de) accepted")
	}
}
