package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apperr"
)

// The unsubscribe link of an optional email (its List-Unsubscribe header).
// A mail provider's one-click button POSTs to it (RFC 8058) and reads the
// JSON answer; a person who opens it gets a page that asks before
// anything changes (link scanners and previews GET links too), whose form
// POSTs back and gets a page again. No sign-in: the signed token is the
// proof.

// unsubscribePagePolicy lets the page post its form back here only.
var unsubscribePagePolicy = linkPagePolicy("'self'")

// unsubscribePages are what the page says: asking, done, or the link is
// broken. Onboarding tips are the only category yet.
var unsubscribePages = map[string]struct{ ask, done, invalid pageWording }{
	"en": {
		ask: pageWording{
			Heading: "Unsubscribe from onboarding tips",
			Text:    "Onramp sends you an occasional email with tips for getting started. Press the button and they stop.",
			Button:  "Unsubscribe",
			Note:    "Emails about your account (sign-in, password, invitations, billing) keep coming.",
		},
		done: pageWording{
			Heading: "You are unsubscribed",
			Text:    "You will not receive onboarding tips from Onramp any more. You can turn them back on in your account’s notification preferences.",
		},
		invalid: pageWording{
			Heading: "This link does not work",
			Text:    "The unsubscribe link is incomplete or damaged. Open it again from the email, or change your notification preferences in your account.",
		},
	},
	"fr": {
		ask: pageWording{
			Heading: "Ne plus recevoir les conseils de prise en main",
			Text:    "Onramp vous envoie de temps en temps un e-mail de conseils pour bien démarrer. Appuyez sur le bouton pour ne plus les recevoir.",
			Button:  "Me désabonner",
			Note:    "Les e-mails liés à votre compte (connexion, mot de passe, invitations, facturation) continueront de vous parvenir.",
		},
		done: pageWording{
			Heading: "Désabonnement confirmé",
			Text:    "Vous ne recevrez plus de conseils de prise en main d’Onramp. Vous pouvez les réactiver dans les préférences de notification de votre compte.",
		},
		invalid: pageWording{
			Heading: "Ce lien ne fonctionne pas",
			Text:    "Le lien de désabonnement est incomplet ou abîmé. Ouvrez-le de nouveau depuis l’e-mail, ou modifiez vos préférences de notification dans votre compte.",
		},
	},
}

type unsubscribeBody struct {
	Category   string `json:"category"`
	Subscribed bool   `json:"subscribed"`
}

// askToUnsubscribe shows what the link will do and a button; it changes
// nothing.
func (h accountHandlers) askToUnsubscribe(c *gin.Context) {
	token := c.Query("token")
	if _, err := h.svc.UnsubscribeCategory(token); err != nil {
		unsubscribeFailed(c, err, true)
		return
	}
	writeUnsubscribePage(c, http.StatusOK, unsubscribePages[pageLanguage(c)].ask, token)
}

// unsubscribe opts out at once. The body is ignored: RFC 8058's
// "List-Unsubscribe=One-Click" or the page's empty form. A browser (its
// Accept prefers HTML) gets a page, anything else JSON.
func (h accountHandlers) unsubscribe(c *gin.Context) {
	page := c.NegotiateFormat(gin.MIMEJSON, gin.MIMEHTML) == gin.MIMEHTML
	category, err := h.svc.Unsubscribe(c.Request.Context(), c.Query("token"))
	if err != nil {
		unsubscribeFailed(c, err, page)
		return
	}
	if page {
		writeUnsubscribePage(c, http.StatusOK, unsubscribePages[pageLanguage(c)].done, "")
		return
	}
	keepTokenPrivate(c)
	respond(c, http.StatusOK, unsubscribeBody{Category: string(category), Subscribed: false})
}

// unsubscribeFailed answers a bad token with the page saying so (to a
// browser) or a 422 problem, and anything else as every handler does.
func unsubscribeFailed(c *gin.Context, err error, page bool) {
	keepTokenPrivate(c)
	if page && apperr.Is(err, apperr.CodeInvalid) {
		writeUnsubscribePage(c, http.StatusUnprocessableEntity, unsubscribePages[pageLanguage(c)].invalid, "")
		return
	}
	fail(c, err)
}

func writeUnsubscribePage(c *gin.Context, status int, w pageWording, token string) {
	writeLinkPage(c, status, w, token, unsubscribePagePolicy)
}
