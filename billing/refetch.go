package billing

import (
	"context"
	"encoding/json"

	"github.com/stripe/stripe-go/v76"

	"github.com/onramp/onramp/internal/apperr"
)

// eventObject decodes the object a handled event carries, or refetches it
// through the API when the event was rendered for another API version (its
// shape cannot be trusted). nil for types this service ignores.
func (s *Service) eventObject(ctx context.Context, ev *stripe.Event) (any, error) {
	var target any
	switch ev.Type {
	case EventCheckoutCompleted:
		target = &stripe.CheckoutSession{}
	case EventSubscriptionCreated, EventSubscriptionUpdated, EventSubscriptionDeleted, EventSubscriptionPaused, EventSubscriptionResumed,
		EventTrialWillEnd:
		target = &stripe.Subscription{}
	case EventInvoiceFinalized, EventInvoicePaid, EventInvoicePaymentFailed, EventInvoiceVoided:
		target = &stripe.Invoice{}
	default:
		return nil, nil
	}
	if ev.Data == nil || len(ev.Data.Raw) == 0 {
		return nil, apperr.Malformed("invalid Stripe webhook: the event carries no object")
	}
	if ev.APIVersion != stripe.APIVersion {
		return s.refetch(ctx, ev, target)
	}
	if err := json.Unmarshal(ev.Data.Raw, target); err != nil {
		return nil, apperr.Malformed("invalid Stripe webhook: the event's object does not decode: " + err.Error())
	}
	return target, nil
}

// refetch reads the event's object through the API, as target's type.
func (s *Service) refetch(ctx context.Context, ev *stripe.Event, target any) (any, error) {
	var ref struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(ev.Data.Raw, &ref); err != nil || ref.ID == "" {
		return nil, apperr.Malformed("invalid Stripe webhook: the event's object has no id")
	}
	// The id goes into the request's path: it must be one.
	v := apperr.Validator{}
	checkID(&v, "data.object.id", ref.ID)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := s.requireStripe(); err != nil {
		return nil, err
	}
	s.log.InfoContext(ctx, "stripe event of another API version: refetching its object", "event_id", ev.ID, "api_version", ev.APIVersion, "object_id", ref.ID)
	p := stripe.Params{Context: ctx}
	var (
		obj any
		err error
	)
	switch target.(type) {
	case *stripe.CheckoutSession:
		obj, err = s.stripe.CheckoutSessions.Get(ref.ID, &stripe.CheckoutSessionParams{Params: p})
	case *stripe.Subscription:
		obj, err = s.stripe.Subscriptions.Get(ref.ID, &stripe.SubscriptionParams{Params: p})
	case *stripe.Invoice:
		obj, err = s.stripe.Invoices.Get(ref.ID, &stripe.InvoiceParams{Params: p})
	}
	if err != nil {
		return nil, stripeErr("refetch "+ref.ID, err)
	}
	return obj, nil
}
