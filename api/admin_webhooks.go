package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/webhooks"
)

// adminWebhookHandlers let staff register webhook endpoints and follow
// their deliveries.
type adminWebhookHandlers struct{ svc *webhooks.Service }

func (h adminWebhookHandlers) create(c *gin.Context) {
	var req struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	e, err := h.svc.CreateEndpoint(c.Request.Context(), principal(c).UserID, webhooks.EndpointInput{URL: req.URL, Events: req.Events})
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store") // the secret is in this answer only
	respond(c, http.StatusCreated, e)
}

func (h adminWebhookHandlers) list(c *gin.Context) {
	list, err := h.svc.Endpoints(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, newList(list, ""))
}

func (h adminWebhookHandlers) delete(c *gin.Context) {
	id, ok := pathID(c, "id", "webhook endpoint")
	if !ok {
		return
	}
	if err := h.svc.DeleteEndpoint(c.Request.Context(), principal(c).UserID, id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h adminWebhookHandlers) deliveries(c *gin.Context) {
	id, ok := pathID(c, "id", "webhook endpoint")
	if !ok {
		return
	}
	page, err := pageParams(c)
	if err != nil {
		fail(c, err)
		return
	}
	before := uuid.Max
	if page.Cursor != "" {
		if before, err = uuid.Parse(page.Cursor); err != nil {
			fail(c, apperr.InvalidField("cursor", "is not a cursor this list returned"))
			return
		}
	}
	list, next, err := h.svc.Deliveries(c.Request.Context(), id, page.Limit, before)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, newList(list, next))
}

func (h adminWebhookHandlers) retry(c *gin.Context) {
	endpoint, ok := pathID(c, "id", "webhook endpoint")
	if !ok {
		return
	}
	id, ok := pathID(c, "delivery_id", "webhook delivery")
	if !ok {
		return
	}
	d, err := h.svc.Retry(c.Request.Context(), endpoint, id)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusAccepted, d)
}
