package billing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// SetupOptions shape `onramp stripe setup`.
type SetupOptions struct {
	ProductID   string // the Stripe product's id, chosen by us so that it can be found again
	ProductName string
	WebhookURL  string // empty: no endpoint (e.g. with `stripe listen`)
}

// SetupResult is what the operator needs afterwards.
type SetupResult struct {
	Catalog *Catalog // with every plan's stripe_price_id
	// WebhookSecret is set only when the endpoint was created by this run:
	// Stripe shows an endpoint's secret once, at creation.
	WebhookSecret   string
	WebhookEndpoint string
	WebhookCreated  bool
	// PortalConfiguration is the billing portal configuration portal
	// sessions must open with (STRIPE_PORTAL_CONFIGURATION).
	PortalConfiguration string
	Changes             int // objects created or updated; 0 on a repeated run
}

// PriceLookupKey names a plan's price in Stripe, so a later run finds it.
func PriceLookupKey(planID string) string { return "onramp_" + planID }

// Setup creates, or finds, the product, one recurring per-seat price per
// plan, the billing portal configuration (setup_portal.go) and the
// webhook endpoint (pinned to the API version stripe-go speaks, with every
// event type the webhook handles). Everything is found again by fixed ids,
// lookup keys, URL or features, so a second run changes nothing.
func Setup(ctx context.Context, sc *client.API, c *Catalog, o SetupOptions, progress io.Writer) (SetupResult, error) {
	res := SetupResult{Catalog: c}
	say := func(format string, args ...any) { fmt.Fprintf(progress, format+"\n", args...) }

	prod, err := sc.Products.Get(o.ProductID, &stripe.ProductParams{Params: stripe.Params{Context: ctx}})
	var se *stripe.Error
	switch {
	case errors.As(err, &se) && se.Code == stripe.ErrorCodeResourceMissing:
		prod, err = sc.Products.New(&stripe.ProductParams{
			Params: stripe.Params{Context: ctx, IdempotencyKey: stripe.String("onramp-setup-product-" + o.ProductID)},
			ID:     stripe.String(o.ProductID), Name: stripe.String(o.ProductName),
			Metadata: map[string]string{"onramp": "true"},
		})
		if err != nil {
			return res, fmt.Errorf("create product %s: %w", o.ProductID, err)
		}
		res.Changes++
		say("created product %s", prod.ID)
	case err != nil:
		return res, fmt.Errorf("find product %s: %w", o.ProductID, err)
	default:
		say("found product %s", prod.ID)
	}

	for _, p := range c.Plans() {
		key := PriceLookupKey(p.ID)
		var found []*stripe.Price
		it := sc.Prices.List(&stripe.PriceListParams{
			ListParams: stripe.ListParams{Context: ctx}, LookupKeys: []*string{stripe.String(key)}, Active: stripe.Bool(true),
		})
		for it.Next() {
			found = append(found, it.Price())
		}
		if err := it.Err(); err != nil {
			return res, fmt.Errorf("find price %s: %w", key, err)
		}
		if price := MatchingPrice(found, p, o.ProductID); price != nil {
			say("found price %s for plan %s", price.ID, p.ID)
			c.SetPrice(p.ID, price.ID)
			continue
		}
		// Prices cannot change amount: a changed plan gets a new price, and
		// the lookup key moves to it (existing subscribers keep the old one).
		price, err := sc.Prices.New(&stripe.PriceParams{
			Params: stripe.Params{Context: ctx, IdempotencyKey: stripe.String(fmt.Sprintf("onramp-setup-price-%s-%s-%d-%s-%s",
				o.ProductID, p.ID, p.UnitAmount, p.Currency, p.Interval))},
			Product: stripe.String(o.ProductID), Currency: stripe.String(p.Currency), UnitAmount: stripe.Int64(p.UnitAmount),
			Recurring: &stripe.PriceRecurringParams{Interval: stripe.String(p.Interval), UsageType: stripe.String("licensed")},
			LookupKey: stripe.String(key), TransferLookupKey: stripe.Bool(true),
			Nickname: stripe.String(p.Name), Metadata: map[string]string{"onramp_plan_id": p.ID},
		})
		if err != nil {
			return res, fmt.Errorf("create price for plan %s: %w", p.ID, err)
		}
		res.Changes++
		say("created price %s for plan %s (%d %s per seat per %s)", price.ID, p.ID, p.UnitAmount, p.Currency, p.Interval)
		c.SetPrice(p.ID, price.ID)
	}

	portal, created, err := setupPortal(ctx, sc)
	if err != nil {
		return res, err
	}
	res.PortalConfiguration = portal
	if created {
		res.Changes++
		say("created billing portal configuration %s (payment method, billing details, invoices, cancellation; no seat changes)", portal)
	} else {
		say("found billing portal configuration %s", portal)
	}

	if o.WebhookURL == "" {
		say("no --webhook-url: no webhook endpoint (use the secret `stripe listen` prints)")
		return res, nil
	}
	var endpoint *stripe.WebhookEndpoint
	it := sc.WebhookEndpoints.List(&stripe.WebhookEndpointListParams{ListParams: stripe.ListParams{Context: ctx}})
	for it.Next() {
		if we := it.WebhookEndpoint(); we.URL == o.WebhookURL {
			endpoint = we
			break
		}
	}
	if err := it.Err(); err != nil {
		return res, fmt.Errorf("list webhook endpoints: %w", err)
	}
	if endpoint == nil {
		endpoint, err = sc.WebhookEndpoints.New(&stripe.WebhookEndpointParams{
			Params:        stripe.Params{Context: ctx, IdempotencyKey: stripe.String("onramp-setup-webhook-" + o.WebhookURL)},
			URL:           stripe.String(o.WebhookURL),
			EnabledEvents: stripe.StringSlice(HandledEvents),
			APIVersion:    stripe.String(stripe.APIVersion),
			Description:   stripe.String("Onramp billing sync"),
			Metadata:      map[string]string{"onramp": "true"},
		})
		if err != nil {
			return res, fmt.Errorf("create webhook endpoint: %w", err)
		}
		res.Changes++
		res.WebhookSecret, res.WebhookCreated = endpoint.Secret, true
		say("created webhook endpoint %s for %s (API version %s)", endpoint.ID, o.WebhookURL, stripe.APIVersion)
	} else {
		say("found webhook endpoint %s for %s", endpoint.ID, o.WebhookURL)
		if endpoint.APIVersion != "" && endpoint.APIVersion != stripe.APIVersion {
			say("WARNING: endpoint %s is pinned to API version %s, not %s; its events will be refetched. Delete it and run again to pin it.",
				endpoint.ID, endpoint.APIVersion, stripe.APIVersion)
		}
		if missing := missingEvents(endpoint.EnabledEvents); len(missing) > 0 {
			if _, err := sc.WebhookEndpoints.Update(endpoint.ID, &stripe.WebhookEndpointParams{
				Params: stripe.Params{Context: ctx, IdempotencyKey: stripe.String(fmt.Sprintf("onramp-setup-webhook-events-%s-%s",
					endpoint.ID, strings.Join(missing, ",")))},
				EnabledEvents: stripe.StringSlice(append(slices.Clone(endpoint.EnabledEvents), missing...)),
			}); err != nil {
				return res, fmt.Errorf("update webhook endpoint events: %w", err)
			}
			res.Changes++
			say("added events %v to webhook endpoint %s", missing, endpoint.ID)
		}
	}
	res.WebhookEndpoint = endpoint.ID
	return res, nil
}

// MatchingPrice is the price among found that sells plan p as configured:
// same lookup key, product, amount, currency and interval, per seat.
func MatchingPrice(found []*stripe.Price, p Plan, productID string) *stripe.Price {
	for _, pr := range found {
		if pr == nil || !pr.Active || pr.LookupKey != PriceLookupKey(p.ID) || pr.Recurring == nil {
			continue
		}
		if pr.Product == nil || pr.Product.ID != productID {
			continue
		}
		if pr.UnitAmount == p.UnitAmount && string(pr.Currency) == p.Currency && string(pr.Recurring.Interval) == p.Interval &&
			pr.Recurring.IntervalCount <= 1 && string(pr.Recurring.UsageType) != "metered" {
			return pr
		}
	}
	return nil
}

func missingEvents(enabled []string) []string {
	if slices.Contains(enabled, "*") {
		return nil
	}
	var missing []string
	for _, e := range HandledEvents {
		if !slices.Contains(enabled, e) {
			missing = append(missing, e)
		}
	}
	return missing
}
