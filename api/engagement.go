package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/onboarding"
)

// engagementHandlers serve how a company's members take to the service,
// as counts its owners and admins may see.
type engagementHandlers struct {
	onboarding *onboarding.Service
	accounts   *account.Service
}

func (h engagementHandlers) get(c *gin.Context) {
	ctx, orgID := c.Request.Context(), principal(c).OrgID
	e, err := h.onboarding.Engagement(ctx, orgID)
	if err != nil {
		fail(c, err)
		return
	}
	if e.InvitationsPending, err = h.accounts.PendingInvitations(ctx, orgID); err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, e)
}
