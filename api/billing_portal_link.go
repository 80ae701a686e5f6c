package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apperr"
)

// The portal link of billing emails (trial ending, payment failed):
// GET shows a button, POST opens a billing portal session for the
// recipient and redirects there. No sign-in: the signed token names the
// person, and billing checks they still are an owner or admin.

// portalLinkPolicy lets the page's form post back here, and its answer
// redirect to Stripe's billing portal.
var portalLinkPolicy = linkPagePolicy("'self' https://billing.stripe.com")

var portalLinkPages = map[string]struct{ ask, invalid, forbidden, unavailable pageWording }{
	"en": {
		ask: pageWording{
			Heading: "Open your billing portal",
			Text:    "Manage your organization’s Onramp subscription in the billing portal: payment method, billing details and invoices.",
			Button:  "Open the billing portal",
			Note:    "The billing portal is run by Stripe, our payment provider.",
		},
		invalid: pageWording{
			Heading: "This link does not work",
			Text:    "The link is incomplete, damaged or expired: links in billing emails work for 7 days. Sign in to Onramp to open the billing portal from your account.",
		},
		forbidden: pageWording{
			Heading: "You no longer manage this organization’s billing",
			Text:    "Only the organization’s owners and admins can open its billing portal. Ask one of them if something needs to change.",
		},
		unavailable: pageWording{
			Heading: "The billing portal cannot open right now",
			Text:    "Please try again in a few minutes. If it still fails, open the billing portal from your account.",
		},
	},
	"fr": {
		ask: pageWording{
			Heading: "Ouvrir votre espace de facturation",
			Text:    "Gérez l’abonnement Onramp de votre organisation dans l’espace de facturation\u00a0: moyen de paiement, coordonnées de facturation et factures.",
			Button:  "Ouvrir l’espace de facturation",
			Note:    "L’espace de facturation est géré par Stripe, notre prestataire de paiement.",
		},
		invalid: pageWording{
			Heading: "Ce lien ne fonctionne pas",
			Text:    "Le lien est incomplet, abîmé ou expiré\u00a0: les liens des e-mails de facturation sont valables 7\u00a0jours. Connectez-vous à Onramp pour ouvrir l’espace de facturation depuis votre compte.",
		},
		forbidden: pageWording{
			Heading: "Vous ne gérez plus la facturation de cette organisation",
			Text:    "Seuls les propriétaires et les administrateurs de l’organisation peuvent ouvrir son espace de facturation. Adressez-vous à l’un d’eux si quelque chose doit changer.",
		},
		unavailable: pageWording{
			Heading: "L’espace de facturation ne peut pas s’ouvrir pour le moment",
			Text:    "Merci de réessayer dans quelques minutes. Si le problème persiste, ouvrez l’espace de facturation depuis votre compte.",
		},
	},
}

// askToOpenPortal shows what the link does and a button; it calls nobody.
func (h billingHandlers) askToOpenPortal(c *gin.Context) {
	token := c.Query("token")
	if err := h.svc.CheckPortalLink(token); err != nil {
		portalLinkFailed(c, err)
		return
	}
	writeLinkPage(c, http.StatusOK, portalLinkPages[pageLanguage(c)].ask, token, portalLinkPolicy)
}

// openPortalFromLink opens a portal session and sends the browser there.
func (h billingHandlers) openPortalFromLink(c *gin.Context) {
	url, err := h.svc.OpenPortalFromLink(c.Request.Context(), c.Query("token"))
	if err != nil {
		portalLinkFailed(c, err)
		return
	}
	keepTokenPrivate(c)
	c.Redirect(http.StatusSeeOther, url)
}

// portalLinkFailed answers with the page saying why, for what a person
// can act on, and as every handler does otherwise.
func portalLinkFailed(c *gin.Context, err error) {
	pages := portalLinkPages[pageLanguage(c)]
	e, ok := apperr.As(err)
	switch {
	case ok && e.Code == apperr.CodeInvalid:
		writeLinkPage(c, http.StatusUnprocessableEntity, pages.invalid, "", portalLinkPolicy)
	case ok && e.Code == apperr.CodeForbidden:
		writeLinkPage(c, http.StatusForbidden, pages.forbidden, "", portalLinkPolicy)
	case ok && (e.Code == apperr.CodeUnavailable || e.Code == apperr.CodeConflict):
		// No customer yet (409) cannot happen for a link that a billing
		// event of the customer made, short of a deleted one: either way,
		// the account is where to go next.
		writeLinkPage(c, http.StatusServiceUnavailable, pages.unavailable, "", portalLinkPolicy)
	default:
		keepTokenPrivate(c)
		fail(c, err)
	}
}
