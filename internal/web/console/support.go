package console

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/onboarding"
)

// The support view of a company, found by its id or its owner's email:
// organization-level facts only, as /v1/admin/organizations/{id} shows
// them (and audits every view).

type supportPage struct {
	frame
	Query   string
	View    *onboarding.SupportView
	Matches []uuid.UUID // several companies owned by the email
}

func (c *console) support(ctx *gin.Context) {
	p := supportPage{frame: frame{Nav: "support"}, Query: strings.TrimSpace(ctx.Query("q"))}
	if p.Query == "" {
		c.render(ctx, http.StatusOK, "support.html", p)
		return
	}
	ids, err := c.findOrganizations(ctx, p.Query)
	if err != nil {
		c.site.Failed(ctx, err)
		return
	}
	switch len(ids) {
	case 0:
		p.Error = "support.not_found"
		c.render(ctx, http.StatusNotFound, "support.html", p)
		return
	case 1:
	default:
		p.Matches = ids
		c.render(ctx, http.StatusOK, "support.html", p)
		return
	}
	view, err := c.Onboarding.Support(ctx.Request.Context(), staff(ctx).UserID, ids[0])
	if apperr.Is(err, apperr.CodeNotFound) {
		p.Error = "support.not_found"
		c.render(ctx, http.StatusNotFound, "support.html", p)
		return
	}
	if err != nil {
		c.site.Failed(ctx, err)
		return
	}
	p.View = &view
	c.render(ctx, http.StatusOK, "support.html", p)
}

// findOrganizations reads q as an organization id, else as the email of
// an owner.
func (c *console) findOrganizations(ctx *gin.Context, q string) ([]uuid.UUID, error) {
	if id, err := uuid.Parse(q); err == nil {
		return []uuid.UUID{id}, nil
	}
	if !strings.Contains(q, "@") {
		return nil, nil
	}
	return c.Accounts.OrganizationsOwnedBy(ctx.Request.Context(), q)
}
