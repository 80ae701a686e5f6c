package billing

import (
	"context"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/onramp/onramp/internal/apperr"
)

// CreatePortal opens a Stripe billing portal session for the organization's
// customer (409 no_customer before the first checkout), in locale, the
// language the caller reads ("en", "fr").
func (s *Service) CreatePortal(ctx context.Context, orgID uuid.UUID, returnURL, locale string) (string, error) {
	v := apperr.Validator{}
	s.checkRedirect(&v, "return_url", returnURL)
	if err := v.Err(); err != nil {
		return "", err
	}
	if err := s.requireStripe(); err != nil {
		return "", err
	}
	customerID, err := s.customerOf(ctx, s.db, orgID)
	if err != nil {
		return "", err
	}
	if customerID == "" {
		return "", apperr.Conflict("no_customer", "the organization has no billing account yet; start a checkout first")
	}
	if returnURL == "" {
		returnURL = s.publicURL.String() + "/billing"
	}
	ps, err := s.stripe.BillingPortalSessions.New(&stripe.BillingPortalSessionParams{
		Params:    stripe.Params{Context: ctx, IdempotencyKey: stripe.String("onramp-portal-" + uuid.Must(uuid.NewV7()).String())},
		Customer:  stripe.String(customerID),
		ReturnURL: stripe.String(returnURL),
		Locale:    stripeLocale(locale),
		// Our configuration offers no seat changes (setup.go says why);
		// without it Stripe's default one applies.
		Configuration: optional(s.portalConfig),
	})
	if err != nil {
		s.log.WarnContext(ctx, "stripe portal session failed", "organization_id", orgID, "err", redactedErr{err})
		return "", stripeErr("create portal session", err)
	}
	return ps.URL, nil
}
