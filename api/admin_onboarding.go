package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/onboarding"
)

// adminStepHandlers edit the draft checklist.
type adminStepHandlers struct{ svc *onboarding.Service }

type createStepRequest struct {
	Key         string                `json:"key"`
	Title       string                `json:"title"`
	Description string                `json:"description"`
	Position    int                   `json:"position"`
	Required    bool                  `json:"required"`
	Scope       string                `json:"scope"`
	Audience    onboarding.Audience   `json:"audience"`
	Completion  onboarding.Completion `json:"completion"`
	// Translations: {"fr": {"title", "description"}}.
	Translations onboarding.Translations `json:"translations"`
}

type updateStepRequest struct {
	Title       *string                `json:"title"`
	Description *string                `json:"description"`
	Position    *int                   `json:"position"`
	Required    *bool                  `json:"required"`
	Scope       *string                `json:"scope"`
	Audience    *onboarding.Audience   `json:"audience"`
	Completion  *onboarding.Completion `json:"completion"`
	// Translations replaces every translation ({} removes them).
	Translations *onboarding.Translations `json:"translations"`
}

func (h adminStepHandlers) list(c *gin.Context) {
	steps, err := h.svc.DraftSteps(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, newList(steps, ""))
}

func (h adminStepHandlers) create(c *gin.Context) {
	var req createStepRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	step, err := h.svc.CreateStep(c.Request.Context(), principal(c).UserID, onboarding.StepInput(req))
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusCreated, step)
}

func (h adminStepHandlers) update(c *gin.Context) {
	var req updateStepRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	step, err := h.svc.UpdateStep(c.Request.Context(), principal(c).UserID, c.Param("key"), onboarding.StepPatch(req))
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, step)
}

func (h adminStepHandlers) delete(c *gin.Context) {
	if err := h.svc.DeleteStep(c.Request.Context(), principal(c).UserID, c.Param("key")); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h adminStepHandlers) reorder(c *gin.Context) {
	var req struct {
		Keys []string `json:"keys"`
	}
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	steps, err := h.svc.ReorderSteps(c.Request.Context(), principal(c).UserID, req.Keys)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, newList(steps, ""))
}

// adminVersionHandlers publish and list checklist versions.
type adminVersionHandlers struct{ svc *onboarding.Service }

func (h adminVersionHandlers) publish(c *gin.Context) {
	v, err := h.svc.Publish(c.Request.Context(), principal(c).UserID)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusCreated, v)
}

func (h adminVersionHandlers) list(c *gin.Context) {
	page, err := pageParams(c)
	if err != nil {
		fail(c, err)
		return
	}
	versions, next, err := h.svc.Versions(c.Request.Context(), page.Limit, page.Cursor)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, newList(versions, next))
}

// adminActivationHandlers read and change what "activated" means.
type adminActivationHandlers struct{ svc *onboarding.Service }

func (h adminActivationHandlers) get(c *gin.Context) {
	d, err := h.svc.Activation(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, d)
}

func (h adminActivationHandlers) put(c *gin.Context) {
	var req struct {
		RequiredSteps []string                `json:"required_steps"`
		WindowDays    int                     `json:"window_days"`
		MemberSteps   []onboarding.MemberStep `json:"member_steps"`
	}
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	d, err := h.svc.SetActivation(c.Request.Context(), principal(c).UserID, onboarding.DefinitionInput(req))
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, d)
}
