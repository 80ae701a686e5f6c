package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/billing"
	"github.com/onramp/onramp/internal/config"
	"github.com/onramp/onramp/internal/fakestripe"
)

// devStripeEvent runs `dev stripe-event TYPE --org ID`: what Stripe would
// send about the organization's subscription, made up from what the
// database holds (its customer, subscription or last checkout), signed
// with STRIPE_WEBHOOK_SECRET and posted to the running server's webhook.
// stripe-mock sends no events; this stands in for them.
//
// An event's id is derived from the organization, the type and the
// subscription: sending a type again is Stripe redelivering the same
// event, which the server answers as a duplicate.
func devStripeEvent(ctx context.Context, args []string, getenv config.Getenv, stdout, stderr io.Writer) error {
	kinds := make([]string, len(fakestripe.Sendable))
	for i, k := range fakestripe.Sendable {
		kinds[i] = string(k)
	}
	want := "dev stripe-event: want `dev stripe-event TYPE --org ID`, TYPE one of " + strings.Join(kinds, ", ")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return usageError{want}
	}
	kind := fakestripe.Kind(args[0])
	if !slices.Contains(fakestripe.Sendable, kind) {
		return usageError{fmt.Sprintf("dev stripe-event: unknown TYPE %q; TYPE is one of %s", args[0], strings.Join(kinds, ", "))}
	}
	fs := flag.NewFlagSet("dev stripe-event", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	org := fs.String("org", "", "the organization's id")
	if err := fs.Parse(args[1:]); err != nil {
		return usageError{"dev stripe-event: " + err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("dev stripe-event: unexpected argument %q", fs.Arg(0))}
	}
	orgID, err := uuid.Parse(*org)
	if err != nil {
		return usageError{"dev stripe-event: --org must be an organization id (a UUID)"}
	}

	cfg, db, log, err := openDev(ctx, "stripe-event", getenv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	if cfg.StripeWebhookSecret == "" {
		return fmt.Errorf("dev stripe-event: STRIPE_WEBHOOK_SECRET is not set: nothing to sign with (make run sets it with stripe-mock)")
	}
	catalog, err := billing.LoadCatalog(cfg.PlansFile)
	if err != nil {
		return err
	}
	link, err := billing.NewService(billing.Config{DB: db, Catalog: catalog, Log: log}).StripeLink(ctx, orgID)
	if err != nil {
		return err
	}
	now := time.Now()
	sub, err := eventSubscription(orgID, kind, link, now)
	if err != nil {
		return err
	}
	typ := fakestripe.Types[kind]
	id := "evt_local_" + digest(orgID.String(), string(typ), sub.ID)
	payload, err := fakestripe.Event(id, kind, sub, now)
	if err != nil {
		return err
	}

	endpoint := cfg.PublicURL.JoinPath("v1", "webhooks", "stripe").String()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", fakestripe.Sign(payload, cfg.StripeWebhookSecret, now))
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("dev stripe-event: is the server running at %s? %w", cfg.PublicURL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	fmt.Fprintf(stdout, "sent %s %s (customer %s, subscription %s) to %s\n", typ, id, sub.CustomerID, sub.ID, endpoint)
	fmt.Fprintf(stdout, "server answered %d: %s\n", res.StatusCode, bytes.TrimSpace(body))
	if res.StatusCode >= 300 {
		return fmt.Errorf("dev stripe-event: the server refused the event (%s)", res.Status)
	}
	return nil
}

// eventSubscription is the subscription an event describes: the stored
// one, else the one the last checkout would make (a subscription.created,
// or an invoice paid ahead of it).
func eventSubscription(orgID uuid.UUID, kind fakestripe.Kind, link billing.StripeLink, now time.Time) (fakestripe.Subscription, error) {
	if link.CustomerID == "" || link.Checkout == nil && link.Subscription == nil {
		return fakestripe.Subscription{}, fmt.Errorf("dev stripe-event: organization %s has opened no checkout (or does not exist): "+
			"open one first (POST /v1/billing/checkout-sessions), it gives the organization its Stripe customer", orgID)
	}
	var sub fakestripe.Subscription
	if s := link.Subscription; s != nil {
		plan := s.Plan
		if plan.ID == "" && link.Checkout != nil {
			plan = link.Checkout.Plan // a price no longer in the catalog: what was bought
		}
		sub = fakestripe.OnPlan(plan, s.Created)
		sub.ID, sub.ItemID, sub.Seats = s.StripeID, s.ItemID, s.Seats
		// The trial Stripe gave it, as stored, not the one the plan gives.
		sub.TrialEnd = time.Time{}
		if s.TrialEnd != nil {
			sub.TrialEnd = *s.TrialEnd
		}
	} else {
		if kind == fakestripe.TrialEnding {
			return fakestripe.Subscription{}, fmt.Errorf("dev stripe-event: organization %s has no subscription yet: send subscription.created first", orgID)
		}
		sub = fakestripe.OnPlan(link.Checkout.Plan, now)
		sub.ID = "sub_local_" + digest(link.Checkout.SessionID)
		sub.ItemID = "si_local_" + digest(link.Checkout.SessionID)
		sub.Seats = link.Checkout.Seats
	}
	sub.OrganizationID, sub.CustomerID = orgID.String(), link.CustomerID
	sub.InvoiceID = "in_local_" + digest(sub.ID)
	return sub, nil
}

// digest is a short stable id made from parts.
func digest(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:12])
}
