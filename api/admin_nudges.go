package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/onboarding/nudge"
)

// NudgeDeps is what the nudge routes call.
type NudgeDeps struct {
	Service *nudge.Service
}

// adminNudgeHandlers let PMs write reminder rules and read their effect.
type adminNudgeHandlers struct{ svc *nudge.Service }

func mountAdminNudges(g *gin.RouterGroup, d Deps) {
	h := adminNudgeHandlers{svc: d.Nudges.Service}
	g.GET("/nudges", h.list)
	g.POST("/nudges", h.create)
	g.GET("/nudges/:key", h.get)
	g.PATCH("/nudges/:key", h.update)
	g.DELETE("/nudges/:key", h.delete)
	g.GET("/nudges/:key/effect", h.effect)
}

type nudgeRequest struct {
	Key            string          `json:"key"`
	Trigger        *nudge.Trigger  `json:"trigger"`
	Audience       *nudge.Audience `json:"audience"`
	MaxSends       *int            `json:"max_sends"`
	EveryDays      *int            `json:"every_days"`
	HoldoutPercent *int            `json:"holdout_percent"`
	Enabled        *bool           `json:"enabled"`
	Templates      nudge.Templates `json:"templates"`
}

type nudgePatchRequest struct {
	Trigger        *nudge.Trigger  `json:"trigger"`
	Audience       *nudge.Audience `json:"audience"`
	MaxSends       *int            `json:"max_sends"`
	EveryDays      *int            `json:"every_days"`
	HoldoutPercent *int            `json:"holdout_percent"`
	Enabled        *bool           `json:"enabled"`
	Templates      nudge.Templates `json:"templates"`
}

func (h adminNudgeHandlers) list(c *gin.Context) {
	rules, err := h.svc.Rules(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, newList(rules, ""))
}

func (h adminNudgeHandlers) get(c *gin.Context) {
	r, err := h.svc.Rule(c.Request.Context(), c.Param("key"))
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, r)
}

func (h adminNudgeHandlers) create(c *gin.Context) {
	var req nudgeRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	r, err := h.svc.CreateRule(c.Request.Context(), principal(c).UserID, nudge.RuleInput(req))
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusCreated, r)
}

func (h adminNudgeHandlers) update(c *gin.Context) {
	var req nudgePatchRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	r, err := h.svc.UpdateRule(c.Request.Context(), principal(c).UserID, c.Param("key"), nudge.RulePatch(req))
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, r)
}

func (h adminNudgeHandlers) delete(c *gin.Context) {
	if err := h.svc.DeleteRule(c.Request.Context(), principal(c).UserID, c.Param("key")); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// effect reads ?from&to like the metrics (both required).
func (h adminNudgeHandlers) effect(c *gin.Context) {
	var v apperr.Validator
	from, okFrom := parseTimeParam(c.Query("from"))
	to, okTo := parseTimeParam(c.Query("to"))
	v.Check(okFrom && !from.IsZero(), "from", "is required: an RFC 3339 time or a YYYY-MM-DD date, in years 0001-9999 in UTC")
	v.Check(okTo && !to.IsZero(), "to", "is required: an RFC 3339 time or a YYYY-MM-DD date, in years 0001-9999 in UTC")
	if err := v.Err(); err != nil {
		fail(c, err)
		return
	}
	e, err := h.svc.Effect(c.Request.Context(), c.Param("key"), from, to)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, e)
}
