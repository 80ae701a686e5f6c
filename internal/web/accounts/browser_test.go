package accounts_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/onramp/onramp/internal/testing/browser"
	"github.com/onramp/onramp/internal/testing/testenv"
)

// emailLink is the link of an email, on the test server rather than on
// PUBLIC_URL (http://onramp.test).
func emailLink(t *testing.T, env *testenv.Env, text string) string {
	t.Helper()
	for _, field := range strings.Fields(text) {
		if strings.HasPrefix(field, "http://onramp.test/") && strings.Contains(field, "token=") {
			return env.URL + strings.TrimPrefix(field, "http://onramp.test")
		}
	}
	t.Fatalf("no link with a token in:\n%s", text)
	return ""
}

// stripeCheckout stands in for Stripe's Checkout page (this machine
// reaches no other): the browser's requests to it are answered with a
// page of ours, so that where the browser went can be read from it. A
// redirect the page's policy refused would never get there.
func stripeCheckout(t *testing.T, ctx context.Context) {
	t.Helper()
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	// It ends with the browser's context, when the test ends.
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			_ = chromedp.Do(ctx, func(ctx context.Context, target *chromedp.Target) (chromedp.Void, error) {
				_, err := cdp.Call(ctx, target, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: 200,
					ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html"}},
					Body:            []byte(`<!doctype html><title>Stripe Checkout</title><p>Checkout</p>`)})
				return chromedp.Void{}, err
			})
		}
	}()
	browser.Do(t, ctx, "intercept Checkout", func(ctx context.Context, target *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, target, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "https://checkout.stripe.com/*"}}})
		return chromedp.Void{}, err
	})
}

func fill(t *testing.T, ctx context.Context, values map[string]string) {
	t.Helper()
	for id, value := range values {
		browser.Do(t, ctx, "fill "+id, chromedp.SetValue(chromedp.ID(id), value))
	}
}

