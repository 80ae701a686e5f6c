package accounts

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/internal/account"
	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/web/page"
)

// checkoutOrigin is where Stripe Checkout lives. The pages whose form may
// be answered with a redirect there allow it in form-action: browsers
// check a form's redirects against the policy of the page that sent it.
const checkoutOrigin = "https://checkout.stripe.com"

// signupForm is what the buyer typed (never the password), and what the
// page came with: the campaign (utm_*) and the page that linked here.
type signupForm struct {
	CompanyName, FullName, Email string
	PlanID                       string
	Seats                        string
	UTMSource, UTMMedium         string
	UTMCampaign, Referrer        string
	// FormKey makes the form's post happen once (signup_once.go).
	FormKey string
}

// planCard is a plan as the page shows it.
type planCard struct {
	billing.Plan
	Price    string
	Selected bool
}

type signupPage struct {
	Form      signupForm
	Plans     []planCard
	MinSeats  int
	MaxSeats  int
	Errors    fieldErrors
	Problem   string // the summary's lead, when there are errors (problem)
	MinLength int
	MaxLength int
}

func (p *pages) signupForm(c *gin.Context) {
	form := signupForm{UTMSource: c.Query("utm_source"), UTMMedium: c.Query("utm_medium"), UTMCampaign: c.Query("utm_campaign"),
		Referrer: externalReferrer(c.Request), PlanID: c.Query("plan"), FormKey: newFormKey()}
	p.renderSignup(c, http.StatusOK, form, nil)
}

// externalReferrer is the page of another site that linked here, without
// its query (which may name a person). The pages send no Referer of their
// own (Referrer-Policy: no-referrer), so the form carries this one to the
// POST.
func externalReferrer(r *http.Request) string {
	u, err := url.Parse(r.Referer())
	if err != nil || u.Host == "" || u.Host == r.Host || (u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	return u.Scheme + "://" + u.Host + u.EscapedPath()
}

func (p *pages) renderSignup(c *gin.Context, status int, form signupForm, errs fieldErrors) {
	plans := p.billing.Plans()
	view := signupPage{Form: form, Errors: errs, MinLength: account.MinPasswordLen, MaxLength: account.MaxPasswordLen}
	chosen := form.PlanID
	if _, ok := planByID(plans, chosen); !ok {
		chosen = plans[0].ID
	}
	for i, plan := range plans {
		view.Plans = append(view.Plans, planCard{Plan: plan, Price: seatPrice(page.Language(c), plan), Selected: plan.ID == chosen})
		if i == 0 || plan.MinSeats < view.MinSeats {
			view.MinSeats = plan.MinSeats
		}
		view.MaxSeats = max(view.MaxSeats, plan.MaxSeats)
		if plan.ID == chosen && view.Form.Seats == "" {
			view.Form.Seats = strconv.Itoa(plan.MinSeats)
		}
	}
	view.Problem = p.problem(c, errs)
	page.SetPolicy(c, checkoutOrigin)
	p.views.Render(c, status, "signup.html", view)
}

func planByID(plans []billing.Plan, id string) (billing.Plan, bool) {
	for _, plan := range plans {
		if plan.ID == id {
			return plan, true
		}
	}
	return billing.Plan{}, false
}

// signup creates the account, then sends the buyer to Checkout. The plan
// and seats are checked first: the account must not exist with a choice
// Checkout would refuse.
func (p *pages) signup(c *gin.Context) {
	form := signupForm{
		CompanyName: c.PostForm("company_name"), FullName: c.PostForm("full_name"), Email: c.PostForm("email"),
		PlanID: c.PostForm("plan"), Seats: strings.TrimSpace(c.PostForm("seats")),
		UTMSource: c.PostForm("utm_source"), UTMMedium: c.PostForm("utm_medium"), UTMCampaign: c.PostForm("utm_campaign"),
		Referrer: c.PostForm("referrer"), FormKey: c.PostForm("form_key"),
	}
	errs := fieldErrors{}
	plan, seats := p.checkPlan(c, form, errs)
	lang := string(page.Language(c))
	// The domain checks every other field even when the plan is wrong, so
	// that the buyer sees every problem at once; a valid input with a bad
	// plan is not signed up.
	in := account.SignupInput{
		CompanyName: form.CompanyName, Email: form.Email, Password: c.PostForm("password"), FullName: form.FullName,
		UTMSource: form.UTMSource, UTMMedium: form.UTMMedium, UTMCampaign: form.UTMCampaign, Referrer: form.Referrer,
		Locale: lang, ClientIP: c.ClientIP(),
	}
	if len(errs) > 0 {
		if err := account.ValidateSignup(in); err != nil {
			p.fromDomain(c, errs, err, nil)
		}
		p.renderSignup(c, http.StatusUnprocessableEntity, form, errs)
		return
	}
	first, owned, err := p.claimSignup(c, form.FormKey)
	switch {
	case err != nil:
		p.site.Failed(c, err)
		return
	case first != nil:
		p.replaySignup(c, *first)
		return
	}
	session, err := p.accounts.Signup(c.Request.Context(), in)
	if err != nil && owned {
		p.releaseSignup(c, form.FormKey)
	}
	switch {
	case err == nil:
	case p.fromDomain(c, errs, err, nil):
		p.renderSignup(c, http.StatusUnprocessableEntity, form, errs)
		return
	case apperr.HasReason(err, "email_taken"):
		// The JSON API says as much: the address is the sign-in name.
		errs.add("email", p.views.Text(c, "signup.email_taken"))
		p.renderSignup(c, http.StatusConflict, form, errs)
		return
	case apperr.Is(err, apperr.CodeRateLimited):
		errs.add("", p.views.Text(c, "signup.rate_limited"))
		p.renderSignup(c, http.StatusTooManyRequests, form, errs)
		return
	default:
		p.site.Failed(c, err)
		return
	}
	choice := retryChoice{OrgID: session.Organization.ID, UserID: session.User.ID, PlanID: plan.ID, Seats: seats}
	p.retry.set(c, choice)
	outcome := p.openCheckout(c, choice, false)
	if owned {
		p.completeSignup(c, form.FormKey, outcome)
	}
}

// checkPlan reads the chosen plan and seats, recording their problems.
func (p *pages) checkPlan(c *gin.Context, form signupForm, errs fieldErrors) (billing.Plan, int) {
	plan, ok := planByID(p.billing.Plans(), form.PlanID)
	if !ok {
		errs.add("plan", p.views.Text(c, "signup.plan_missing"))
		return plan, 0
	}
	seats, err := strconv.Atoi(form.Seats)
	if err != nil || seats < plan.MinSeats || seats > plan.MaxSeats {
		errs.add("seats", fmt.Sprintf(p.views.Text(c, "signup.seats_bounds"), plan.Name, plan.MinSeats, plan.MaxSeats))
	}
	return plan, seats
}
