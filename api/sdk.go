package api

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// checklistScript defines <onramp-checklist>, served from the binary.
//
//go:embed sdk/onramp-checklist.js
var checklistScript []byte

// mountSDK serves the checklist element. Customers' pages load it on
// every view: a day in caches, then revalidated by its ETag (a hash of
// the file), or a year under ?v=<that hash>, which names this version.
// It may be loaded from any site (Cross-Origin-Resource-Policy), as a
// script with its own type (nosniff is on everything).
func mountSDK(r *gin.Engine) {
	sum := sha256.Sum256(checklistScript)
	version := hex.EncodeToString(sum[:10])
	etag := `"` + version + `"`
	r.GET("/sdk/onramp-checklist.js", func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("ETag", etag)
		h.Set("Cache-Control", "public, max-age=86400")
		if c.Query("v") == version {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		if matchesETag(c.GetHeader("If-None-Match"), etag) {
			c.Status(http.StatusNotModified)
			return
		}
		c.Data(http.StatusOK, "text/javascript; charset=utf-8", checklistScript)
	})
}

// matchesETag reports whether an If-None-Match header names etag (or any).
func matchesETag(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == etag || tag == "*" {
			return true
		}
	}
	return false
}
