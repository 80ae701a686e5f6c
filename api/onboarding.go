package api

import (
	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apikeys"
	"github.com/onramp/onramp/onboarding"
)

// OnboardingDeps are the onboarding services the checklist, events and
// admin routes call.
type OnboardingDeps struct {
	Service *onboarding.Service
}

// mountOnboarding mounts the customer-side checklist and events routes.
func mountOnboarding(v1 *gin.RouterGroup, d Deps) {
	h := checklistHandlers{svc: d.Onboarding.Service}
	v1.POST("/events", withServerKey(d.Integrations.Keys, apikeys.ScopeEventsWrite),
		unlessServerKey(requireUser(d.Signer, d.Accounts.Service)), unlessServerKey(requireOrg()),
		eventHandlers{svc: d.Onboarding.Service, keys: d.Integrations.Keys}.post)
	g := v1.Group("", requireUser(d.Signer, d.Accounts.Service), requireOrg())
	g.GET("/onboarding/checklist", h.get)
	g.POST("/onboarding/checklist/steps/:key/complete", h.complete)
	g.POST("/onboarding/checklist/steps/:key/skip", requireManager(), h.skip)
	g.POST("/onboarding/checklist/dismiss", h.dismiss)
	// Counts only, above the group-size floor: who used the service, and
	// when, stays with each member.
	g.GET("/organization/engagement", requireManager(),
		engagementHandlers{onboarding: d.Onboarding.Service, accounts: d.Accounts.Service}.get)
}

// mountAdmin mounts the staff-only /v1/admin routes.
func mountAdmin(v1 *gin.RouterGroup, d Deps) {
	svc := d.Onboarding.Service
	g := v1.Group("/admin", requireUser(d.Signer, d.Accounts.Service), requireStaff())

	steps := adminStepHandlers{svc: svc}
	g.GET("/onboarding/steps", steps.list)
	g.POST("/onboarding/steps", steps.create)
	g.PUT("/onboarding/steps/order", steps.reorder)
	g.PATCH("/onboarding/steps/:key", steps.update)
	g.DELETE("/onboarding/steps/:key", steps.delete)

	versions := adminVersionHandlers{svc: svc}
	g.POST("/onboarding/versions", versions.publish)
	g.GET("/onboarding/versions", versions.list)

	activation := adminActivationHandlers{svc: svc}
	g.GET("/activation", activation.get)
	g.PUT("/activation", activation.put)

	metrics := adminMetricsHandlers{svc: svc}
	g.GET("/metrics/funnel", metrics.funnel)
	g.GET("/metrics/activation", metrics.cohorts)
	g.GET("/metrics/seats", metrics.seats)
	g.GET("/metrics/retention", metrics.retention)

	mountAdminNudges(g, d)
	mountAdminIntegrations(g, d)

	support := adminSupportHandlers{svc: svc}
	g.GET("/organizations/:id", support.organization)
	g.GET("/audit-log", support.auditLog)
}
