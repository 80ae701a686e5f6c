package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/onboarding/nudge"
)

// The nudges screen: the reminder rules, pausing and resuming them, a
// form for a new one, and each one's effect against its holdout.

type nudgesPage struct {
	frame
	Rules []nudge.Rule
}

func (c *console) nudges(ctx *gin.Context) {
	rules, err := c.Nudges.Rules(ctx.Request.Context())
	if err != nil {
		c.site.Failed(ctx, err)
		return
	}
	c.render(ctx, http.StatusOK, "nudges.html", nudgesPage{frame: frame{Nav: "nudges", Notice: notice(ctx)}, Rules: rules})
}

// nudgeForm is the new-nudge form as posted.
type nudgeForm struct {
	frame
	Key, Trigger, Step  string
	AfterDays, MaxSends string
	EveryDays, Holdout  string
	Roles               roleSet
	Enabled             bool
	ENSubject, ENText   string
	FRSubject, FRText   string
	Errors              fieldErrors
}

// Triggers are the ones the form offers, in its order.
func (nudgeForm) Triggers() []string {
	return []string{nudge.InvitationPending, nudge.MemberStepPending, nudge.OrganizationStepPending, nudge.TrialEnding}
}

var nudgeFields = map[string]fieldText{
	"key":                  {"key", "nudges.err.key"},
	"trigger":              {"trigger", "nudges.err.trigger"},
	"trigger.type":         {"trigger", "nudges.err.trigger"},
	"trigger.step":         {"step", "nudges.err.step"},
	"trigger.after_days":   {"after_days", "nudges.err.after_days"},
	"audience.roles":       {"roles", "nudges.err.roles"},
	"max_sends":            {"max_sends", "nudges.err.max_sends"},
	"every_days":           {"every_days", "nudges.err.every_days"},
	"holdout_percent":      {"holdout", "nudges.err.holdout"},
	"templates.en":         {"en_subject", "nudges.err.template"},
	"templates.en.subject": {"en_subject", "nudges.err.template"},
	"templates.en.text":    {"en_text", "nudges.err.template"},
	"templates.fr":         {"fr_subject", "nudges.err.template"},
	"templates.fr.subject": {"fr_subject", "nudges.err.template"},
	"templates.fr.text":    {"fr_text", "nudges.err.template"},
}

func (c *console) newNudge(ctx *gin.Context) {
	c.render(ctx, http.StatusOK, "nudge.html", nudgeForm{frame: frame{Nav: "nudges"},
		AfterDays: "3", MaxSends: "2", EveryDays: "4", Holdout: "10"})
}

// number reads a whole number; anything else is -1, which every bound
// of a rule refuses with the field's own message.
func number(s string) *int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		n = -1
	}
	return &n
}

func (c *console) createNudge(ctx *gin.Context) {
	f := nudgeForm{frame: frame{Nav: "nudges"},
		Key: strings.TrimSpace(ctx.PostForm("key")), Trigger: ctx.PostForm("trigger"), Step: strings.TrimSpace(ctx.PostForm("step")),
		AfterDays: ctx.PostForm("after_days"), MaxSends: ctx.PostForm("max_sends"), EveryDays: ctx.PostForm("every_days"),
		Holdout: ctx.PostForm("holdout"), Roles: ctx.PostFormArray("roles"), Enabled: ctx.PostForm("enabled") == "on",
		ENSubject: ctx.PostForm("en_subject"), ENText: ctx.PostForm("en_text"), FRSubject: ctx.PostForm("fr_subject"), FRText: ctx.PostForm("fr_text")}
	templates := nudge.Templates{"en": {Subject: f.ENSubject, Text: f.ENText}}
	if f.FRSubject != "" || f.FRText != "" {
		templates["fr"] = nudge.Template{Subject: f.FRSubject, Text: f.FRText}
	}
	roles := f.Roles
	if roles == nil {
		roles = []string{}
	}
	_, err := c.Nudges.CreateRule(ctx.Request.Context(), staff(ctx).UserID, nudge.RuleInput{
		Key: f.Key, Trigger: &nudge.Trigger{Type: f.Trigger, Step: f.Step, AfterDays: *number(f.AfterDays)},
		Audience: &nudge.Audience{Roles: roles}, MaxSends: number(f.MaxSends), EveryDays: number(f.EveryDays),
		HoldoutPercent: number(f.Holdout), Enabled: &f.Enabled, Templates: templates})
	if err == nil {
		ctx.Redirect(http.StatusSeeOther, "/console/nudges?done=nudge")
		return
	}
	fields, refusal, ok := c.userError(ctx, err, nudgeFields)
	if !ok {
		c.site.Failed(ctx, err)
		return
	}
	f.Errors, f.Error = fields, refusal
	c.render(ctx, http.StatusUnprocessableEntity, "nudge.html", f)
}

// setNudgeEnabled pauses or resumes a rule.
func (c *console) setNudgeEnabled(ctx *gin.Context) {
	enabled := ctx.PostForm("enabled") == "true"
	_, err := c.Nudges.UpdateRule(ctx.Request.Context(), staff(ctx).UserID, ctx.Param("key"), nudge.RulePatch{Enabled: &enabled})
	if err != nil {
		c.refusedNudge(ctx, http.StatusConflict, err)
		return
	}
	ctx.Redirect(http.StatusSeeOther, "/console/nudges?done=nudge")
}

type effectPage struct {
	frame
	Rule   nudge.Rule
	Range  dateRange
	Effect *nudge.Effect
	Chart  *barChart
	Uplift string // in percentage points, signed
}

func (c *console) nudgeEffect(ctx *gin.Context) {
	rule, err := c.Nudges.Rule(ctx.Request.Context(), ctx.Param("key"))
	if err != nil {
		c.refusedNudge(ctx, http.StatusNotFound, err)
		return
	}
	page := effectPage{frame: frame{Nav: "nudges"}, Rule: rule, Range: c.readRange(ctx)}
	status := http.StatusOK
	if page.Range.ok() {
		e, err := c.Nudges.Effect(ctx.Request.Context(), rule.Key, page.Range.FromTime, page.Range.ToTime)
		switch fields, _, ok := c.userError(ctx, err, rangeFields); {
		case err == nil:
			page.Effect = &e
			page.Chart = c.effectChart(ctx, e)
			if e.Uplift != nil {
				page.Uplift = c.points(ctx, *e.Uplift)
			}
		case ok && fields != nil:
			page.Range.Errors, status = fields, http.StatusUnprocessableEntity
		default:
			c.site.Failed(ctx, err)
			return
		}
	} else {
		status = http.StatusUnprocessableEntity
	}
	c.render(ctx, status, "effect.html", page)
}

// refusedNudge shows the rules with why a change or a read was refused.
func (c *console) refusedNudge(ctx *gin.Context, status int, err error) {
	_, refusal, ok := c.userError(ctx, err, nil)
	if !ok || refusal == "" {
		c.site.Failed(ctx, err)
		return
	}
	rules, err := c.Nudges.Rules(ctx.Request.Context())
	if err != nil {
		c.site.Failed(ctx, err)
		return
	}
	c.render(ctx, status, "nudges.html", nudgesPage{frame: frame{Nav: "nudges", Error: refusal}, Rules: rules})
}
