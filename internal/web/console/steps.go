package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/onboarding"
)

// The checklist screen: the draft, in order, beside the latest published
// version; a step's form; reordering, deleting and publishing.

type stepsPage struct {
	frame
	Draft  []onboarding.DraftStep
	Latest *onboarding.Version // nil before anything is published
}

// notices are the success messages a redirect may ask for (?done=).
var notices = map[string]string{
	"created": "notice.created", "updated": "notice.updated", "deleted": "notice.deleted", "moved": "notice.moved",
	"published": "notice.published", "activation": "notice.activation", "nudge": "notice.nudge",
}

func notice(ctx *gin.Context) string { return notices[ctx.Query("done")] }

func (c *console) steps(ctx *gin.Context) { c.renderSteps(ctx, http.StatusOK, "") }

func (c *console) renderSteps(ctx *gin.Context, status int, refusal string) {
	draft, err := c.Onboarding.DraftSteps(ctx.Request.Context())
	if err != nil {
		c.site.Failed(ctx, err)
		return
	}
	latest, err := c.latestVersion(ctx)
	if err != nil {
		c.site.Failed(ctx, err)
		return
	}
	c.render(ctx, status, "steps.html", stepsPage{frame: frame{Nav: "steps", Notice: notice(ctx), Error: refusal}, Draft: draft, Latest: latest})
}

// latestVersion is the newest published version, nil before any.
func (c *console) latestVersion(ctx *gin.Context) (*onboarding.Version, error) {
	vs, _, err := c.Onboarding.Versions(ctx.Request.Context(), 1, "")
	if err != nil || len(vs) == 0 {
		return nil, err
	}
	return vs[0], nil
}

// stepForm is the step form as posted (and shown again with its errors).
type stepForm struct {
	frame
	Editing       bool
	Key           string
	Title         string
	Description   string
	Required      bool
	Scope         string
	Completion    string
	Event         string
	Count         string
	Roles         roleSet
	Plans         string
	FRTitle       string
	FRDescription string
	Errors        fieldErrors
}

func readStepForm(ctx *gin.Context) stepForm {
	return stepForm{
		frame: frame{Nav: "steps"},
		Key:   strings.TrimSpace(ctx.PostForm("key")), Title: strings.TrimSpace(ctx.PostForm("title")),
		Description: strings.TrimSpace(ctx.PostForm("description")), Required: ctx.PostForm("required") == "on",
		Scope: ctx.PostForm("scope"), Completion: ctx.PostForm("completion"), Event: strings.TrimSpace(ctx.PostForm("event")),
		Count: strings.TrimSpace(ctx.PostForm("count")), Roles: ctx.PostFormArray("roles"), Plans: strings.TrimSpace(ctx.PostForm("plans")),
		FRTitle: strings.TrimSpace(ctx.PostForm("fr_title")), FRDescription: strings.TrimSpace(ctx.PostForm("fr_description")),
	}
}

func formOfStep(s onboarding.Step) stepForm {
	f := stepForm{frame: frame{Nav: "steps"}, Editing: true, Key: s.Key, Title: s.Title, Description: s.Description,
		Required: s.Required, Scope: s.Scope, Completion: s.Completion.Type, Event: s.Completion.Event,
		Roles: s.Audience.Roles, Plans: strings.Join(s.Audience.Plans, ", ")}
	if s.Completion.Type == onboarding.CompletionEvent {
		f.Count = strconv.Itoa(s.Completion.Count)
	}
	if fr, ok := s.Translations["fr"]; ok {
		f.FRTitle, f.FRDescription = fr.Title, fr.Description
	}
	return f
}

// completion is what the form says completes the step. A count that is
// not a number is passed on as -1, which the service refuses with the
// count's own message.
func (f stepForm) completion() onboarding.Completion {
	if f.Completion != onboarding.CompletionEvent {
		return onboarding.Completion{Type: f.Completion}
	}
	n := 1
	if f.Count != "" {
		var err error
		if n, err = strconv.Atoi(f.Count); err != nil {
			n = -1
		}
	}
	return onboarding.Completion{Type: f.Completion, Event: f.Event, Count: n}
}

func (f stepForm) audience() onboarding.Audience {
	a := onboarding.Audience{Roles: f.Roles, Plans: []string{}}
	for _, p := range strings.Split(f.Plans, ",") {
		if p = strings.TrimSpace(p); p != "" {
			a.Plans = append(a.Plans, p)
		}
	}
	return a
}

// translations: a French title or description makes a translation; none
// removes it.
func (f stepForm) translations() onboarding.Translations {
	if f.FRTitle == "" && f.FRDescription == "" {
		return onboarding.Translations{}
	}
	return onboarding.Translations{"fr": {Title: f.FRTitle, Description: f.FRDescription}}
}

