package billing

import (
	"context"
	"fmt"
	"slices"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// The billing portal configuration `onramp stripe setup` makes, which
// portal sessions open with (STRIPE_PORTAL_CONFIGURATION). Customers
// update their payment method, their billing details (the company's name,
// address, email and VAT number: what a European invoice needs), read
// their invoices and cancel at the end of the period.
//
// Seats do not change in the portal. The plans' bounds (min_seats,
// max_seats) cannot be given to a portal configuration in API version
// 2023-10-16, which stripe-go v76 speaks: `adjustable_quantity` on
// `features.subscription_update.products` came with 2025-07-30.basil.
// A portal allowing quantity changes would let a customer buy 1 seat of a
// plan whose minimum is 3, or go below the seats its team holds; so seat
// changes stay with PATCH /v1/billing/subscription, which checks both, and
// price changes too (moving to another plan changes the bounds as well).
// Should Stripe report fewer seats anyway (the Dashboard, the account's
// default portal), invitations are refused and entitlements show
// seats_over (seats.go); nobody is removed.

// portalCustomerUpdates are the customer details the portal lets change.
var portalCustomerUpdates = []string{"address", "email", "name", "tax_id"}

// PortalHeadline is what the portal shows at its top: the brand alone, as
// the portal opens in French or English.
const PortalHeadline = "Onramp"

func portalConfigurationParams(ctx context.Context) *stripe.BillingPortalConfigurationParams {
	return &stripe.BillingPortalConfigurationParams{
		Params:          stripe.Params{Context: ctx, IdempotencyKey: stripe.String("onramp-setup-portal-v1")},
		BusinessProfile: &stripe.BillingPortalConfigurationBusinessProfileParams{Headline: stripe.String(PortalHeadline)},
		Features: &stripe.BillingPortalConfigurationFeaturesParams{
			CustomerUpdate: &stripe.BillingPortalConfigurationFeaturesCustomerUpdateParams{
				Enabled: stripe.Bool(true), AllowedUpdates: stripe.StringSlice(portalCustomerUpdates),
			},
			InvoiceHistory:      &stripe.BillingPortalConfigurationFeaturesInvoiceHistoryParams{Enabled: stripe.Bool(true)},
			PaymentMethodUpdate: &stripe.BillingPortalConfigurationFeaturesPaymentMethodUpdateParams{Enabled: stripe.Bool(true)},
			SubscriptionCancel: &stripe.BillingPortalConfigurationFeaturesSubscriptionCancelParams{
				Enabled: stripe.Bool(true), Mode: stripe.String(string(stripe.BillingPortalConfigurationFeaturesSubscriptionCancelModeAtPeriodEnd)),
			},
			// subscription_update is left out: disabled (see above).
		},
		Metadata: map[string]string{"onramp": "portal"},
	}
}

// setupPortal finds an active portal configuration with the features
// above, or creates one, and returns its id and whether it created it.
func setupPortal(ctx context.Context, sc *client.API) (string, bool, error) {
	var found []*stripe.BillingPortalConfiguration
	it := sc.BillingPortalConfigurations.List(&stripe.BillingPortalConfigurationListParams{
		ListParams: stripe.ListParams{Context: ctx}, Active: stripe.Bool(true),
	})
	for it.Next() {
		found = append(found, it.BillingPortalConfiguration())
	}
	if err := it.Err(); err != nil {
		return "", false, fmt.Errorf("list billing portal configurations: %w", err)
	}
	if c := MatchingPortalConfiguration(found); c != nil {
		return c.ID, false, nil
	}
	c, err := sc.BillingPortalConfigurations.New(portalConfigurationParams(ctx))
	if err != nil {
		return "", false, fmt.Errorf("create billing portal configuration: %w", err)
	}
	return c.ID, true, nil
}

// MatchingPortalConfiguration is the configuration among found that offers
// what ours does and nothing more: no seat or plan changes, no pause. Any
// such one will do (one a previous run made, or one made by hand), so a
// second run creates nothing.
func MatchingPortalConfiguration(found []*stripe.BillingPortalConfiguration) *stripe.BillingPortalConfiguration {
	for _, c := range found {
		if c == nil || !c.Active || c.Features == nil {
			continue
		}
		f := c.Features
		if f.CustomerUpdate == nil || !f.CustomerUpdate.Enabled || !sameUpdates(f.CustomerUpdate.AllowedUpdates) {
			continue
		}
		if f.InvoiceHistory == nil || !f.InvoiceHistory.Enabled || f.PaymentMethodUpdate == nil || !f.PaymentMethodUpdate.Enabled {
			continue
		}
		if f.SubscriptionCancel == nil || !f.SubscriptionCancel.Enabled ||
			f.SubscriptionCancel.Mode != stripe.BillingPortalConfigurationFeaturesSubscriptionCancelModeAtPeriodEnd {
			continue
		}
		if (f.SubscriptionUpdate != nil && f.SubscriptionUpdate.Enabled) || (f.SubscriptionPause != nil && f.SubscriptionPause.Enabled) {
			continue
		}
		return c
	}
	return nil
}

func sameUpdates(got []stripe.BillingPortalConfigurationFeaturesCustomerUpdateAllowedUpdate) bool {
	names := make([]string, len(got))
	for i, u := range got {
		names[i] = string(u)
	}
	slices.Sort(names)
	return slices.Equal(names, portalCustomerUpdates)
}
