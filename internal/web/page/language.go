package page

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/mail"
)

const (
	languageKey    = "page.lang"
	languageCookie = "onramp_lang"
)

// language picks the visitor's language: the one they chose with the
// page's switch (?lang=, then remembered in a cookie), else their
// browser's, else the default.
func (s *Site) language(c *gin.Context) {
	lang := mail.Locale("")
	if chosen, err := mail.ParseLocale(c.Query("lang")); err == nil {
		lang = chosen
		http.SetCookie(c.Writer, &http.Cookie{Name: languageCookie, Value: string(chosen), Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	} else if cookie, err := c.Request.Cookie(languageCookie); err == nil {
		lang, _ = mail.ParseLocale(cookie.Value)
	}
	if lang == "" {
		lang = mail.AcceptedLocale(c.GetHeader("Accept-Language"))
	}
	if lang == "" {
		lang = s.defaultLocale
	}
	c.Set(languageKey, lang)
	c.Next()
}

// Language is the visitor's language (English outside a site's group).
func Language(c *gin.Context) mail.Locale {
	if l, ok := c.Get(languageKey); ok {
		return l.(mail.Locale)
	}
	return mail.English
}
