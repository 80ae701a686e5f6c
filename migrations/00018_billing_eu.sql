-- Self-serve billing for European companies: open Checkout sessions are
-- reused or expired (so they are kept whole), and invoices are kept from
-- Stripe's invoice events.

-- +goose Up

-- What a session was opened for, so that the same request gets it back
-- while it is open, and what became of it. Rows from before this migration
-- have none of it: they are never reused, only expired.
ALTER TABLE checkout_sessions
    ADD COLUMN url                    text,
    ADD COLUMN locale                 text,
    ADD COLUMN success_url            text,
    ADD COLUMN cancel_url             text,
    -- When we expired it in Stripe (or learnt Stripe had): never reused again.
    ADD COLUMN expired_at             timestamptz,
    -- The subscription its completion made, from checkout.session.completed.
    ADD COLUMN stripe_subscription_id text;
CREATE INDEX checkout_sessions_open_idx ON checkout_sessions (organization_id)
    WHERE completed_at IS NULL AND expired_at IS NULL;

-- Invoices of the customers organizations hold, as the invoice events last
-- described them. Rows change only by applying a Stripe event, under the
-- subscriptions' ordering rule: an event older than the last one applied
-- never wins, and a paid or void invoice never goes back.
CREATE TABLE invoices (
    id                     uuid PRIMARY KEY,
    organization_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    stripe_invoice_id      text NOT NULL UNIQUE,
    stripe_customer_id     text NOT NULL,
    stripe_subscription_id text,
    number                 text, -- set by Stripe once the invoice is finalized
    status                 text NOT NULL CHECK (status IN ('draft', 'open', 'paid', 'uncollectible', 'void')),
    amount_due             bigint NOT NULL,
    amount_paid            bigint NOT NULL,
    currency               text NOT NULL,
    hosted_invoice_url     text,
    invoice_pdf            text,
    stripe_created         timestamptz NOT NULL,
    last_event_created     timestamptz NOT NULL,
    last_event_id          text NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
-- GET /v1/billing/invoices: newest first, by keyset.
CREATE INDEX invoices_org_idx ON invoices (organization_id, stripe_created DESC, id DESC);

-- +goose Down
DROP TABLE invoices;
DROP INDEX checkout_sessions_open_idx;
ALTER TABLE checkout_sessions
    DROP COLUMN url, DROP COLUMN locale, DROP COLUMN success_url, DROP COLUMN cancel_url,
    DROP COLUMN expired_at, DROP COLUMN stripe_subscription_id;
