package account

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/onramp/onramp/internal/apperr"
)

// normalizeEmail is how emails are stored and compared: trimmed and
// lower-cased (emails are case-insensitive here).
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// validEmail accepts a bare address (no display name), at most 254 bytes,
// with a dot in its domain.
func validEmail(s string) bool {
	if s == "" || len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

// checkText validates a required free-text field of at most max characters.
func checkText(v *apperr.Validator, field, value string, max int) {
	n := utf8.RuneCountInString(strings.TrimSpace(value))
	v.Check(n > 0, field, "is required")
	v.Check(n <= max, field, "must be at most "+strconv.Itoa(max)+" characters")
}

// checkName validates a required name of a person or an organization, of
// at most max characters. Names go into email subjects and bodies ("Join
// Acme on Onramp", "Ada invited you"), so they may hold neither control
// nor invisible formatting characters (a line break forges a header, a
// direction override disguises text) nor anything a mail client would
// turn into a link.
func checkName(v *apperr.Validator, field, value string, max int) {
	checkText(v, field, value, max)
	for _, r := range value {
		if invisibleInName(r) {
			v.Check(false, field, "must not contain control or invisible formatting characters (line breaks, tabs, direction overrides)")
			return
		}
	}
	v.Check(!looksLikeLink(value), field, "must not contain a web address or link")
}

// Zero-width non-joiner and joiner: format characters that Persian and
// Indic names need to be spelled right.
const (
	zwnj = '\u200c'
	zwj  = '\u200d'
)

// invisibleInName reports control characters (Cc: line breaks, tabs, NUL),
// format characters (Cf: direction overrides, zero-width spaces, soft
// hyphens) other than the joiners, and line and paragraph separators.
func invisibleInName(r rune) bool {
	if r == zwnj || r == zwj {
		return false
	}
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp)
}

// looksLikeLink reports text a mail client would turn into a link: a URL
// (scheme://…), www.…, or a bare domain or address (name.tld, IDNs
// included), taken to be a letter, digit or hyphen, a dot, then two
// letters. That refuses "Booking.com" and "St.Louis" too, a price worth
// paying: "Acme Inc.", "J. R. R. Tolkien" and "e.V." pass. The ideographic
// and fullwidth dots count as dots (IDNA reads them so), and the joiners
// are ignored, so neither disguises a domain.
func looksLikeLink(s string) bool {
	s = strings.NewReplacer(string(zwnj), "", string(zwj), "", "\u3002", ".", "\uff0e", ".", "\uff61", ".").Replace(strings.ToLower(s))
	if strings.Contains(s, "://") || strings.Contains(s, "www.") {
		return true
	}
	rs := []rune(s)
	for i := 1; i+2 < len(rs); i++ {
		if rs[i] == '.' && (unicode.IsLetter(rs[i-1]) || unicode.IsDigit(rs[i-1]) || rs[i-1] == '-') &&
			unicode.IsLetter(rs[i+1]) && unicode.IsLetter(rs[i+2]) {
			return true
		}
	}
	return false
}

// checkOptionalText validates an optional free-text field.
func checkOptionalText(v *apperr.Validator, field, value string, max int) {
	v.Check(utf8.RuneCountInString(value) <= max, field, "must be at most "+strconv.Itoa(max)+" characters")
}

func checkEmail(v *apperr.Validator, field, email string) {
	if email == "" {
		v.Check(false, field, "is required")
		return
	}
	v.Check(validEmail(email), field, "must be an email address")
}

func checkPassword(v *apperr.Validator, field, pw string) {
	if p := passwordProblem(pw); p != "" {
		v.Check(false, field, p)
	}
}

func validRole(r string) bool { return r == RoleOwner || r == RoleAdmin || r == RoleMember }

// optional is nil for an empty string, so absent values are stored as NULL.
func optional(s string) *string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	return &s
}
