package mail

import "golang.org/x/text/language"

// The languages the service writes in, English first: the fallback.
var locales = language.NewMatcher([]language.Tag{language.English, language.French})

// AcceptedLocale is the language of ours an Accept-Language header
// prefers, or "" when it names neither (nor any variant of them, like
// fr-CA): then the person has said nothing yet.
func AcceptedLocale(header string) Locale {
	if header == "" {
		return ""
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return ""
	}
	_, index, confidence := locales.Match(tags...)
	if confidence < language.High {
		return ""
	}
	return []Locale{English, French}[index]
}
