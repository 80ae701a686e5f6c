package accounts

import (
	"context"
	"crypto/rand"
	"maps"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/idempotency"
	"github.com/onramp/onramp/internal/web/page"
)

// A signup form is sent once. Its page carries a key of its own (hidden
// field form_key), and the signup claims it in the idempotency store the
// JSON API uses: a second post of the same form (a double click, a
// reload of the answer) gets the first one's outcome, the redirect to the
// same Checkout session, instead of "this email is already used" about
// the account the first post made. A double click's second post comes
// while the first still runs, and the browser shows only the second's
// answer: it waits for the first's outcome.

const signupScope = "signup-page"

// waitForFirst bounds how long a second post waits for the first.
const waitForFirst = 15 * time.Second

// newFormKey is a fresh key for a signup page.
func newFormKey() string { return rand.Text() }

// signupOutcome is what a completed signup answered: a redirect to
// Checkout (Status 303, Location), or the page saying Checkout could not
// open yet (503).
type signupOutcome struct {
	Status   int
	Location string
}

// claimSignup claims the form's key. It returns the first post's outcome
// when this is a second one, or owned=true when this post runs the signup
// and must end with completeSignup or releaseSignup. A form without a
// usable key, or whose key came with other values (the buyer went back
// and changed the form), runs unguarded.
func (p *pages) claimSignup(c *gin.Context, key string) (first *signupOutcome, owned bool, err error) {
	if idempotency.ValidKey(key) != nil {
		return nil, false, nil
	}
	hash := p.once.RequestHash(http.MethodPost, "/signup", signupValues(c.Request.PostForm))
	ctx, cancel := context.WithTimeout(c.Request.Context(), waitForFirst)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		stored, err := p.once.Begin(ctx, signupScope, key, hash)
		switch {
		case err == nil && stored == nil:
			return nil, true, nil
		case err == nil:
			return &signupOutcome{Status: stored.Status, Location: string(stored.Body)}, false, nil
		case apperr.HasReason(err, "idempotency_key_reused"):
			return nil, false, nil
		case !apperr.HasReason(err, "idempotency_request_in_progress"):
			return nil, false, err
		}
		select {
		case <-ctx.Done():
			return nil, false, apperr.DependencyUnavailable("the first post of this signup form is still running", waitForFirst)
		case <-tick.C:
		}
	}
}

// completeSignup records the outcome later posts of the form replay
// (the store records it even when this post's browser has gone).
func (p *pages) completeSignup(c *gin.Context, key string, outcome signupOutcome) {
	err := p.once.Complete(c.Request.Context(), signupScope, key,
		idempotency.Response{Status: outcome.Status, Body: []byte(outcome.Location)})
	if err != nil {
		// The buyer's answer is not at stake, only a second post's.
		p.log.WarnContext(c.Request.Context(), "account page: the signup's outcome was not recorded", "err", err)
	}
}

// releaseSignup frees the key of a signup that made nothing (a field to
// correct), so the corrected form may be sent with it (the store frees it
// even when this post's browser has gone).
func (p *pages) releaseSignup(c *gin.Context, key string) {
	if err := p.once.Release(c.Request.Context(), signupScope, key); err != nil {
		p.log.WarnContext(c.Request.Context(), "account page: a signup's form key was not released", "err", err)
	}
}

// signupValues is the form as its key must always come with it: every
// field but the CSRF token (a second tab's differs), in a fixed order
// (Encode sorts by key). It drops the token from a copy: the request's
// own form is left as it came.
func signupValues(form url.Values) []byte {
	form = maps.Clone(form)
	delete(form, page.CSRFField)
	return []byte(form.Encode())
}

// replaySignup answers a second post of a form with the first's outcome.
func (p *pages) replaySignup(c *gin.Context, first signupOutcome) {
	if first.Status == http.StatusSeeOther {
		page.SetPolicy(c, checkoutOrigin)
		c.Redirect(http.StatusSeeOther, first.Location)
		return
	}
	p.views.Render(c, http.StatusServiceUnavailable, "checkout_pending.html", pendingPage{AppURL: p.appLink()})
}
