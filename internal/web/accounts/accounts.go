// Package accounts serves the account pages people reach from the site,
// from emails and from Stripe Checkout: signup (then Checkout), email
// verification, invitation acceptance, password reset, and Checkout's
// success and cancel pages. They call the same domain services as the
// JSON API (internal/account, billing) and hold no state of their own but
// one signed cookie (retry.go).
//
// An emailed link is only ever read by a GET: the page shows a form, and
// only the form's POST uses the single-use token (mail scanners and link
// previews open links too).
package accounts

import (
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/clock"
	"github.com/onramp/onramp/internal/idempotency"
	"github.com/onramp/onramp/internal/web/page"
)

//go:embed templates/*.html templates/*.tmpl
var templateFiles embed.FS

// Config is what the account pages need.
type Config struct {
	Site     *page.Site
	Accounts *account.Service
	Billing  *billing.Service
	// AppURL is where people go once done (APP_URL); nil: no such link.
	AppURL *url.URL
	// Secret signs the Checkout retry cookie (at least 32 bytes).
	Secret []byte
	// Once makes a signup form's post happen once.
	Once  *idempotency.Store
	Clock clock.Clock
	Log   *slog.Logger
}

// pages serves the account pages.
type pages struct {
	site     *page.Site
	views    *page.Templates
	accounts *account.Service
	billing  *billing.Service
	appURL   *url.URL
	retry    retrySigner
	once     *idempotency.Store
	log      *slog.Logger
}

// Mount adds the account pages to r.
func Mount(r gin.IRouter, cfg Config) error {
	files, err := fs.Sub(templateFiles, "templates")
	if err != nil {
		return err
	}
	views, err := cfg.Site.Templates(files, commonText, signupText, fieldText, linkText, checkoutText)
	if err != nil {
		return err
	}
	p := &pages{site: cfg.Site, views: views, accounts: cfg.Accounts, billing: cfg.Billing, once: cfg.Once,
		retry: retrySigner{key: cfg.Secret, clock: clock.Or(cfg.Clock), secure: cfg.Site.Secure()}}
	if p.log = cfg.Log; p.log == nil {
		p.log = slog.Default()
	}
	p.appURL = cfg.AppURL
	g := cfg.Site.Group(r, "/")
	g.GET("/signup", p.signupForm)
	g.POST("/signup", p.signup)
	g.POST("/signup/checkout", p.retryCheckout)
	g.GET("/verify-email", p.verifyForm)
	g.POST("/verify-email", p.verify)
	g.GET("/accept-invitation", p.invitationForm)
	g.POST("/accept-invitation", p.acceptInvitation)
	g.GET("/reset-password", p.resetForm)
	g.POST("/reset-password", p.resetPassword)
	g.GET("/checkout/success", p.checkoutSuccess)
	g.GET("/checkout/cancel", p.checkoutCancel)
	return nil
}

// done is a page that says something went well, and where to go next.
type done struct {
	// Outcome names what went well for the customer's app (APP_URL):
	// email_verified, invitation_accepted, password_reset, checkout_completed.
	Outcome           string
	Title, Text, Next string
	// Arg fills Text's %s (the company's name).
	Arg string
	// AppURL is a link to the app, on pages that do not end the work.
	AppURL string
}

// renderDone ends a page's work: with APP_URL set, people go there (303)
// with ?onramp=OUTCOME for the app to say what happened in its own words;
// else this service's page says it and what comes next.
func (p *pages) renderDone(c *gin.Context, d done) {
	if p.appURL != nil {
		next := *p.appURL
		q := next.Query()
		q.Set("onramp", d.Outcome)
		next.RawQuery = q.Encode()
		c.Redirect(http.StatusSeeOther, next.String())
		return
	}
	p.views.Render(c, http.StatusOK, "done.html", d)
}

// appLink is APP_URL for a page's link to the app ("": none).
func (p *pages) appLink() string {
	if p.appURL == nil {
		return ""
	}
	return p.appURL.String()
}

// deadLink is the page of a link that can no longer be used; Text says
// how to get a new one.
func (p *pages) deadLink(c *gin.Context, textKey string) {
	p.views.Render(c, http.StatusGone, "dead_link.html", done{Title: "link.dead.title", Text: textKey, AppURL: p.appLink()})
}
