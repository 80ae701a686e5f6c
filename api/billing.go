package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/internal/apperr"
)

// BillingDeps are the billing services the billing routes call.
type BillingDeps struct {
	Service *billing.Service
}

func mountBilling(v1 *gin.RouterGroup, d Deps) {
	h := billingHandlers{svc: d.Billing.Service}
	v1.GET("/plans", h.listPlans)
	v1.POST("/webhooks/stripe", h.stripeWebhook) // authenticated by its signature, not a token
	// The portal link of billing emails: its signed token is the proof.
	v1.GET("/billing/portal-link", h.askToOpenPortal)
	v1.POST("/billing/portal-link", h.openPortalFromLink)

	user := v1.Group("", requireUser(d.Signer, d.Accounts.Service), requireOrg())
	user.GET("/entitlements", h.entitlements)
	user.GET("/billing/subscription", h.getSubscription)

	mgr := v1.Group("/billing", requireUser(d.Signer, d.Accounts.Service), requireManager())
	mgr.POST("/checkout-sessions", idempotent(d.Idempotency, "checkout"), h.createCheckout)
	mgr.POST("/portal-sessions", h.createPortal)
	mgr.PATCH("/subscription", h.updateSubscription)
	mgr.GET("/invoices", h.listInvoices)
}

type billingHandlers struct{ svc *billing.Service }

func (h billingHandlers) listPlans(c *gin.Context) {
	respond(c, http.StatusOK, newList(h.svc.Plans(), ""))
}

type checkoutRequest struct {
	PlanID     string `json:"plan_id"`
	Seats      int    `json:"seats"`
	SuccessURL string `json:"success_url"`
	CancelURL  string `json:"cancel_url"`
}

func (h billingHandlers) createCheckout(c *gin.Context) {
	var req checkoutRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	p := principal(c)
	cs, err := h.svc.CreateCheckout(c.Request.Context(), p.OrgID, p.UserID, billing.CheckoutInput{
		PlanID: req.PlanID, Seats: req.Seats, SuccessURL: req.SuccessURL, CancelURL: req.CancelURL,
		RequestKey: c.GetHeader("Idempotency-Key"), Locale: p.Locale,
	})
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusCreated, cs)
}

type portalRequest struct {
	ReturnURL string `json:"return_url"`
}

func (h billingHandlers) createPortal(c *gin.Context) {
	var req portalRequest
	// The body is optional: no body means the default return URL.
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
	}
	p := principal(c)
	url, err := h.svc.CreatePortal(c.Request.Context(), p.OrgID, req.ReturnURL, p.Locale)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusCreated, gin.H{"url": url})
}

func (h billingHandlers) getSubscription(c *gin.Context) {
	sub, err := h.svc.Subscription(c.Request.Context(), principal(c).OrgID)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, sub)
}

type seatsRequest struct {
	Seats *int `json:"seats"`
}

func (h billingHandlers) updateSubscription(c *gin.Context) {
	var req seatsRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	if req.Seats == nil {
		fail(c, apperr.InvalidField("seats", "is required"))
		return
	}
	sub, err := h.svc.UpdateSeats(c.Request.Context(), principal(c).OrgID, *req.Seats)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, sub)
}

func (h billingHandlers) entitlements(c *gin.Context) {
	e, err := h.svc.Entitlements(c.Request.Context(), principal(c).OrgID)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, e)
}

func (h billingHandlers) listInvoices(c *gin.Context) {
	p, err := pageParams(c)
	if err != nil {
		fail(c, err)
		return
	}
	items, next, err := h.svc.Invoices(c.Request.Context(), principal(c).OrgID, p.Limit, p.Cursor)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, newList(items, next))
}
