package accounts

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/web/page"
)

// pendingPage says the account exists though Checkout could not open.
type pendingPage struct {
	Again  bool // the retry failed too
	AppURL string
}

// openCheckout sends the new owner to Stripe Checkout for choice, or says
// the account exists and offers to try again.
// It returns what it answered, for a second post of the signup form.
func (p *pages) openCheckout(c *gin.Context, choice retryChoice, again bool) signupOutcome {
	cs, err := p.billing.CreateCheckout(c.Request.Context(), choice.OrgID, choice.UserID, billing.CheckoutInput{
		PlanID: choice.PlanID, Seats: choice.Seats, Locale: string(page.Language(c)),
	})
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, cs.URL)
		return signupOutcome{Status: http.StatusSeeOther, Location: cs.URL}
	case apperr.HasReason(err, "subscription_exists"):
		// Paid meanwhile (another tab): nothing more to do here.
		p.retry.clear(c)
		p.renderDone(c, done{Outcome: "checkout_completed", Title: "checkout.success.title", Text: "checkout.subscribed.text", Next: "checkout.success.next"})
		return signupOutcome{Status: http.StatusOK}
	default:
		p.log.WarnContext(c.Request.Context(), "account page: Checkout could not be opened after signup",
			"organization_id", choice.OrgID, "err", err)
		page.SetPolicy(c, checkoutOrigin)
		c.Header("Retry-After", "30")
		p.views.Render(c, http.StatusServiceUnavailable, "checkout_pending.html", pendingPage{Again: again, AppURL: p.appLink()})
		return signupOutcome{Status: http.StatusServiceUnavailable}
	}
}

// retryCheckout opens Checkout again for the organization the cookie names.
func (p *pages) retryCheckout(c *gin.Context) {
	choice, ok := p.retry.get(c)
	if !ok {
		p.deadLink(c, "checkout.retry.expired")
		return
	}
	p.openCheckout(c, choice, true)
}

// checkoutSuccess is where Stripe sends the buyer once they paid (or
// started their trial). The payment is confirmed by Stripe's webhook, not
// by this visit: the page says so rather than claim it.
func (p *pages) checkoutSuccess(c *gin.Context) {
	p.retry.clear(c)
	p.renderDone(c, done{Outcome: "checkout_completed", Title: "checkout.success.title", Text: "checkout.success.text", Next: "checkout.success.next"})
}

// cancelPage is Checkout's cancel page: nothing was charged; the buyer
// already has an account.
type cancelPage struct {
	CanRetry bool
	AppURL   string
}

func (p *pages) checkoutCancel(c *gin.Context) {
	_, ok := p.retry.get(c)
	page.SetPolicy(c, checkoutOrigin)
	p.views.Render(c, http.StatusOK, "checkout_cancel.html", cancelPage{CanRetry: ok, AppURL: p.appLink()})
}
