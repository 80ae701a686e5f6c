package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/onboarding"
)

// eventHandlers take product events from clients.
type eventHandlers struct{ svc *onboarding.Service }

func (h eventHandlers) post(c *gin.Context) {
	events, err := decodeEvents(c)
	if err != nil {
		fail(c, err)
		return
	}
	res, err := h.svc.Ingest(c.Request.Context(), onboardingCaller(c), events)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusAccepted, res)
}
