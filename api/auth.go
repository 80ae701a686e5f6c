package api

import (
	"context"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/auth"
)

const ctxPrincipal = "onramp.principal"

// accessCheck says what the caller of a verified token may do now: the
// principal with its current role and staff flag, or an error when the
// token no longer grants access. account.Service implements it.
type accessCheck interface {
	CurrentAccess(ctx context.Context, p auth.Principal) (auth.Principal, error)
}

// requireUser verifies the bearer token, then stores the caller's current
// access as the principal: a valid token is not enough on its own. Its
// session must still be live (not signed out, not ended by a password
// reset or a removal), its user must exist and, when it is bound to an
// organization, still be a member of it; otherwise 401. Every handler and
// check after it (requireManager, requireStaff, the checklist's audience)
// sees the role and staff flag as they are now, not as minted. The
// verified-token cache in auth only skips the signature check; this runs
// on every request.
func requireUser(signer *auth.Signer, access accessCheck) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := bearerPrincipal(c, signer)
		if !ok {
			unauthorized(c, apperr.Unauthorized("a valid bearer access token is required"))
			return
		}
		current, err := access.CurrentAccess(c.Request.Context(), p)
		if err != nil {
			if apperr.Is(err, apperr.CodeUnauthorized) {
				unauthorized(c, err)
				return
			}
			fail(c, err)
			return
		}
		c.Set(ctxPrincipal, current)
		c.Next()
	}
}

// unauthorized answers 401 with the challenge RFC 6750 asks for.
func unauthorized(c *gin.Context, err error) {
	c.Header("WWW-Authenticate", `Bearer realm="onramp", error="invalid_token"`)
	fail(c, err)
}

// optionalUser stores the caller's current access when a bearer token is
// present and refuses an invalid or ended one; no token at all is fine.
func optionalUser(signer *auth.Signer, access accessCheck) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.GetHeader("Authorization") == "" {
			c.Next()
			return
		}
		requireUser(signer, access)(c)
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

// requireManager lets only owners and admins through, by the current role
// requireUser stored: an admin removed or demoted since the token was
// minted is refused at once. Account changes check the role again inside
// their transaction, under the organization lock, so a demotion racing
// the request cannot slip through either.
func requireManager() gin.HandlerFunc {
	return func(c *gin.Context) {
		if p := principal(c); !p.HasOrg() || !p.CanManage() {
			fail(c, apperr.Forbidden("only an owner or admin of the organization may do this"))
			return
		}
		c.Next()
	}
}

// requireStaff lets only staff through, by the staff flag as stored
// (requireUser read it for a token that claims staff), not by the claim
// alone.
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
