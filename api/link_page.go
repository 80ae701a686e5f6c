package api

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"html/template"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"
)

// The pages behind links in emails (unsubscribe, billing portal): one
// small page that says what the link does and, with a button, posts back
// to the same URL. Opening a link never acts by itself: mail scanners and
// previews open links too.

//go:embed pages/link.html
var linkPageSource string

var linkPage = template.Must(template.New("link").Parse(linkPageSource))

// pageWording is what a link page says; no Button: nothing to press.
type pageWording struct {
	Heading, Text, Button, Note string
}

// linkPagePolicy lets a link page do nothing but show itself (its one
// inline style, allowed by hash) and submit its form to formAction, the
// sources the form's answer may redirect to included (browsers differ on
// whether form-action covers redirects).
func linkPagePolicy(formAction string) string {
	style := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(linkPageSource)
	sum := sha256.Sum256([]byte(style[1]))
	return strings.Join([]string{
		"default-src 'none'",
		"style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'",
		"form-action " + formAction,
		"base-uri 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// writeLinkPage answers w as the page, in the visitor's language, under
// policy; token goes into the form's action.
func writeLinkPage(c *gin.Context, status int, w pageWording, token, policy string) {
	var b bytes.Buffer
	err := linkPage.Execute(&b, struct {
		pageWording
		Lang, Token string
	}{w, pageLanguage(c), token})
	if err != nil {
		fail(c, err)
		return
	}
	keepTokenPrivate(c)
	c.Header("Content-Security-Policy", policy)
	c.Data(status, "text/html; charset=utf-8", b.Bytes())
}

// keepTokenPrivate: the token is in the URL, so no cache keeps the
// answer and no page sends the URL on as a Referer.
func keepTokenPrivate(c *gin.Context) {
	noStore(c)
	c.Header("Referrer-Policy", "no-referrer")
}

// pageLanguage is the page's language: French when Accept-Language
// prefers it, else English.
func pageLanguage(c *gin.Context) string {
	if acceptedLocale(c.Request) == "fr" {
		return "fr"
	}
	return "en"
}
