package api

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/onboarding"
)

// eventHandlers take product events from clients.
type eventHandlers struct{ svc *onboarding.Service }

type eventsRequest struct {
	Events []struct {
		ID         string          `json:"id"`
		Name       string          `json:"name"`
		Timestamp  string          `json:"timestamp"`
		Properties json.RawMessage `json:"properties"`
	} `json:"events"`
}

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

// decodeEvents reads the body of POST /v1/events.
func decodeEvents(c *gin.Context) ([]onboarding.ClientEvent, error) {
	var req eventsRequest
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	events := make([]onboarding.ClientEvent, len(req.Events))
	for i, e := range req.Events {
		events[i] = onboarding.ClientEvent{ID: e.ID, Name: e.Name, Timestamp: e.Timestamp, Properties: e.Properties}
	}
	return events, nil
}
