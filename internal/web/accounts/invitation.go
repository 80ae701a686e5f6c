package accounts

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/web/page"
)

// invitationPage is the form of an invitee who joins as a new user.
type invitationPage struct {
	account.InvitationPreview
	FullName  string
	Errors    fieldErrors
	Problem   string
	MinLength int
	MaxLength int
}

func (p *pages) invitationForm(c *gin.Context) {
	preview, err := p.accounts.PreviewInvitation(c.Request.Context(), c.Query("token"))
	switch {
	case badToken(err):
		p.deadLink(c, "link.invitation.dead")
	case err != nil:
		p.site.Failed(c, err)
	default:
		p.renderInvitation(c, http.StatusOK, invitationPage{InvitationPreview: preview}, nil)
	}
}

func (p *pages) renderInvitation(c *gin.Context, status int, view invitationPage, errs fieldErrors) {
	view.Errors, view.MinLength, view.MaxLength = errs, account.MinPasswordLen, account.MaxPasswordLen
	view.Problem = p.problem(c, errs)
	p.views.Render(c, status, "invitation.html", view)
}

// acceptInvitation makes the invitee a member, in the language they read
// the page in.
func (p *pages) acceptInvitation(c *gin.Context) {
	ctx, token := c.Request.Context(), c.Query("token")
	preview, err := p.accounts.PreviewInvitation(ctx, token)
	if err == nil {
		lang := string(page.Language(c))
		_, err = p.accounts.AcceptInvitation(ctx, account.AcceptInput{Token: token, FullName: c.PostForm("full_name"),
			Password: c.PostForm("password"), Locale: &lang})
	}
	view := invitationPage{InvitationPreview: preview, FullName: c.PostForm("full_name")}
	errs := fieldErrors{}
	switch {
	case badToken(err):
		p.deadLink(c, "link.invitation.dead")
	case p.fromDomain(c, errs, err, nil):
		p.renderInvitation(c, http.StatusUnprocessableEntity, view, errs)
	case apperr.HasReason(err, "email_taken"), apperr.HasReason(err, "already_member"), apperr.HasReason(err, "seats_exhausted"):
		// The invitee cannot fix these here: the page says who can.
		e, _ := apperr.As(err)
		p.renderInvitation(c, http.StatusConflict, view, fieldErrors{"": p.views.Text(c, "invitation."+e.Reason)})
	case err != nil:
		p.site.Failed(c, err)
	default:
		p.renderDone(c, done{Outcome: "invitation_accepted", Title: "invitation.done.title", Text: "invitation.done.text", Next: "invitation.done.next",
			Arg: preview.OrganizationName})
	}
}
