package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/keyset"
)

// Invoice statuses, as Stripe names them.
const (
	InvoiceDraft         = "draft"
	InvoiceOpen          = "open"
	InvoicePaid          = "paid"
	InvoiceUncollectible = "uncollectible"
	InvoiceVoid          = "void"
)

// invoiceRank orders the statuses an invoice moves through in Stripe
// (draft, open, then uncollectible, then paid or void): an invoice never
// moves to a lower rank, and paid and void are final. -1: not a status.
func invoiceRank(status string) int {
	switch status {
	case InvoiceDraft:
		return 0
	case InvoiceOpen:
		return 1
	case InvoiceUncollectible:
		return 2
	case InvoicePaid, InvoiceVoid:
		return 3
	}
	return -1
}

// invoiceRow is a Stripe invoice as the invoice events last described it.
type invoiceRow struct {
	ID                   uuid.UUID `gorm:"primaryKey"`
	OrganizationID       uuid.UUID
	StripeInvoiceID      string
	StripeCustomerID     string
	StripeSubscriptionID *string
	Number               *string
	Status               string
	AmountDue            int64
	AmountPaid           int64
	Currency             string
	HostedInvoiceURL     *string
	InvoicePDF           *string `gorm:"column:invoice_pdf"`
	StripeCreated        time.Time
	LastEventCreated     time.Time
	LastEventID          string
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

func (invoiceRow) TableName() string { return "invoices" }

// Invoice is what GET /v1/billing/invoices lists. Money is in minor units
// of Currency; the links are Stripe's hosted page and PDF (null on a
// draft, which Stripe has not finalized yet).
type Invoice struct {
	ID               uuid.UUID `json:"id"`
	Number           *string   `json:"number"`
	Status           string    `json:"status"`
	AmountDue        int64     `json:"amount_due"`
	AmountPaid       int64     `json:"amount_paid"`
	Currency         string    `json:"currency"`
	Created          time.Time `json:"created"`
	HostedInvoiceURL *string   `json:"hosted_invoice_url"`
	InvoicePDF       *string   `json:"invoice_pdf"`
}

// Invoices lists the organization's invoices, newest first (by Stripe's
// creation time), a page of limit after the cursor after.
func (s *Service) Invoices(ctx context.Context, orgID uuid.UUID, limit int, after string) ([]Invoice, string, error) {
	rows, next, err := keyset.Page(s.db.Query(ctx).Model(&invoiceRow{}).Where("organization_id = ?", orgID), after, limit,
		"(stripe_created, id) < (?, ?)", "stripe_created DESC, id DESC",
		func(r invoiceRow) (time.Time, uuid.UUID) { return r.StripeCreated, r.ID })
	if err != nil {
		return nil, "", fmt.Errorf("list invoices: %w", err)
	}
	out := make([]Invoice, len(rows))
	for i, r := range rows {
		out[i] = Invoice{
			ID: r.ID, Number: r.Number, Status: r.Status, AmountDue: r.AmountDue, AmountPaid: r.AmountPaid, Currency: r.Currency,
			Created: r.StripeCreated.UTC(), HostedInvoiceURL: r.HostedInvoiceURL, InvoicePDF: r.InvoicePDF,
		}
	}
	return out, next, nil
}
