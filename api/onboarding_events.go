package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apikeys"
	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/onboarding"
)

const ctxAPIKey = "onramp.api_key"

// eventHandlers take product events from members' clients and from the
// product's backend (server keys).
type eventHandlers struct {
	svc  *onboarding.Service
	keys *apikeys.Service
}

// withServerKey authenticates a server key sent as the bearer credential
// (onr_sk_…), which must hold scope, and lets any other credential through
// untouched for unlessServerKey(requireUser(…)) to check. A key is looked
// up on every request, so a revoked one is refused at once.
func withServerKey(keys *apikeys.Service, scope string) gin.HandlerFunc {
	return func(c *gin.Context) {
		scheme, credential, _ := strings.Cut(c.GetHeader("Authorization"), " ")
		credential = strings.TrimSpace(credential)
		if !strings.EqualFold(scheme, "Bearer") || !apikeys.IsKey(credential) {
			return
		}
		key, err := keys.Authenticate(c.Request.Context(), credential, scope)
		if apperr.Is(err, apperr.CodeUnauthorized) {
			unauthorized(c, err)
			return
		}
		if err != nil {
			fail(c, err)
			return
		}
		c.Set(ctxAPIKey, key)
	}
}

// unlessServerKey runs h (a member's checks) only for a request that
// withServerKey did not authenticate as a server key.
func unlessServerKey(h gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, ok := c.Get(ctxAPIKey); !ok {
			h(c)
		}
	}
}

func (h eventHandlers) post(c *gin.Context) {
	events, err := decodeEvents(c)
	if err != nil {
		fail(c, err)
		return
	}
	var res onboarding.IngestResult
	if key, ok := c.Get(ctxAPIKey); ok {
		if err := h.keys.Take(c.Request.Context(), key.(apikeys.Key).ID, len(events)); err != nil {
			fail(c, err)
			return
		}
		res, err = h.svc.IngestForMembers(c.Request.Context(), events)
	} else {
		res, err = h.svc.Ingest(c.Request.Context(), onboardingCaller(c), events)
	}
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusAccepted, res)
}
