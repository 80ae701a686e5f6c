// Package web serves the binary's HTML pages: the account pages people
// reach from emails and Checkout, and the PM console. They sit beside the
// JSON API on the same router and call the same domain services.
package web

import (
	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/web/accounts"
	"github.com/onramp/onramp/internal/web/console"
	"github.com/onramp/onramp/internal/web/page"
)

// Deps is what the pages need.
type Deps struct {
	Site page.Options
	// Accounts are the account pages' services and settings (their Site
	// is filled in here).
	Accounts accounts.Config
	Console  console.Deps
}

// Mount adds the pages and their assets to r.
func Mount(r *gin.Engine, d Deps) error {
	site, err := page.NewSite(d.Site)
	if err != nil {
		return err
	}
	site.MountAssets(r)
	d.Accounts.Site = site
	if err := accounts.Mount(r, d.Accounts); err != nil {
		return err
	}
	return console.Mount(r, site, d.Console)
}