// submit presses the form's button and waits for the next page to make
// until true. While the page changes, evaluating fails (the old page's
// context is gone): that is waited out too.
func submit(t *testing.T, ctx context.Context, until string) {
	t.Helper()
	browser.Do(t, ctx, "submit", chromedp.Click(chromedp.CSS(`main form button[type=submit]`)))
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](until))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after submitting, waiting for %s: %v (at %s: %s)", until, err, browser.Eval(t, ctx, "location.href"), browser.Eval(t, ctx, "document.querySelector(\"main\").innerText"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestABuyerSignsUpInFrenchConfirmsAndReachesCheckout(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	ctx := browser.New(t, 2*time.Minute)
	stripeCheckout(t, ctx)

	browser.Do(t, ctx, "open /signup", chromedp.Navigate(env.URL+"/signup?lang=fr&utm_source=salon"))
	if h1 := browser.Eval(t, ctx, `document.querySelector("h1").textContent`); h1 != "Commencer avec Onramp" {
		t.Fatalf("heading %q", h1)
	}
	browser.CheckAccessibility(t, ctx, "/signup")
	t.Logf("screenshot: %s", browser.Screenshot(t, ctx, "signup.png"))

	// Sent empty, the form says what is missing, beside each field.
	submit(t, ctx, `document.querySelector("#form-problems") !== null`)
	if invalid := browser.Eval(t, ctx, `[...document.querySelectorAll("[aria-invalid=true]")].map(e => e.id).join(" ")`); invalid != "company_name full_name email password" {
		t.Errorf("fields marked invalid: %q", invalid)
	}
	browser.CheckAccessibility(t, ctx, "/signup with errors")

	fill(t, ctx, map[string]string{"company_name": "Boulangerie Martin", "full_name": "Camille Martin",
		"email": "camille@boulangerie.test", "password": "du pain tous les matins", "seats": "4"})
	submit(t, ctx, `location.hostname === "checkout.stripe.com"`)
	var stored string
	if err := env.DB.Pool.QueryRow(t.Context(), `SELECT c.url FROM checkout_sessions c JOIN organizations o ON o.id = c.organization_id
		WHERE o.name = 'Boulangerie Martin' AND o.utm_source = 'salon' AND c.seats = 4 AND c.locale = 'fr'`).Scan(&stored); err != nil {
		t.Fatalf("no Checkout session for the new company: %v", err)
	}
	if at := browser.Eval(t, ctx, `location.href`); at != stored {
		t.Fatalf("the browser is at %s, the session's Checkout is %s", at, stored)
	}

	// The buyer leaves Checkout: the cancel page offers to go back.
	browser.Do(t, ctx, "open /checkout/cancel", chromedp.Navigate(env.URL+"/checkout/cancel"))
	browser.WaitFor(t, ctx, `document.body.textContent.includes("Revenir à la page de paiement")`)
	browser.CheckAccessibility(t, ctx, "/checkout/cancel")

	link := emailLink(t, env, env.Mail.WaitFor(t, "camille@boulangerie.test", "Confirmez votre adresse e-mail").Text)
	browser.Do(t, ctx, "open the verification link", chromedp.Navigate(link))
	browser.CheckAccessibility(t, ctx, "/verify-email")
	if verified(t, env, "camille@boulangerie.test") {
		t.Fatal("opening the link confirmed the address")
	}
	submit(t, ctx, `document.querySelector("h1").textContent === "Votre adresse e-mail est confirmée"`)
	browser.CheckAccessibility(t, ctx, "/verify-email, confirmed")
	if !verified(t, env, "camille@boulangerie.test") {
		t.Fatal("the address is not verified")
	}

	browser.Do(t, ctx, "open the link again", chromedp.Navigate(link))
	browser.CheckAccessibility(t, ctx, "/verify-email, used")
	browser.Do(t, ctx, "open /checkout/success", chromedp.Navigate(env.URL+"/checkout/success?session_id=cs_test"))
	browser.CheckAccessibility(t, ctx, "/checkout/success")
}

func TestAnInviteeAcceptsFromTheEmailedLink(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	owner := env.Signup(t, testenv.SignupOptions{Company: "Acme Santé", Email: "ada@acme.test"})
	env.VerifyEmail(t, "ada@acme.test")
	env.Do(t, http.MethodPost, "/v1/organization/invitations", map[string]any{"email": "bob@acme.test"},
		testenv.WithBearer(owner.AccessToken)).Expect(t, http.StatusCreated)
	link := emailLink(t, env, env.Mail.WaitFor(t, "bob@acme.test", "Acme Santé").Text)

	ctx := browser.New(t, 2*time.Minute)
	browser.Do(t, ctx, "open the invitation", chromedp.Navigate(link))
	browser.CheckAccessibility(t, ctx, "/accept-invitation")
	fill(t, ctx, map[string]string{"full_name": "Bob Martin", "password": "a long enough password"})
	submit(t, ctx, `document.body.textContent.includes("You are now a member of Acme Santé.")`)
	browser.CheckAccessibility(t, ctx, "/accept-invitation, accepted")
	env.Login(t, "bob@acme.test", "a long enough password")
}

func TestAPasswordResetWorksFromTheEmailedLink(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	env.Signup(t, testenv.SignupOptions{Email: "ada@acme.test"})
	env.Do(t, http.MethodPost, "/v1/auth/password-reset", map[string]any{"email": "ada@acme.test"}).Expect(t, http.StatusAccepted)
	link := emailLink(t, env, env.Mail.WaitFor(t, "ada@acme.test", "Reset your password").Text)

	ctx := browser.New(t, 2*time.Minute)
	browser.Do(t, ctx, "open the reset link", chromedp.Navigate(link))
	browser.CheckAccessibility(t, ctx, "/reset-password")
	fill(t, ctx, map[string]string{"password": "a brand new password", "password_confirm": "a brand new pasword"})
	submit(t, ctx, `document.querySelector("#password_confirm-error") !== null`)
	browser.CheckAccessibility(t, ctx, "/reset-password with errors")
	fill(t, ctx, map[string]string{"password": "a brand new password", "password_confirm": "a brand new password"})
	submit(t, ctx, `document.querySelector("h1").textContent === "Your password is changed"`)
	env.Login(t, "ada@acme.test", "a brand new password")
}