var stepFields = map[string]fieldText{
	"key":                         {"key", "steps.err.key"},
	"title":                       {"title", "steps.err.title"},
	"description":                 {"description", "steps.err.description"},
	"scope":                       {"scope", "steps.err.scope"},
	"audience.roles":              {"roles", "steps.err.roles"},
	"audience.plans":              {"plans", "steps.err.plans"},
	"completion.type":             {"completion", "steps.err.completion"},
	"completion.event":            {"event", "steps.err.event"},
	"completion.count":            {"count", "steps.err.count"},
	"translations.fr.title":       {"fr_title", "steps.err.fr_title"},
	"translations.fr.description": {"fr_description", "steps.err.fr_description"},
}

func (c *console) newStep(ctx *gin.Context) {
	c.render(ctx, http.StatusOK, "step.html", stepForm{frame: frame{Nav: "steps"}, Scope: onboarding.ScopeOrganization, Completion: onboarding.CompletionManual})
}

func (c *console) createStep(ctx *gin.Context) {
	f := readStepForm(ctx)
	_, err := c.Onboarding.CreateStep(ctx.Request.Context(), staff(ctx).UserID, onboarding.StepInput{
		Key: f.Key, Title: f.Title, Description: f.Description, Required: f.Required, Scope: f.Scope,
		Audience: f.audience(), Completion: f.completion(), Translations: f.translations()})
	c.afterStepWrite(ctx, f, err, "created")
}

func (c *console) editStep(ctx *gin.Context) {
	draft, err := c.Onboarding.DraftSteps(ctx.Request.Context())
	if err != nil {
		c.site.Failed(ctx, err)
		return
	}
	for _, d := range draft {
		if d.Key == ctx.Param("key") {
			c.render(ctx, http.StatusOK, "step.html", formOfStep(d.Step))
			return
		}
	}
	c.renderSteps(ctx, http.StatusNotFound, "conflict.not_found")
}

func (c *console) updateStep(ctx *gin.Context) {
	f := readStepForm(ctx)
	f.Key, f.Editing = ctx.Param("key"), true
	scope, completion, audience, translations := f.Scope, f.completion(), f.audience(), f.translations()
	_, err := c.Onboarding.UpdateStep(ctx.Request.Context(), staff(ctx).UserID, f.Key, onboarding.StepPatch{
		Title: &f.Title, Description: &f.Description, Required: &f.Required, Scope: &scope,
		Audience: &audience, Completion: &completion, Translations: &translations})
	c.afterStepWrite(ctx, f, err, "updated")
}

// afterStepWrite shows the form again with what is wrong, or goes back to
// the checklist.
func (c *console) afterStepWrite(ctx *gin.Context, f stepForm, err error, done string) {
	if err == nil {
		ctx.Redirect(http.StatusSeeOther, "/console/?done="+done)
		return
	}
	fields, refusal, ok := c.userError(ctx, err, stepFields)
	if !ok {
		c.site.Failed(ctx, err)
		return
	}
	f.Errors, f.Error = fields, refusal
	status := http.StatusUnprocessableEntity
	if refusal != "" {
		status = http.StatusConflict
	}
	c.render(ctx, status, "step.html", f)
}

// moveStep swaps a step with the one above or below it.
func (c *console) moveStep(ctx *gin.Context) {
	draft, err := c.Onboarding.DraftSteps(ctx.Request.Context())
	if err != nil {
		c.site.Failed(ctx, err)
		return
	}
	keys := make([]string, len(draft))
	at := -1
	for i, d := range draft {
		keys[i] = d.Key
		if d.Key == ctx.Param("key") {
			at = i
		}
	}
	to := at + 1
	if ctx.PostForm("direction") == "up" {
		to = at - 1
	}
	if at < 0 || to < 0 || to >= len(keys) {
		ctx.Redirect(http.StatusSeeOther, "/console/")
		return
	}
	keys[at], keys[to] = keys[to], keys[at]
	if _, err := c.Onboarding.ReorderSteps(ctx.Request.Context(), staff(ctx).UserID, keys); err != nil {
		c.refused(ctx, err)
		return
	}
	ctx.Redirect(http.StatusSeeOther, "/console/?done=moved")
}

func (c *console) deleteStep(ctx *gin.Context) {
	if err := c.Onboarding.DeleteStep(ctx.Request.Context(), staff(ctx).UserID, ctx.Param("key")); err != nil {
		c.refused(ctx, err)
		return
	}
	ctx.Redirect(http.StatusSeeOther, "/console/?done=deleted")
}

func (c *console) publish(ctx *gin.Context) {
	if _, err := c.Onboarding.Publish(ctx.Request.Context(), staff(ctx).UserID); err != nil {
		c.refused(ctx, err)
		return
	}
	ctx.Redirect(http.StatusSeeOther, "/console/?done=published")
}

// refused shows the checklist with why a change was refused (a step
// reordered or deleted meanwhile, nothing to publish...).
func (c *console) refused(ctx *gin.Context, err error) {
	_, refusal, ok := c.userError(ctx, err, nil)
	if !ok || refusal == "" {
		c.site.Failed(ctx, err)
		return
	}
	c.renderSteps(ctx, http.StatusConflict, refusal)
}
