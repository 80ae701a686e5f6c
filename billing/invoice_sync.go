package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
)

// applyInvoice records the fate of a subscription's latest invoice, for
// the organization holding the invoice's customer. Access itself follows
// the subscription's status, never an invoice.
func (s *Service) applyInvoice(ctx context.Context, tx *database.Tx, eventType string, created time.Time, inv *stripe.Invoice) (eventResult, error) {
	if inv.Subscription == nil || inv.Subscription.ID == "" {
		return eventResult{outcome: OutcomeIgnored}, nil // a one-off invoice: not ours to track
	}
	r := eventResult{outcome: OutcomeUnmatched, subscriptionID: inv.Subscription.ID}
	customerID := ""
	if inv.Customer != nil {
		customerID = inv.Customer.ID
	}
	orgID, err := orgOfCustomer(ctx, tx, customerID)
	if err != nil || orgID == uuid.Nil {
		return r, err
	}
	r.orgID = orgID
	// A paid invoice counts for the funnel whatever order it arrives in
	// (the milestone keeps the earliest payment), even ahead of the
	// subscription's own events.
	if err := s.recordInvoicePaid(ctx, tx, eventType, created, orgID, inv); err != nil {
		return r, err
	}
	var rows []subscriptionRow
	if err := tx.WithContext(ctx).Where("stripe_subscription_id = ? AND organization_id = ?", inv.Subscription.ID, orgID).
		Limit(1).Find(&rows).Error; err != nil {
		return r, fmt.Errorf("load subscription: %w", err)
	}
	if len(rows) == 0 {
		// The subscription's own events (which carry its status) create the row.
		return r, nil
	}
	row := rows[0]
	if row.LastInvoiceEventCreated != nil && created.Before(*row.LastInvoiceEventCreated) {
		r.outcome = OutcomeStale
		return r, nil
	}
	status := "paid"
	if eventType == EventInvoicePaymentFailed {
		status = "payment_failed"
	}
	if err := tx.WithContext(ctx).Model(&subscriptionRow{}).Where("id = ?", row.ID).Updates(map[string]any{
		"latest_invoice_id": inv.ID, "latest_invoice_status": status, "last_invoice_event_created": created, "updated_at": s.now(),
	}).Error; err != nil {
		return r, fmt.Errorf("store invoice status: %w", err)
	}
	r.outcome = OutcomeApplied
	return r, nil
}

// recordInvoicePaid records invoice_paid when money was received: a trial's
// zero invoice is not a payment, so the funnel's "paid" counts customers
// who paid, not trials that started.
func (s *Service) recordInvoicePaid(ctx context.Context, tx *database.Tx, eventType string, created time.Time, orgID uuid.UUID, inv *stripe.Invoice) error {
	if eventType != EventInvoicePaid || inv.AmountPaid <= 0 {
		return nil
	}
	at := created
	if inv.StatusTransitions != nil && inv.StatusTransitions.PaidAt > 0 {
		at = time.Unix(inv.StatusTransitions.PaidAt, 0).UTC()
	}
	return s.recordEvent(ctx, tx, serverevent.Event{OrganizationID: orgID, Name: serverevent.InvoicePaid, OccurredAt: at,
		Properties: map[string]any{"invoice_id": inv.ID, "amount_paid": inv.AmountPaid, "currency": string(inv.Currency)}})
}
