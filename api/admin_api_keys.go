package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apikeys"
	"github.com/onramp/onramp/internal/webhooks"
)

// IntegrationDeps are the services of server keys and outbound webhooks.
type IntegrationDeps struct {
	Keys     *apikeys.Service
	Webhooks *webhooks.Service
}

// adminAPIKeyHandlers let staff create, list and revoke server keys.
type adminAPIKeyHandlers struct{ svc *apikeys.Service }

func mountAdminIntegrations(g *gin.RouterGroup, d Deps) {
	keys := adminAPIKeyHandlers{svc: d.Integrations.Keys}
	g.POST("/api-keys", keys.create)
	g.GET("/api-keys", keys.list)
	g.DELETE("/api-keys/:id", keys.revoke)

	hooks := adminWebhookHandlers{svc: d.Integrations.Webhooks}
	g.POST("/webhook-endpoints", hooks.create)
	g.GET("/webhook-endpoints", hooks.list)
	g.DELETE("/webhook-endpoints/:id", hooks.delete)
	g.GET("/webhook-endpoints/:id/deliveries", hooks.deliveries)
	g.POST("/webhook-endpoints/:id/deliveries/:delivery_id/retry", hooks.retry)
}

func (h adminAPIKeyHandlers) create(c *gin.Context) {
	var req struct {
		Name   string   `json:"name"`
		Scopes []string `json:"scopes"`
	}
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	key, err := h.svc.Create(c.Request.Context(), principal(c).UserID, apikeys.Input{Name: req.Name, Scopes: req.Scopes})
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store") // the key is in this answer only
	respond(c, http.StatusCreated, key)
}

func (h adminAPIKeyHandlers) list(c *gin.Context) {
	keys, err := h.svc.List(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, newList(keys, ""))
}

func (h adminAPIKeyHandlers) revoke(c *gin.Context) {
	id, ok := pathID(c, "id", "api key")
	if !ok {
		return
	}
	if err := h.svc.Revoke(c.Request.Context(), principal(c).UserID, id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
