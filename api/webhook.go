package api

import (
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apperr"
)

// stripeWebhook receives Stripe's deliveries. The signature covers the raw
// bytes, so the body is read whole (withBodyLimit caps it at 1 MiB) and
// handed over untouched; 200 means the event is durably recorded.
func (h billingHandlers) stripeWebhook(c *gin.Context) {
	payload, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			fail(c, tooLarge())
			return
		}
		fail(c, apperr.Malformed("could not read the request body"))
		return
	}
	outcome, err := h.svc.HandleWebhook(c.Request.Context(), payload, c.GetHeader("Stripe-Signature"))
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, gin.H{"received": true, "outcome": outcome})
}
