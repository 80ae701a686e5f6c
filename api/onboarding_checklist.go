package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/onboarding"
)

// checklistHandlers serve the caller's onboarding checklist.
type checklistHandlers struct{ svc *onboarding.Service }

// onboardingCaller is the authenticated member as the onboarding domain
// takes them, with the language the access check read with their role.
func onboardingCaller(c *gin.Context) onboarding.Caller {
	p := principal(c)
	return onboarding.Caller{OrgID: p.OrgID, UserID: p.UserID, Role: p.Role, Locale: p.Locale}
}

func (h checklistHandlers) get(c *gin.Context) {
	list, err := h.svc.Checklist(c.Request.Context(), onboardingCaller(c))
	replyChecklist(c, list, err)
}

func (h checklistHandlers) complete(c *gin.Context) {
	list, err := h.svc.Complete(c.Request.Context(), onboardingCaller(c), c.Param("key"))
	replyChecklist(c, list, err)
}

func (h checklistHandlers) skip(c *gin.Context) {
	list, err := h.svc.Skip(c.Request.Context(), onboardingCaller(c), c.Param("key"))
	replyChecklist(c, list, err)
}

func (h checklistHandlers) dismiss(c *gin.Context) {
	list, err := h.svc.Dismiss(c.Request.Context(), onboardingCaller(c))
	replyChecklist(c, list, err)
}

// replyChecklist answers the checklist every checklist route returns.
func replyChecklist(c *gin.Context, list onboarding.Checklist, err error) {
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, list)
}
