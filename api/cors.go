package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// corsPrefix is what cross-origin pages may call: the routes of the
// <onramp-checklist> element (read, tick, dismiss). Nothing else of the
// API answers another origin's page, so a customer's site cannot be made
// to call, say, the members list from a visitor's browser.
const corsPrefix = "/v1/onboarding/checklist"

// withCORS lets pages of the allowed origins call the checklist routes
// with a bearer token (never cookies: no credentials are allowed), and
// answers their preflight requests itself, before routing. Other origins
// get no CORS headers, so browsers keep their pages from reading answers.
func withCORS(origins []string) gin.HandlerFunc {
	allowed := make(map[string]bool, len(origins))
	for _, o := range origins {
		allowed[strings.ToLower(o)] = true
	}
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		if origin == "" || !strings.HasPrefix(c.Request.URL.Path, corsPrefix) {
			return
		}
		h := c.Writer.Header()
		h.Add("Vary", "Origin")
		if !allowed[strings.ToLower(origin)] {
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		if c.Request.Method == http.MethodOptions && c.GetHeader("Access-Control-Request-Method") != "" {
			h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
			h.Set("Access-Control-Allow-Methods", "GET, POST")
			h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			h.Set("Access-Control-Max-Age", "600")
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		h.Set("Access-Control-Expose-Headers", "X-Request-Id, Retry-After")
	}
}
