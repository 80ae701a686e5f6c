package api

import (
	"net/http"

	"golang.org/x/text/language"
)

// The languages the service writes in, English first: the fallback.
var locales = language.NewMatcher([]language.Tag{language.English, language.French})

// acceptedLocale is the language of ours ("en", "fr") the request's
// Accept-Language prefers, or "" when it names neither (nor any variant
// of them, like fr-CA): then the person has said nothing yet.
func acceptedLocale(r *http.Request) string {
	header := r.Header.Get("Accept-Language")
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
	return []string{"en", "fr"}[index]
}
