// Package page is what every HTML page of the binary shares: the layout,
// texts in English and French, the visitor's language, CSRF protection,
// the pages' security headers and the embedded stylesheet. The account
// pages and the PM console build on it.
package page

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/mail"
)

//go:embed templates/*.html
var layoutFiles embed.FS

//go:embed static
var staticFiles embed.FS

// Options are the site's settings.
type Options struct {
	// Secure marks cookies Secure and host-only (__Host-): everywhere but
	// development, where the server is plain http on localhost.
	Secure bool
	// DefaultLocale is the language of a visitor who says nothing.
	DefaultLocale mail.Locale
	// Log is where Failed logs; nil: slog.Default().
	Log *slog.Logger
}

// Site serves pages; build it once with NewSite.
type Site struct {
	secure        bool
	defaultLocale mail.Locale
	assets        *assets
	errors        *Templates
	log           *slog.Logger
}

// NewSite builds the shared parts of the pages.
func NewSite(o Options) (*Site, error) {
	static, err := fs.Sub(staticFiles, "static")
	if err != nil {
		return nil, err
	}
	s := &Site{secure: o.Secure, defaultLocale: o.DefaultLocale, assets: newAssets(static), log: o.Log}
	if s.defaultLocale == "" {
		s.defaultLocale = mail.English
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.errors, err = s.Templates(nil)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Secure reports whether cookies are Secure (outside development).
func (s *Site) Secure() bool { return s.secure }

// Group is a router group whose pages get the site's headers, language
// and CSRF protection.
func (s *Site) Group(r gin.IRouter, path string) *gin.RouterGroup {
	return r.Group(path, s.headers, s.language, s.csrf)
}

// MountAssets serves the stylesheet and scripts under /assets/.
func (s *Site) MountAssets(r gin.IRouter) {
	r.GET("/assets/:name", s.assets.serve)
	r.HEAD("/assets/:name", s.assets.serve)
}

// headers: pages are never cached (they carry CSRF tokens and sometimes a
// token in the URL, which no Referer may carry on) and load nothing but
// this site's own stylesheet and scripts.
func (s *Site) headers(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", Policy())
	c.Next()
}

// Policy is the pages' Content-Security-Policy; formActions are the
// origins besides this one that a form's answer may redirect to (Stripe
// Checkout), since browsers apply form-action to redirects too.
func Policy(formActions ...string) string {
	policy := "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
	for _, origin := range formActions {
		policy += " " + origin
	}
	return policy
}

// SetPolicy widens this answer's form-action to formActions.
func SetPolicy(c *gin.Context, formActions ...string) {
	c.Header("Content-Security-Policy", Policy(formActions...))
}

// Error answers a page that says what went wrong, in the visitor's
// language, with the site's own texts (keys of this package's catalog).
func (s *Site) Error(c *gin.Context, status int, titleKey, textKey string) {
	s.errors.Render(c, status, "error.html", errorPage{Title: titleKey, Text: textKey})
}

type errorPage struct{ Title, Text string }

// Failed answers an error no form can help with, on any package's page: a
// dependency down (the database, Stripe) is said as such, 503, and logged
// as a warning, since it passes on its own; anything else is an internal
// error, 500, logged as an error.
func (s *Site) Failed(c *gin.Context, err error) {
	if apperr.Is(err, apperr.CodeUnavailable) || database.Unreachable(err) {
		s.log.WarnContext(c.Request.Context(), "page: a dependency is unavailable", "route", c.FullPath(), "err", err)
		s.Error(c, http.StatusServiceUnavailable, "error.unavailable.title", "error.unavailable.text")
		return
	}
	s.log.ErrorContext(c.Request.Context(), "page failed", "route", c.FullPath(), "err", err)
	s.Error(c, http.StatusInternalServerError, "error.internal.title", "error.internal.text")
}

// parse parses the layout, files' partials (*.tmpl: what several of its
// pages share, which may also fill the layout's blocks), and, for each
// page file (*.html), one template of its own.
func parse(files fs.FS, funcs template.FuncMap) (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(layoutFiles, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	if files != nil {
		partials, err := fs.Glob(files, "*.tmpl")
		if err != nil {
			return nil, err
		}
		if len(partials) > 0 {
			if layout, err = layout.ParseFS(files, partials...); err != nil {
				return nil, err
			}
		}
	}
	pages := map[string]*template.Template{}
	add := func(src fs.FS, pattern string) error {
		names, err := fs.Glob(src, pattern)
		if err != nil {
			return err
		}
		for _, name := range names {
			t, err := template.Must(layout.Clone()).ParseFS(src, name)
			if err != nil {
				return err
			}
			pages[pathBase(name)] = t
		}
		return nil
	}
	if err := add(layoutFiles, "templates/error.html"); err != nil {
		return nil, err
	}
	if files != nil {
		if err := add(files, "*.html"); err != nil {
			return nil, err
		}
	}
	return pages, nil
}

func pathBase(name string) string {
	for i := len(name) - 1; i >= 0; i-- {
		if name[i] == '/' {
			return name[i+1:]
		}
	}
	return name
}

// statusText is for a page that failed to render: plain text, no detail.
func statusText(c *gin.Context, status int) {
	c.Data(status, "text/plain; charset=utf-8", []byte(http.StatusText(status)))
}
