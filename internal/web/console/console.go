// Package console is the PM console at /console/: staff edit and publish
// the onboarding checklist, define activation, write nudges, read the
// metrics as charts, the audit log and a company's support view. It calls
// the same domain services, with the same staff principal, as /v1/admin;
// it holds no SQL and no state of its own.
package console

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/web/page"
	"github.com/onramp/onramp/onboarding"
	"github.com/onramp/onramp/onboarding/nudge"
)

//go:embed templates
var templateFiles embed.FS

// Deps are the services the console calls.
type Deps struct {
	Accounts   *account.Service
	Onboarding *onboarding.Service
	Nudges     *nudge.Service
}

// console holds the services and the parsed pages.
type console struct {
	Deps
	site  *page.Site
	pages *page.Templates
}

// Mount adds the console's routes to r.
func Mount(r *gin.Engine, site *page.Site, d Deps) error {
	files, err := fs.Sub(templateFiles, "templates")
	if err != nil {
		return err
	}
	pages, err := site.Templates(files, commonText, stepsText, activationText, nudgesText, metricsText, supportText)
	if err != nil {
		return err
	}
	c := &console{Deps: d, site: site, pages: pages}
	r.GET("/console", func(ctx *gin.Context) { ctx.Redirect(http.StatusSeeOther, "/console/") })

	g := site.Group(r, "/console")
	g.GET("/login", c.loginForm)
	g.POST("/login", c.login)

	staff := g.Group("", c.requireStaff)
	staff.POST("/logout", c.logout)
	staff.GET("/", c.steps)
	staff.GET("/steps/new", c.newStep)
	staff.POST("/steps", c.createStep)
	staff.GET("/steps/:key", c.editStep)
	staff.POST("/steps/:key", c.updateStep)
	staff.POST("/steps/:key/move", c.moveStep)
	staff.POST("/steps/:key/delete", c.deleteStep)
	staff.POST("/publish", c.publish)
	staff.GET("/versions", c.versions)
	staff.GET("/activation", c.activation)
	staff.POST("/activation", c.setActivation)
	staff.GET("/nudges", c.nudges)
	staff.GET("/nudges/new", c.newNudge)
	staff.POST("/nudges", c.createNudge)
	staff.POST("/nudges/:key/enabled", c.setNudgeEnabled)
	staff.GET("/nudges/:key/effect", c.nudgeEffect)
	staff.GET("/metrics", c.metrics)
	staff.GET("/audit", c.audit)
	staff.GET("/support", c.support)
	return nil
}

// frame is what every console page's data starts with: the section the
// navigation marks as current (none on the sign-in page, which has no
// navigation), and a notice after a change.
type frame struct {
	Nav    string
	Notice string // a catalog key, shown as a success alert
	Error  string // a catalog key, shown as an error alert
}

// render answers a console page.
func (c *console) render(ctx *gin.Context, status int, name string, data any) {
	c.pages.Render(ctx, status, name, data)
}
