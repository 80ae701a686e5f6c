package console

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/onboarding"
)

// The audit log, newest first, a page at a time (the service's keyset
// cursor).

const auditPageSize = 50

type auditPage struct {
	frame
	Entries []onboarding.AuditEntry
	Next    string
}

func (c *console) audit(ctx *gin.Context) {
	entries, next, err := c.Onboarding.AuditLog(ctx.Request.Context(), auditPageSize, ctx.Query("cursor"))
	if err != nil {
		if apperr.Is(err, apperr.CodeInvalid) { // a cursor this list never gave
			c.render(ctx, http.StatusUnprocessableEntity, "audit.html", auditPage{frame: frame{Nav: "audit", Error: "audit.bad_cursor"}})
			return
		}
		c.site.Failed(ctx, err)
		return
	}
	c.render(ctx, http.StatusOK, "audit.html", auditPage{frame: frame{Nav: "audit"}, Entries: entries, Next: next})
}
