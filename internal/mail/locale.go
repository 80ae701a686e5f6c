package mail

// Locale is the language an email is written in.
type Locale string

// The languages emails are written in. English is the fallback for a
// person who has not said which they read.
const (
	English Locale = "en"
	French  Locale = "fr"
)

// LocaleOf is the locale a person said they read (users.locale: "en",
// "fr" or nil), English when they said nothing.
func LocaleOf(said *string) Locale {
	if said != nil && Locale(*said) == French {
		return French
	}
	return English
}
