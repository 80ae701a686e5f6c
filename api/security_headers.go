package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"
)

// apiContentSecurityPolicy is for everything but the docs page: answers are
// data, so a browser that renders one anyway loads nothing from it, and no
// other site may frame it.
const apiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"

// withSecurityHeaders marks every response, errors and 404s included: the
// browser must not guess a type other than the declared one (a JSON answer
// echoing user input must never run as a script or page).
func withSecurityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", apiContentSecurityPolicy)
		c.Next()
	}
}

// inlineScript matches the page's own inline scripts (those without src).
var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// docsContentSecurityPolicy is the policy for the Swagger UI page that docs
// renders. Its inline scripts are fixed once the handler is built, so they
// are allowed by hash, and injected ones still cannot run. Swagger UI sets
// inline styles as it renders (allowed: styles cannot run code), draws its
// icons from data: URIs, and fetches the spec from this origin.
func docsContentSecurityPolicy(docs http.Handler) string {
	page := &capturedPage{header: http.Header{}}
	docs.ServeHTTP(page, &http.Request{Method: http.MethodGet, URL: &url.URL{Path: docsPath}, Header: http.Header{}})
	scripts := []string{"'self'"}
	for _, m := range inlineScript.FindAllSubmatch(page.body.Bytes(), -1) {
		sum := sha256.Sum256(m[1])
		scripts = append(scripts, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src " + strings.Join(scripts, " "),
		"style-src 'self' 'unsafe-inline'",
		"img-src 'self' data:",
		"connect-src 'self'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// capturedPage keeps what a handler writes, to read the page it serves.
type capturedPage struct {
	header http.Header
	body   bytes.Buffer
}

func (p *capturedPage) Header() http.Header         { return p.header }
func (p *capturedPage) Write(b []byte) (int, error) { return p.body.Write(b) }
func (p *capturedPage) WriteHeader(int)             {}
