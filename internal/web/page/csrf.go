package page

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
)

// CSRF protection for every form: a signed-double-submit without the
// signature, since the cookie is HttpOnly, SameSite=Strict and, outside
// development, host-only (__Host-): another site can neither read it nor
// set it. A POST must carry the cookie's value as the form field
// csrf_token, and a browser that says where the request came from (Origin,
// Sec-Fetch-Site) must say it came from this site.

// CSRFField is the form field that carries the token.
const CSRFField = "csrf_token"

const csrfKey = "page.csrf"

// cookieName is the token cookie's name; __Host- needs Secure.
func (s *Site) csrfCookieName() string {
	if s.secure {
		return "__Host-onramp_csrf"
	}
	return "onramp_csrf"
}

// csrf gives each browser a token and refuses unsafe requests without it.
func (s *Site) csrf(c *gin.Context) {
	token := ""
	if cookie, err := c.Request.Cookie(s.csrfCookieName()); err == nil && len(cookie.Value) == 43 {
		token = cookie.Value
	}
	if token == "" {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		token = base64.RawURLEncoding.EncodeToString(b)
		http.SetCookie(c.Writer, &http.Cookie{
			Name: s.csrfCookieName(), Value: token, Path: "/",
			HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode,
		})
	}
	c.Set(csrfKey, token)
	if isSafe(c.Request.Method) {
		c.Next()
		return
	}
	sent := c.PostForm(CSRFField)
	if !sameSite(c.Request) || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
		s.Error(c, http.StatusForbidden, "error.csrf.title", "error.csrf.text")
		c.Abort()
		return
	}
	c.Next()
}

// CSRFToken is the token the page's forms must carry.
func CSRFToken(c *gin.Context) string { return c.GetString(csrfKey) }

func isSafe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// sameSite is false when the browser says the request came from another
// site; browsers that say nothing are judged by the token alone.
func sameSite(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	origin := r.Header.Get("Origin")
	// "null": the pages' own Referrer-Policy (no-referrer) makes browsers
	// send Origin: null with their forms; Sec-Fetch-Site, checked above,
	// and the token still tell.
	if origin == "" || origin == "null" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}
