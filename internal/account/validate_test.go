package account

import (
	"testing"

	"github.com/onramp/onramp/internal/apperr"
)

// TestNameRules: what checkName lets into email subjects and bodies.
func TestNameRules(t *testing.T) {
	t.Parallel()
	for name, ok := range map[string]bool{
		"Acme Inc.":                 true,
		"J. R. R. Tolkien":          true,
		"Verein e.V.":               true,
		"Zoë O'Brien-Smith":         true,
		"株式会社テスト":                   true,
		"مهرداد\u200cعلی":           true, // a zero-width non-joiner belongs in Persian names
		"Booking.com":               false,
		"acme.co":                   false,
		"münchen.de":                false,
		"evil\u3002com":             false, // an ideographic full stop is a dot to IDNA
		"evil.\u200dcom":            false, // a joiner does not hide a domain
		"WWW.EVIL":                  false,
		"see ftp://x":               false,
		"Acme\u2028Bcc":             false, // line separator
		"Acme\u00ad":                false, // soft hyphen (Cf)
		"\u2066Acme\u2069":          false, // bidi isolates
		"Acme\x7f":                  false,
		"Acme Corp\u0085Subject: x": false, // NEL (C1 control)
	} {
		if got := nameProblemFree(name); got != ok {
			t.Errorf("%q accepted %v, want %v", name, got, ok)
		}
	}
}

func nameProblemFree(name string) bool {
	var v apperr.Validator
	checkName(&v, "name", name, 200)
	return v.Err() == nil
}
