package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/account"
)

// The caller's choices about optional emails (the onboarding nudges);
// the unsubscribe link of those emails sets the same opt-out.

type notificationPreferencesBody struct {
	OnboardingTips bool `json:"onboarding_tips"`
}

type setNotificationPreferencesRequest struct {
	OnboardingTips *bool `json:"onboarding_tips"`
}

func (h accountHandlers) notificationPreferences(c *gin.Context) {
	prefs, err := h.svc.NotificationPreferences(c.Request.Context(), principal(c))
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, notificationPreferencesBody(prefs))
}

func (h accountHandlers) setNotificationPreferences(c *gin.Context) {
	var req setNotificationPreferencesRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	prefs, err := h.svc.SetNotificationPreferences(c.Request.Context(), principal(c),
		account.NotificationPreferencesUpdate{OnboardingTips: req.OnboardingTips})
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, notificationPreferencesBody(prefs))
}
