package billing

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
)

// While Stripe is slow to answer a seat change or a customer creation, the
// organization's lock is free: the company's event ingestion, checklist
// writes and webhooks, which take the same lock, go on.
func TestNoOrganizationLockAcrossStripeCalls(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		name, method, path string
		setup              func(h *harness, org uuid.UUID)
		call               func(h *harness, org uuid.UUID) error
		after              func(h *harness, org uuid.UUID)
	}{
		{
			name: "seat change", method: "POST", path: "/v1/subscription_items/",
			setup: func(h *harness, org uuid.UUID) {
				h.holdCustomer(org, "cus_slow")
				h.deliver(EventSubscriptionCreated, h.clock.Now().Add(-time.Minute), testSub{ID: "sub_slow", Customer: "cus_slow", Status: StatusActive, Seats: 5}.object())
			},
			call: func(h *harness, org uuid.UUID) error {
				sub, err := h.svc.UpdateSeats(ctx, org, 8)
				if err == nil && sub.Seats != 8 {
					t.Errorf("answered %d seats, want 8", sub.Seats)
				}
				return err
			},
			after: func(h *harness, org uuid.UUID) {
				if row := h.stored("sub_slow"); row.Seats != 8 {
					t.Errorf("stored %d seats, want 8", row.Seats)
				}
			},
		},
		{
			name: "customer creation", method: "POST", path: "/v1/customers",
			setup: func(*harness, uuid.UUID) {},
			call: func(h *harness, org uuid.UUID) error {
				_, err := h.svc.CreateCheckout(ctx, org, uuid.Nil, CheckoutInput{PlanID: "standalone-monthly", Seats: 3})
				return err
			},
			after: func(h *harness, org uuid.UUID) {
				if n := h.count(`SELECT count(*) FROM billing_customers WHERE organization_id = ?`, org); n != 1 {
					t.Errorf("%d customers stored, want 1", n)
				}
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			org := h.newOrg("Slow Stripe Inc")
			c.setup(h, org)
			arrived, release := h.stripe.Hold(c.method, c.path)
			defer release()
			done := make(chan error, 1)
			go func() { done <- c.call(h, org) }()
			select {
			case <-arrived:
			case err := <-done:
				t.Fatalf("finished without calling Stripe: %v", err)
			}

			// Stripe has not answered yet. Anything else that takes the
			// organization's lock must get it at once.
			err := h.db.InTx(ctx, func(tx *database.Tx) error {
				if err := tx.Exec(`SET LOCAL lock_timeout = '2s'`).Error; err != nil {
					return err
				}
				return tx.LockOrganization(ctx, org)
			})
			if err != nil {
				t.Fatalf("the organization stays locked while Stripe answers: %v", err)
			}

			release()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			c.after(h, org)
		})
	}
}
