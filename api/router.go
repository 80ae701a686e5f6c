// Package api is the HTTP layer: it translates requests into calls on the
// domain packages and their results (or errors) into responses, and nothing
// else. Handlers never talk SQL.
package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/idempotency"
)

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Deps is everything the router needs; cmd/onramp builds it.
type Deps struct {
	Log      *slog.Logger
	DB       Pinger
	Signer   *auth.Signer
	OpenAPI  []byte               // the served openapi.yaml
	Registry *prometheus.Registry // what /metrics exposes
	// TrustedProxies may set X-Forwarded-For (nil: none).
	TrustedProxies []string
	// Idempotency stores first responses for Idempotency-Key replay.
	Idempotency *idempotency.Store

	Accounts   AccountDeps
	Billing    BillingDeps
	Onboarding OnboardingDeps
	Nudges     NudgeDeps
	// Integrations: server keys and outbound webhooks.
	Integrations IntegrationDeps
	// CORSOrigins may call the checklist routes from their pages (none:
	// no cross-origin calls).
	CORSOrigins []string
}

// New builds the router with its middleware and every route.
func New(d Deps) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// gin's own trailing-slash redirects skip the middleware (no security
	// headers, an HTML body); a path the router does not serve is a 404
	// problem like any other.
	r.RedirectTrailingSlash = false
	r.ContextWithFallback = true // c.Request.Context() deadlines reach the domain
	// Client IPs come from the connection unless proxies are configured, so
	// X-Forwarded-For cannot be forged to dodge per-IP limits. Behind a load
	// balancer, TRUSTED_PROXIES names it, or every client would share its IP.
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		panic(fmt.Sprintf("trusted proxies were validated with the configuration: %v", err))
	}

	metrics := newHTTPMetrics(d.Registry)
	r.Use(withSecurityHeaders(), withRequestID(), withAccessLog(d.Log), metrics.middleware(), withRecovery(), withBodyLimit(),
		withCORS(d.CORSOrigins))
	r.NoRoute(func(c *gin.Context) { failStatus(c, http.StatusNotFound, "not_found", "no such route") })
	r.NoMethod(func(c *gin.Context) {
		failStatus(c, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed on this route")
	})

	mountOps(r, d)
	mountSDK(r)
	v1 := r.Group("/v1")
	mountAccounts(v1, d)
	mountBilling(v1, d)
	mountOnboarding(v1, d)
	mountAdmin(v1, d)
	return r
}
