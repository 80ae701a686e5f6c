package mail

import "fmt"

// Locale is the language an email is written in.
type Locale string

// The languages emails are written in.
const (
	English Locale = "en"
	French  Locale = "fr"
)

// ParseLocale is the locale named "en" or "fr"; anything else is an error.
func ParseLocale(name string) (Locale, error) {
	switch l := Locale(name); l {
	case English, French:
		return l, nil
	}
	return "", fmt.Errorf("locale must be en or fr, got %q", name)
}

// LocaleOf is the locale a person said they read (users.locale: "en",
// "fr" or nil), fallback (DEFAULT_LOCALE) when they said nothing.
func LocaleOf(said *string, fallback Locale) Locale {
	if said != nil {
		if l, err := ParseLocale(*said); err == nil {
			return l
		}
	}
	return fallback
}
