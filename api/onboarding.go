package api

import "github.com/gin-gonic/gin"

// OnboardingDeps are the onboarding services the checklist, events and
// admin routes call. (Filled in by the onboarding work.)
type OnboardingDeps struct{}

// mountOnboarding mounts the customer-side checklist and events routes.
func mountOnboarding(v1 *gin.RouterGroup, d Deps) {}

// mountAdmin mounts the staff-only /v1/admin routes.
func mountAdmin(v1 *gin.RouterGroup, d Deps) {}
