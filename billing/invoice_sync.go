package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"
	"gorm.io/gorm"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/serverevent"
)

// ErrUnknownInvoiceStatus is an invoice status this code does not know.
var ErrUnknownInvoiceStatus = errors.New("unknown invoice status")

// applyInvoice keeps the invoice of an invoice event for the organization
// holding its customer, records the latest invoice's fate on its
// subscription, and tells owners and admins about a failed payment.
// Access itself follows the subscription's status, never an invoice.
func (s *Service) applyInvoice(ctx context.Context, tx *database.Tx, eventType, eventID string, created time.Time, inv *stripe.Invoice) (eventResult, error) {
	r := eventResult{outcome: OutcomeUnmatched}
	if inv.Subscription != nil {
		r.subscriptionID = inv.Subscription.ID
	}
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
	row, applied, err := s.storeInvoice(ctx, tx, orgID, customerID, eventType, eventID, created, inv)
	if err != nil {
		return r, err
	}
	r.outcome = OutcomeStale
	if !applied {
		return r, nil
	}
	r.outcome = OutcomeApplied
	if err := s.recordLatestInvoice(ctx, tx, orgID, eventType, created, inv); err != nil {
		return r, err
	}
	// A failure that a later payment or a void already overtook is news
	// nobody needs.
	if eventType == EventInvoicePaymentFailed && row.Status != InvoicePaid && row.Status != InvoiceVoid {
		if err := s.notifyPaymentFailed(ctx, tx, orgID, row); err != nil {
			return r, err
		}
	}
	return r, nil
}

// invoiceStale decides whether an event must not overwrite the stored
// invoice, as stale does for subscriptions: an older event never wins, and
// neither does one whose status is behind the stored one (invoice.finalized
// arriving after invoice.paid, often in the same second, keeps paid).
func invoiceStale(row *invoiceRow, created time.Time, status string) bool {
	return created.Before(row.LastEventCreated) || invoiceRank(status) < invoiceRank(row.Status) ||
		(invoiceRank(row.Status) == invoiceRank(InvoicePaid) && status != row.Status)
}

// storeInvoice writes the invoice the event carries unless it is stale,
// and returns the row as stored and whether the event was applied.
func (s *Service) storeInvoice(ctx context.Context, tx *database.Tx, orgID uuid.UUID, customerID, eventType, eventID string,
	created time.Time, inv *stripe.Invoice) (invoiceRow, bool, error) {
	status := invoiceStatus(eventType, inv)
	if invoiceRank(status) < 0 {
		// As for subscriptions: refuse (5xx) until a release knows it.
		return invoiceRow{}, false, fmt.Errorf("%w %q", ErrUnknownInvoiceStatus, status)
	}
	var row invoiceRow
	err := tx.WithContext(ctx).Where("stripe_invoice_id = ?", inv.ID).Take(&row).Error
	existing := err == nil
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		row = invoiceRow{ID: uuid.Must(uuid.NewV7()), OrganizationID: orgID, StripeInvoiceID: inv.ID, CreatedAt: s.now()}
	case err != nil:
		return row, false, fmt.Errorf("load invoice: %w", err)
	case row.OrganizationID != orgID:
		// Stripe never moves an invoice to another customer.
		s.log.ErrorContext(ctx, "invoice is stored for another organization than its customer's: not applied",
			"invoice_id", inv.ID, "organization_id", row.OrganizationID, "customer_organization_id", orgID)
		return row, false, nil
	case invoiceStale(&row, created, status):
		return row, false, nil
	}
	row.StripeCustomerID, row.Status = customerID, status
	row.StripeSubscriptionID = nil
	if inv.Subscription != nil && inv.Subscription.ID != "" {
		row.StripeSubscriptionID = &inv.Subscription.ID
	}
	row.Number, row.HostedInvoiceURL, row.InvoicePDF = optional(inv.Number), optional(inv.HostedInvoiceURL), optional(inv.InvoicePDF)
	row.AmountDue, row.AmountPaid, row.Currency = inv.AmountDue, inv.AmountPaid, string(inv.Currency)
	row.StripeCreated = time.Unix(inv.Created, 0).UTC()
	if inv.Created == 0 {
		row.StripeCreated = created
	}
	row.LastEventCreated, row.LastEventID, row.UpdatedAt = created, eventID, s.now()
	store := tx.WithContext(ctx).Create
	if existing {
		store = tx.WithContext(ctx).Save
	}
	if err := store(&row).Error; err != nil {
		return row, false, fmt.Errorf("store invoice: %w", err)
	}
	return row, true, nil
}

// invoiceStatus is the invoice's status as the event carries it; an
// object without one (a trimmed payload) gets the one its event implies.
func invoiceStatus(eventType string, inv *stripe.Invoice) string {
	if inv.Status != "" {
		return string(inv.Status)
	}
	switch eventType {
	case EventInvoicePaid:
		return InvoicePaid
	case EventInvoiceVoided:
		return InvoiceVoid
	}
	return InvoiceOpen
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// recordLatestInvoice records the fate of a subscription's latest invoice
// (paid or failed) on the subscription, under its own ordering rule.
func (s *Service) recordLatestInvoice(ctx context.Context, tx *database.Tx, orgID uuid.UUID, eventType string, created time.Time, inv *stripe.Invoice) error {
	if inv.Subscription == nil || inv.Subscription.ID == "" || (eventType != EventInvoicePaid && eventType != EventInvoicePaymentFailed) {
		return nil
	}
	var rows []subscriptionRow
	if err := tx.WithContext(ctx).Where("stripe_subscription_id = ? AND organization_id = ?", inv.Subscription.ID, orgID).
		Limit(1).Find(&rows).Error; err != nil {
		return fmt.Errorf("load subscription: %w", err)
	}
	if len(rows) == 0 {
		return nil // the subscription's own events (which carry its status) create the row
	}
	row := rows[0]
	if row.LastInvoiceEventCreated != nil && created.Before(*row.LastInvoiceEventCreated) {
		return nil
	}
	status := "paid"
	if eventType == EventInvoicePaymentFailed {
		status = "payment_failed"
	}
	if err := tx.WithContext(ctx).Model(&subscriptionRow{}).Where("id = ?", row.ID).Updates(map[string]any{
		"latest_invoice_id": inv.ID, "latest_invoice_status": status, "last_invoice_event_created": created, "updated_at": s.now(),
	}).Error; err != nil {
		return fmt.Errorf("store invoice status: %w", err)
	}
	return nil
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

// checkInvoiceText refuses invoice fields we store that Stripe would never
// send: a NUL byte or invalid UTF-8 (refused by PostgreSQL mid-transaction),
// or links that are not https (we hand them to browsers).
func checkInvoiceText(v *apperr.Validator, at string, inv *stripe.Invoice) {
	checkText(v, at+"number", inv.Number, false)
	checkText(v, at+"hosted_invoice_url", inv.HostedInvoiceURL, true)
	checkText(v, at+"invoice_pdf", inv.InvoicePDF, true)
}
