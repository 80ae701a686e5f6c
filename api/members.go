package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
)

func (h accountHandlers) listMembers(c *gin.Context) {
	p, err := pageParams(c)
	if err != nil {
		fail(c, err)
		return
	}
	members, next, err := h.svc.ListMembers(c.Request.Context(), principal(c).OrgID, p.Limit, p.Cursor)
	if err != nil {
		fail(c, err)
		return
	}
	items := make([]memberBody, 0, len(members))
	for _, m := range members {
		items = append(items, newMemberBody(m))
	}
	respond(c, http.StatusOK, newList(items, next))
}

type changeRoleRequest struct {
	Role string `json:"role"`
}

func (h accountHandlers) changeRole(c *gin.Context) {
	userID, ok := pathID(c, "user_id", "member")
	if !ok {
		return
	}
	var req changeRoleRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, err)
		return
	}
	m, err := h.svc.ChangeRole(c.Request.Context(), principal(c), userID, req.Role)
	if err != nil {
		fail(c, err)
		return
	}
	respond(c, http.StatusOK, newMemberBody(m))
}

func (h accountHandlers) removeMember(c *gin.Context) {
	userID, ok := pathID(c, "user_id", "member")
	if !ok {
		return
	}
	if err := h.svc.RemoveMember(c.Request.Context(), principal(c), userID); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// pathID reads a UUID path parameter; anything else names no object: 404.
func pathID(c *gin.Context, param, what string) (uuid.UUID, bool) {
	id, err := uuid.Parse(c.Param(param))
	if err != nil {
		fail(c, apperr.NotFound(what))
		return uuid.Nil, false
	}
	return id, true
}
