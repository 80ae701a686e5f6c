package billing

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/onramp/onramp/internal/apperr"
)

// A billing email's portal link works for 7 days, for the person it names
// while they are an owner or admin; an altered one never works.
func TestPortalLinks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	org := h.newOrg("Acme")
	admin := h.newPerson(org, "ada@acme.test", "admin", "fr")
	h.holdCustomer(org, "cus_acme")
	link, err := url.Parse(h.svc.portalLink(org, admin))
	if err != nil || link.Path != "/v1/billing/portal-link" {
		t.Fatalf("link %v (%v)", link, err)
	}
	token := link.Query().Get("token")
	if _, err := h.svc.OpenPortalFromLink(ctx, token); err != nil {
		t.Fatal(err)
	}
	if f := h.stripe.Find("POST", "/v1/billing_portal/sessions")[0].Form; f.Get("customer") != "cus_acme" || f.Get("locale") != "fr" {
		t.Fatalf("portal session %v", f)
	}

	altered := []byte(token)
	altered[5] ^= 1
	for name, tok := range map[string]string{"altered": string(altered), "cut": token[:len(token)-2], "empty": "", "padded": token + "="} {
		if err := h.svc.CheckPortalLink(tok); !apperr.Is(err, apperr.CodeInvalid) {
			t.Errorf("%s token: %v, want invalid", name, err)
		}
	}

	h.exec(`UPDATE memberships SET role = 'member' WHERE user_id = ?`, admin)
	if _, err := h.svc.OpenPortalFromLink(ctx, token); !apperr.Is(err, apperr.CodeForbidden) {
		t.Fatalf("a demoted admin: %v, want forbidden", err)
	}
	h.exec(`UPDATE memberships SET role = 'owner' WHERE user_id = ?`, admin)
	h.clock.Advance(7*24*time.Hour - time.Second)
	if err := h.svc.CheckPortalLink(token); err != nil {
		t.Fatalf("a link of almost 7 days: %v", err)
	}
	h.clock.Advance(time.Second)
	if _, err := h.svc.OpenPortalFromLink(ctx, token); !apperr.Is(err, apperr.CodeInvalid) {
		t.Fatalf("a link of 7 days: %v, want invalid", err)
	}
	if n := len(h.stripe.Find("POST", "/v1/billing_portal/sessions")); n != 1 {
		t.Fatalf("%d portal sessions, want 1", n)
	}
}
