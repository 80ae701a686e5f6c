package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/database"
)

// Customer <-> organization. Each organization has one Stripe customer,
// created by its first checkout and stored in billing_customers (one per
// organization, and a customer id belongs to one organization). The stored
// customer decides where every Stripe object goes: whatever metadata says,
// an object whose customer an organization holds is that organization's,
// and a customer no organization holds is linked only from a Checkout
// session this service opened (checkout_sync.go).

// customerRow links an organization to its one Stripe customer.
type customerRow struct {
	OrganizationID   uuid.UUID `gorm:"primaryKey"`
	StripeCustomerID string
	CreatedAt        time.Time
}

func (customerRow) TableName() string { return "billing_customers" }

// customerOf is the organization's stored Stripe customer, "" when none.
func (s *Service) customerOf(ctx context.Context, h database.Handle, orgID uuid.UUID) (string, error) {
	var c customerRow
	err := h.Query(ctx).Where("organization_id = ?", orgID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("load stripe customer: %w", err)
	}
	return c.StripeCustomerID, nil
}

// ensureCustomer returns the organization's Stripe customer, creating it
// the first time. No transaction is held across the Stripe call; the
// organization's checkouts, which call it, run one at a time (CreateCheckout).
// The creation still sends the idempotency key derived from the
// organization id, so that a retry after our own store failed gets the same
// customer back, and the customer stored first wins: every caller goes on
// with the stored one. The customer carries the first owner's email and
// prefers that owner's language (Stripe's emails, invoices and pages), or
// callerLocale when that owner never said theirs: the same for every retry
// once the owner said, as a reused idempotency key needs the same
// parameters.
func (s *Service) ensureCustomer(ctx context.Context, orgID uuid.UUID, callerLocale string) (string, error) {
	if id, err := s.customerOf(ctx, s.db, orgID); err != nil || id != "" {
		return id, err
	}
	var org struct {
		Name        string
		OwnerEmail  *string
		OwnerLocale *string
	}
	err := s.db.Query(ctx).Raw(`
		SELECT o.name, u.email AS owner_email, u.locale AS owner_locale
		FROM organizations o
		LEFT JOIN LATERAL (
		    SELECT u.email, u.locale FROM memberships m JOIN users u ON u.id = m.user_id
		    WHERE m.organization_id = o.id AND m.role = 'owner'
		    ORDER BY m.joined_at, m.user_id LIMIT 1) u ON true
		WHERE o.id = ?`, orgID).Take(&org).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", apperr.NotFound("organization")
	}
	if err != nil {
		return "", fmt.Errorf("load organization: %w", err)
	}
	params := &stripe.CustomerParams{
		Params:   stripe.Params{Context: ctx, IdempotencyKey: stripe.String("onramp-customer-" + orgID.String())},
		Name:     stripe.String(org.Name),
		Email:    org.OwnerEmail, // receipts and Stripe's own emails go to the buyer's owner
		Metadata: map[string]string{"organization_id": orgID.String()},
	}
	locale := callerLocale
	if org.OwnerLocale != nil {
		locale = *org.OwnerLocale
	}
	if locale != "" {
		params.PreferredLocales = []*string{stripe.String(locale)}
	}
	c, err := s.stripe.Customers.New(params)
	if err != nil {
		s.log.WarnContext(ctx, "stripe customer creation failed", "organization_id", orgID, "err", redactedErr{err})
		return "", stripeErr("create stripe customer", err)
	}
	var stored string
	err = s.db.InTx(ctx, func(tx *database.Tx) error {
		if _, err := linkCustomer(ctx, tx, orgID, c.ID, s.now()); err != nil {
			return err
		}
		var err error
		stored, err = s.customerOf(ctx, tx, orgID)
		return err
	})
	if err != nil {
		return "", err
	}
	if stored == "" {
		// The customer id is another organization's: Stripe never reuses one.
		return "", fmt.Errorf("store stripe customer %s for organization %s: it belongs to another organization", c.ID, orgID)
	}
	if stored != c.ID {
		s.log.WarnContext(ctx, "another Stripe customer was stored first for the organization: using it",
			"organization_id", orgID, "stored_customer_id", stored, "created_customer_id", c.ID)
	}
	return stored, nil
}

// linkCustomer stores customerID as the organization's customer unless
// either already has a link: a stored link never changes. It reports
// whether this call made the link.
func linkCustomer(ctx context.Context, tx *database.Tx, orgID uuid.UUID, customerID string, now time.Time) (bool, error) {
	res := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).
		Create(&customerRow{OrganizationID: orgID, StripeCustomerID: customerID, CreatedAt: now})
	if res.Error != nil {
		return false, fmt.Errorf("link stripe customer: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// orgOfCustomer is the organization holding customerID, locked for the
// rest of tx (every change to an organization's billing state happens
// under its lock, so events of one organization apply one at a time).
// uuid.Nil when no organization holds it.
func orgOfCustomer(ctx context.Context, tx *database.Tx, customerID string) (uuid.UUID, error) {
	if customerID == "" {
		return uuid.Nil, nil
	}
	var c customerRow
	err := tx.WithContext(ctx).Where("stripe_customer_id = ?", customerID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return uuid.Nil, nil
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("find stripe customer: %w", err)
	}
	if err := tx.LockOrganization(ctx, c.OrganizationID); err != nil {
		return uuid.Nil, err
	}
	return c.OrganizationID, nil
}
