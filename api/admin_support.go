package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/onboarding"
)

// adminSupportHandlers serve the support view and the audit log.
type adminSupportHandlers struct{ svc *onboarding.Service }

func (h adminSupportHandlers) organization(c *gin.Context) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		fail(c, apperr.NotFound("organization"))
		return
	}
	view, err := h.svc.Support(c.Request.Context(), principal(c).UserID, id)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, view)
}

func (h adminSupportHandlers) auditLog(c *gin.Context) {
	page, err := pageParams(c)
	if err != nil {
		fail(c, err)
		return
	}
	entries, next, err := h.svc.AuditLog(c.Request.Context(), page.Limit, page.Cursor)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, newList(entries, next))
}
