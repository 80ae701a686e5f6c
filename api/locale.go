package api

import (
	"net/http"

	"github.com/onramp/onramp/internal/mail"
)

// acceptedLocale is the language of ours ("en", "fr") the request's
// Accept-Language prefers, or "" when it names neither.
func acceptedLocale(r *http.Request) string {
	return string(mail.AcceptedLocale(r.Header.Get("Accept-Language")))
}
