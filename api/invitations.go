package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/account"
)

type inviteRequest struct {
	Email  string  `json:"email"`
	Role   string  `json:"role"`
	Locale *string `json:"locale"`
}

func (h accountHandlers) invite(c *gin.Context) {
	var req inviteRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	inv, err := h.svc.Invite(c.Request.Context(), principal(c), account.InviteInput{
		Email: req.Email, Role: req.Role, Locale: req.Locale, RequestLocale: acceptedLocale(c.Request),
	})
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusCreated, newInvitationBody(inv, h.svc.Now()))
}

func (h accountHandlers) listInvitations(c *gin.Context) {
	p, err := pageParams(c)
	if err != nil {
		fail(c, err)
		return
	}
	invs, next, err := h.svc.ListInvitations(c.Request.Context(), principal(c).OrgID, p.Limit, p.Cursor)
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]invitationBody, 0, len(invs))
	for _, i := range invs {
		items = append(items, newInvitationBody(i, h.svc.Now()))
	}
	respond(c, http.StatusOK, newList(items, next))
}

func (h accountHandlers) revokeInvitation(c *gin.Context) {
	id, ok := pathID(c, "id", "invitation")
	if !ok {
		return
	}
	if err := h.svc.RevokeInvitation(c.Request.Context(), principal(c), id); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type acceptInvitationRequest struct {
	Token    string  `json:"token"`
	FullName string  `json:"full_name"`
	Password string  `json:"password"`
	Locale   *string `json:"locale"`
}

func (h accountHandlers) acceptInvitation(c *gin.Context) {
	var req acceptInvitationRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	in := account.AcceptInput{Token: req.Token, FullName: req.FullName, Password: req.Password, Locale: req.Locale}
	if p, ok := principalFrom(c); ok { // a signed-in user joins as themselves
		in.UserID = p.UserID
	}
	s, err := h.svc.AcceptInvitation(c.Request.Context(), in)
	if err != nil {
		fail(c, err)
		return
	}
	noStore(c)
	respond(c, http.StatusCreated, newSessionBody(s))
}
