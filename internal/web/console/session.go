package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/auth"
)

// The console's session is a sign-in session of internal/account whose
// refresh token lives in an HttpOnly, SameSite=Strict cookie (host-only
// and Secure outside development). Only that cookie opens the console: a
// bearer token in an Authorization header is ignored, so an API client's
// token, a member's included, reaches nothing here. Every request reads
// the session and the staff flag as they are stored now.

const principalKey = "console.principal"

func (c *console) sessionCookie() string {
	if c.site.Secure() {
		return "__Host-onramp_console"
	}
	return "onramp_console"
}

// setSession stores token in the browser; "" clears it. It lasts as long
// as the browser session: the server ends it sooner or later anyway.
func (c *console) setSession(ctx *gin.Context, token string) {
	cookie := &http.Cookie{Name: c.sessionCookie(), Value: token, Path: "/",
		HttpOnly: true, Secure: c.site.Secure(), SameSite: http.SameSiteStrictMode}
	if token == "" {
		cookie.MaxAge = -1
	}
	http.SetCookie(ctx.Writer, cookie)
}

func (c *console) sessionToken(ctx *gin.Context) string {
	cookie, err := ctx.Request.Cookie(c.sessionCookie())
	if err != nil {
		return ""
	}
	return cookie.Value
}

// requireStaff lets through only a live console session of a user who is
// staff now; anyone else goes to the sign-in page.
func (c *console) requireStaff(ctx *gin.Context) {
	p, err := c.Accounts.ConsoleAccess(ctx.Request.Context(), c.sessionToken(ctx))
	if err != nil {
		if apperr.Is(err, apperr.CodeUnauthorized) {
			if c.sessionToken(ctx) != "" {
				c.setSession(ctx, "")
			}
			ctx.Redirect(http.StatusSeeOther, "/console/login")
			ctx.Abort()
			return
		}
		c.site.Failed(ctx, err)
		ctx.Abort()
		return
	}
	ctx.Set(principalKey, p)
	ctx.Next()
}

// staff is the signed-in staff user; only behind requireStaff.
func staff(ctx *gin.Context) auth.Principal {
	p, _ := ctx.Get(principalKey)
	return p.(auth.Principal)
}

type loginPage struct {
	frame
	Email  string
	Errors fieldErrors
}

func (c *console) loginForm(ctx *gin.Context) {
	page := loginPage{}
	if ctx.Query("signed_out") != "" {
		page.Notice = "login.signed_out"
	}
	c.render(ctx, http.StatusOK, "login.html", page)
}

func (c *console) login(ctx *gin.Context) {
	form := loginPage{Email: strings.TrimSpace(ctx.PostForm("email"))}
	session, err := c.Accounts.ConsoleSignIn(ctx.Request.Context(), account.LoginInput{
		Email: form.Email, Password: ctx.PostForm("password"), ClientIP: ctx.ClientIP()})
	if err != nil {
		status, ok := http.StatusUnprocessableEntity, true
		switch e, _ := apperr.As(err); {
		case e == nil:
			ok = false
		case e.Code == apperr.CodeInvalid:
			form.Errors = c.explain(ctx, e, loginFields)
		case e.Code == apperr.CodeUnauthorized:
			status, form.Error = http.StatusUnauthorized, "login.bad_credentials"
		case e.Code == apperr.CodeForbidden:
			status, form.Error = http.StatusForbidden, "login.not_staff"
		case e.Code == apperr.CodeRateLimited:
			status, form.Error = http.StatusTooManyRequests, "login.rate_limited"
		default:
			ok = false
		}
		if !ok {
			c.site.Failed(ctx, err)
			return
		}
		c.render(ctx, status, "login.html", form)
		return
	}
	c.setSession(ctx, session.Token)
	ctx.Redirect(http.StatusSeeOther, "/console/")
}

func (c *console) logout(ctx *gin.Context) {
	if err := c.Accounts.ConsoleSignOut(ctx.Request.Context(), staff(ctx), c.sessionToken(ctx)); err != nil {
		c.site.Failed(ctx, err)
		return
	}
	c.setSession(ctx, "")
	ctx.Redirect(http.StatusSeeOther, "/console/login?signed_out=1")
}
