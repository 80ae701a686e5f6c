package accounts

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/apperr"
)

// The pages of emailed links: verify an address, set a new password. The
// GET shows a form and changes nothing; the POST uses the token, which
// stays in the page's address (the form posts back to it) and is never
// written anywhere else.

// badToken reports the domain's answer to a token it cannot use.
func badToken(err error) bool {
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.CodeInvalid {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == "token" {
			return true
		}
	}
	return false
}

// showLink answers the GET of an emailed link: its form while its token
// (of purpose) can be used, else why it cannot (deadText).
func (p *pages) showLink(c *gin.Context, purpose, deadText string, form func()) {
	err := p.accounts.CheckEmailToken(c.Request.Context(), c.Query("token"), purpose)
	switch {
	case badToken(err):
		p.deadLink(c, deadText)
	case err != nil:
		p.site.Failed(c, err)
	default:
		form()
	}
}

func (p *pages) verifyForm(c *gin.Context) {
	p.showLink(c, account.PurposeVerifyEmail, "link.verify.dead", func() { p.views.Render(c, http.StatusOK, "verify.html", nil) })
}

// verify confirms the address. Once confirmed, with APP_URL set the
// person is sent there (303, ?onramp=email_verified) for the app to say
// in its own words that it worked; without it, this service's page says
// so and that signing in to the app comes next (renderDone).
func (p *pages) verify(c *gin.Context) {
	err := p.accounts.VerifyEmail(c.Request.Context(), c.Query("token"))
	switch {
	case badToken(err):
		p.deadLink(c, "link.verify.dead")
	case err != nil:
		p.site.Failed(c, err)
	default:
		p.renderDone(c, done{Outcome: "email_verified", Title: "verify.done.title", Text: "verify.done.text", Next: "verify.done.next"})
	}
}

// resetPage is the new-password form.
type resetPage struct {
	Errors    fieldErrors
	Problem   string
	MinLength int
	MaxLength int
}

func (p *pages) resetForm(c *gin.Context) {
	p.showLink(c, account.PurposePasswordReset, "link.reset.dead", func() { p.renderReset(c, http.StatusOK, nil) })
}

func (p *pages) renderReset(c *gin.Context, status int, errs fieldErrors) {
	view := resetPage{Errors: errs, MinLength: account.MinPasswordLen, MaxLength: account.MaxPasswordLen}
	view.Problem = p.problem(c, errs)
	p.views.Render(c, status, "reset.html", view)
}

// resetPassword sets the new password; the confirmation must match, so a
// typo does not lock the person out.
func (p *pages) resetPassword(c *gin.Context) {
	password, confirm := c.PostForm("password"), c.PostForm("password_confirm")
	errs := fieldErrors{}
	if password != confirm {
		errs.add("password_confirm", p.views.Text(c, "field.password_mismatch"))
	}
	var err error
	if len(errs) == 0 {
		err = p.accounts.ResetPassword(c.Request.Context(), c.Query("token"), password)
	} else {
		p.fromDomain(c, errs, account.PasswordError("password", password), nil)
	}
	switch {
	case badToken(err):
		p.deadLink(c, "link.reset.dead")
	case p.fromDomain(c, errs, err, map[string]string{"new_password": "password"}), len(errs) > 0:
		p.renderReset(c, http.StatusUnprocessableEntity, errs)
	case err != nil:
		p.site.Failed(c, err)
	default:
		p.renderDone(c, done{Outcome: "password_reset", Title: "reset.done.title", Text: "reset.done.text", Next: "reset.done.next"})
	}
}
