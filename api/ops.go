package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// docsPath is the API reference page; its assets are served below it.
const docsPath = "/docs"

// mountOps serves health, metrics, the spec, its rendered docs and the JWKS.
func mountOps(r *gin.Engine, d Deps) {
	r.GET("/healthz", func(c *gin.Context) { respond(c, http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", func(c *gin.Context) {
		// 1.5 s in all: readiness is answered within the 2 s a dependency
		// failure may take, whatever the pings meet.
		ctx, cancel := context.WithTimeout(c.Request.Context(), 1500*time.Millisecond)
		defer cancel()
		// A connection the database closed while it was away fails once,
		// and the pool drops it: up to three pings, so that a database back
		// up is reported ready at once.
		err := d.DB.Ping(ctx)
		for try := 1; try < 3 && err != nil && database.Unreachable(err) && ctx.Err() == nil; try++ {
			err = d.DB.Ping(ctx)
		}
		if err != nil {
			logFor(c).Warn("readiness check failed", "err", err)
			fail(c, apperr.DependencyUnavailable("database unreachable", databaseRetryAfter))
			return
		}
		respond(c, http.StatusOK, gin.H{"status": "ok"})
	})
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{})))
	r.GET("/openapi.yaml", func(c *gin.Context) {
		c.Data(http.StatusOK, "application/yaml", d.OpenAPI)
	})
	// Swagger UI with its assets embedded in the binary: no CDN, works offline.
	docs := v5emb.NewHandlerWithConfig(swgui.Config{
		Title:       "Onramp API",
		SwaggerJSON: "/openapi.yaml",
		BasePath:    docsPath,
	})
	docsPolicy := docsContentSecurityPolicy(docs)
	r.GET(docsPath, func(c *gin.Context) {
		c.Header("Content-Security-Policy", docsPolicy)
		docs.ServeHTTP(c.Writer, c.Request)
	})
	// The page's assets live below it; /docs/ itself is the page's old address.
	r.GET(docsPath+"/*asset", func(c *gin.Context) {
		if c.Param("asset") == "/" {
			c.Redirect(http.StatusMovedPermanently, docsPath)
			return
		}
		docs.ServeHTTP(c.Writer, c.Request)
	})
	r.GET("/.well-known/jwks.json", func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=300")
		respond(c, http.StatusOK, d.Signer.JWKS())
	})
}
