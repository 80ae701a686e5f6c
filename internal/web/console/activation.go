package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/onboarding"
)

// The activation screen: which steps of the latest version an organization
// must complete, within how many days of signup, and for member steps
// what share of its seats must complete them.

type activationPage struct {
	frame
	Definition onboarding.Definition
	Steps      []activationStep // the latest version's steps
	WindowDays string
	Errors     fieldErrors
}

// activationStep is one step of the latest version, as the form shows it.
type activationStep struct {
	onboarding.Step
	Required bool   // an organization step the definition requires
	Share    string // a member step's threshold, in percent ("" when not one)
}

var activationFields = map[string]fieldText{
	"required_steps":         {"required", "activation.err.required"},
	"window_days":            {"window_days", "activation.err.window"},
	"member_steps":           {"shares", "activation.err.shares"},
	"member_steps.key":       {"shares", "activation.err.shares"},
	"member_steps.min_share": {"shares", "activation.err.shares"},
}

func (c *console) activation(ctx *gin.Context) {
	def, err := c.Onboarding.Activation(ctx.Request.Context())
	if err != nil {
		c.site.Failed(ctx, err)
		return
	}
	page := activationPage{frame: frame{Nav: "activation", Notice: notice(ctx)}, Definition: def, WindowDays: strconv.Itoa(def.WindowDays)}
	shares := map[string]string{}
	for _, m := range def.MemberSteps {
		shares[m.Key] = strconv.FormatFloat(m.MinShare*100, 'f', -1, 64)
	}
	c.renderActivation(ctx, http.StatusOK, page, def.RequiredSteps, shares)
}

func (c *console) renderActivation(ctx *gin.Context, status int, page activationPage, required []string, shares map[string]string) {
	latest, err := c.latestVersion(ctx)
	if err != nil {
		c.site.Failed(ctx, err)
		return
	}
	if latest != nil {
		for _, s := range latest.Steps {
			page.Steps = append(page.Steps, activationStep{Step: s, Required: slices.Contains(required, s.Key), Share: shares[s.Key]})
		}
	}
	c.render(ctx, status, "activation.html", page)
}

// setActivation replaces the definition. A share that is not a number is
// passed on as -1, which the service refuses.
func (c *console) setActivation(ctx *gin.Context) {
	in := onboarding.DefinitionInput{RequiredSteps: ctx.PostFormArray("required"), MemberSteps: []onboarding.MemberStep{}}
	window := strings.TrimSpace(ctx.PostForm("window_days"))
	in.WindowDays = *number(window)
	shares := map[string]string{}
	for _, key := range ctx.PostFormArray("member_step") {
		share := strings.TrimSpace(ctx.PostForm("share_" + key))
		if share == "" {
			continue
		}
		shares[key] = share
		pct, err := strconv.ParseFloat(strings.Replace(share, ",", ".", 1), 64)
		if err != nil {
			pct = -100
		}
		in.MemberSteps = append(in.MemberSteps, onboarding.MemberStep{Key: key, MinShare: pct / 100})
	}
	if in.RequiredSteps == nil {
		in.RequiredSteps = []string{}
	}
	_, err := c.Onboarding.SetActivation(ctx.Request.Context(), staff(ctx).UserID, in)
	if err == nil {
		ctx.Redirect(http.StatusSeeOther, "/console/activation?done=activation")
		return
	}
	fields, refusal, ok := c.userError(ctx, err, activationFields)
	if !ok {
		c.site.Failed(ctx, err)
		return
	}
	page := activationPage{frame: frame{Nav: "activation", Error: refusal}, WindowDays: window, Errors: fields}
	if page.Definition, err = c.Onboarding.Activation(ctx.Request.Context()); err != nil {
		c.site.Failed(ctx, err)
		return
	}
	c.renderActivation(ctx, http.StatusUnprocessableEntity, page, in.RequiredSteps, shares)
}
