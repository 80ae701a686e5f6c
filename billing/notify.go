package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v76"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/mail"
)

// Mailer queues emails in the caller's transaction (jobs.Mailer): the
// webhook's transaction writes them with the event, a job sends them, and
// a delivery that rolls back sends nothing.
type Mailer interface {
	EnqueueMany(ctx context.Context, tx *database.Tx, msgs []mail.Message) error
}

// defaultTimeZone is where a person who never said theirs is taken to
// live, as the nudges take it: Onramp sells to French companies first.
const defaultTimeZone = "Europe/Paris"

// billingContact is an owner or admin, who hears about the organization's
// billing.
type billingContact struct {
	UserID   uuid.UUID
	Email    string
	FullName string
	Locale   *string
	TimeZone *string
}

// billingContacts are the organization's owners and admins, and its name.
func billingContacts(ctx context.Context, tx *database.Tx, orgID uuid.UUID) (string, []billingContact, error) {
	var name string
	if err := tx.WithContext(ctx).Raw(`SELECT name FROM organizations WHERE id = ?`, orgID).Scan(&name).Error; err != nil {
		return "", nil, fmt.Errorf("load organization: %w", err)
	}
	var people []billingContact
	if err := tx.WithContext(ctx).Raw(`
		SELECT u.id AS user_id, u.email, u.full_name, u.locale, u.time_zone
		FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.organization_id = ? AND m.role IN ('owner', 'admin')
		ORDER BY m.joined_at, u.id`, orgID).Scan(&people).Error; err != nil {
		return "", nil, fmt.Errorf("load owners and admins: %w", err)
	}
	return name, people, nil
}

// notifyPaymentFailed emails every owner and admin that Stripe could not
// collect the invoice, each in their language, with a portal link.
func (s *Service) notifyPaymentFailed(ctx context.Context, tx *database.Tx, orgID uuid.UUID, inv invoiceRow) error {
	return s.notify(ctx, tx, orgID, func(p billingContact, org string) mail.Message {
		return mail.PaymentFailedEmail(s.localeOf(p.Locale), mail.PaymentFailed{
			To: p.Email, FullName: p.FullName, OrganizationName: org, Link: s.portalLink(orgID, p.UserID),
			InvoiceNumber: deref(inv.Number), AmountDue: inv.AmountDue, Currency: inv.Currency,
		})
	})
}

// notifyTrialEnding emails every owner and admin that the trial ends,
// when the subscription, as stored now, is still in a trial that ends
// later: a late trial_will_end for a subscription already paid or
// canceled tells nobody anything.
func (s *Service) notifyTrialEnding(ctx context.Context, tx *database.Tx, row *subscriptionRow, sub *stripe.Subscription) error {
	if row.Status != StatusTrialing || row.TrialEnd == nil || !row.TrialEnd.After(s.now()) {
		return nil
	}
	needsCard := false
	if row.PlanID != nil {
		if p, ok := s.catalog.Plan(*row.PlanID); ok {
			needsCard = !p.CardRequired && sub.DefaultPaymentMethod == nil && sub.DefaultSource == nil
		}
	}
	return s.notify(ctx, tx, row.OrganizationID, func(p billingContact, org string) mail.Message {
		return mail.TrialEndingEmail(s.localeOf(p.Locale), mail.TrialEnding{
			To: p.Email, FullName: p.FullName, OrganizationName: org, Link: s.portalLink(row.OrganizationID, p.UserID),
			TrialEnd: *row.TrialEnd, Location: timeZone(p.TimeZone), NeedsPaymentMethod: needsCard,
		})
	})
}

// notify queues write's message to each owner and admin, in tx.
func (s *Service) notify(ctx context.Context, tx *database.Tx, orgID uuid.UUID, write func(billingContact, string) mail.Message) error {
	if s.mailer == nil {
		return fmt.Errorf("billing emails of organization %s: no mailer configured", orgID)
	}
	org, people, err := billingContacts(ctx, tx, orgID)
	if err != nil {
		return err
	}
	msgs := make([]mail.Message, len(people))
	for i, p := range people {
		msgs[i] = write(p, org)
		msgs[i].UserID = p.UserID
	}
	if err := s.mailer.EnqueueMany(ctx, tx, msgs); err != nil {
		return fmt.Errorf("queue billing emails: %w", err)
	}
	return nil
}

func (s *Service) localeOf(said *string) mail.Locale { return mail.LocaleOf(said, s.defaultLocale) }

// timeZone is the person's time zone, Europe/Paris when they never said
// (or named one this binary does not know), UTC without time zone data.
func timeZone(name *string) *time.Location {
	for _, n := range []string{deref(name), defaultTimeZone} {
		if n == "" {
			continue
		}
		if loc, err := time.LoadLocation(n); err == nil {
			return loc
		}
	}
	return time.UTC
}
