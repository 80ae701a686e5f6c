package account

import (
	"net/mail"
	"strconv"
	"strings"
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
