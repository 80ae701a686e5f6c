package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/account"
)

type membershipBody struct {
	OrganizationID   uuid.UUID `json:"organization_id"`
	OrganizationName string    `json:"organization_name"`
	Role             string    `json:"role"`
}

type meBody struct {
	User         userBody          `json:"user"`
	Organization *organizationBody `json:"organization"`
	Role         *string           `json:"role"`
	Memberships  []membershipBody  `json:"memberships"`
}

func (h accountHandlers) me(c *gin.Context) {
	me, err := h.svc.Me(c.Request.Context(), principal(c))
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, newMeBody(me))
}

func newMeBody(me account.Me) meBody {
	body := meBody{User: newUserBody(me.User), Organization: newOrganizationBody(me.Organization), Role: nonEmpty(me.Role),
		Memberships: make([]membershipBody, 0, len(me.Memberships))}
	for _, m := range me.Memberships {
		body.Memberships = append(body.Memberships, membershipBody(m))
	}
	return body
}

func (h accountHandlers) getOrganization(c *gin.Context) {
	org, err := h.svc.Organization(c.Request.Context(), principal(c).OrgID)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, newOrganizationBody(&org))
}

type renameOrganizationRequest struct {
	Name string `json:"name"`
}

func (h accountHandlers) renameOrganization(c *gin.Context) {
	var req renameOrganizationRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	org, err := h.svc.RenameOrganization(c.Request.Context(), principal(c).OrgID, req.Name)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, newOrganizationBody(&org))
}
