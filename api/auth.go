package api

import (
	"context"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/auth"
)

const ctxPrincipal = "onramp.principal"

// requireUser verifies the bearer token and stores its principal.
func requireUser(signer *auth.Signer) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := bearerPrincipal(c, signer)
		if !ok {
			c.Header("WWW-Authenticate", `Bearer realm="onramp"`)
			fail(c, apperr.Unauthorized("a valid bearer access token is required"))
			return
		}
		c.Set(ctxPrincipal, p)
		c.Next()
	}
}

// optionalUser stores a principal when a valid bearer token is present and
// refuses an invalid one; no token at all is fine.
func optionalUser(signer *auth.Signer) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.GetHeader("Authorization") == "" {
			c.Next()
			return
		}
		requireUser(signer)(c)
	}
}

func bearerPrincipal(c *gin.Context, signer *auth.Signer) (auth.Principal, bool) {
	h := c.GetHeader("Authorization")
	scheme, token, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return auth.Principal{}, false
	}
	p, err := signer.Verify(strings.TrimSpace(token))
	if err != nil {
		return auth.Principal{}, false
	}
	return p, true
}

// requireOrg refuses tokens not bound to an organization (a staff user with
// no membership) on organization routes.
func requireOrg() gin.HandlerFunc {
	return func(c *gin.Context) {
		if p := principal(c); !p.HasOrg() {
			fail(c, apperr.Forbidden("this token is not bound to an organization"))
			return
		}
		c.Next()
	}
}

// managerCheck confirms against the current memberships that a caller may
// manage its organization; account.Service implements it.
type managerCheck interface {
	RequireManager(ctx context.Context, p auth.Principal) error
}

// requireManager lets only owners and admins through. The token's role is
// checked first (no query for a member), then the membership as it is now:
// an admin removed or demoted since the token was minted is refused at once
// rather than for the rest of the token's 15 minutes.
func requireManager(m managerCheck) gin.HandlerFunc {
	return func(c *gin.Context) {
		p := principal(c)
		if !p.HasOrg() || !p.CanManage() {
			fail(c, apperr.Forbidden("only an owner or admin of the organization may do this"))
			return
		}
		if err := m.RequireManager(c.Request.Context(), p); err != nil {
			fail(c, err)
			return
		}
		c.Next()
	}
}

// requireStaff lets only staff tokens through.
func requireStaff() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !principal(c).Staff {
			fail(c, apperr.Forbidden("staff only"))
			return
		}
		c.Next()
	}
}

func principalFrom(c *gin.Context) (auth.Principal, bool) {
	v, ok := c.Get(ctxPrincipal)
	if !ok {
		return auth.Principal{}, false
	}
	return v.(auth.Principal), true
}

// principal is the caller; only call it behind requireUser.
func principal(c *gin.Context) auth.Principal {
	p, _ := principalFrom(c)
	return p
}
