-- +goose Up

-- One Stripe customer per organization, created once. The primary key on
-- organization_id is what makes two racing checkouts unable to store two.
CREATE TABLE billing_customers (
    organization_id    uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    stripe_customer_id text NOT NULL UNIQUE,
    created_at         timestamptz NOT NULL DEFAULT now()
);

-- Checkout sessions this service created (the funnel's "checkout started").
CREATE TABLE checkout_sessions (
    id                text PRIMARY KEY, -- Stripe's cs_… id
    organization_id   uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    plan_id           text NOT NULL,
    seats             integer NOT NULL CHECK (seats > 0),
    created_by        uuid REFERENCES users (id) ON DELETE SET NULL,
    expires_at        timestamptz,
    completed_at      timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX checkout_sessions_org_idx ON checkout_sessions (organization_id, created_at);

-- Stripe subscriptions as the webhook last saw them. Rows change only by
-- applying a Stripe event (and by a seat change Stripe accepted).
CREATE TABLE subscriptions (
    id                     uuid PRIMARY KEY,
    organization_id        uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    stripe_subscription_id text NOT NULL UNIQUE,
    stripe_customer_id     text NOT NULL,
    stripe_item_id         text,  -- the item whose quantity is the seat count
    stripe_price_id        text,
    plan_id                text,  -- from the price through the catalog; NULL when the price is unknown
    status                 text NOT NULL CHECK (status IN ('incomplete', 'trialing', 'active', 'past_due',
                                   'canceled', 'unpaid', 'incomplete_expired', 'paused')),
    seats                  integer NOT NULL CHECK (seats >= 0),
    current_period_end     timestamptz,
    cancel_at_period_end   boolean NOT NULL DEFAULT false,
    trial_end              timestamptz,
    -- When the subscription turned past_due (the event's time), for the grace period.
    past_due_since         timestamptz,
    -- First time it was active or trialing: subscription_activated is recorded once.
    activated_at           timestamptz,
    canceled_at            timestamptz,
    latest_invoice_id      text,
    latest_invoice_status  text CHECK (latest_invoice_status IN ('paid', 'payment_failed')),
    stripe_created         timestamptz NOT NULL,
    -- `created` of the last subscription event applied: older events never win.
    last_event_created     timestamptz NOT NULL,
    last_event_id          text NOT NULL,
    -- Same rule for invoice events, kept apart so an invoice never blocks a subscription update.
    last_invoice_event_created timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscriptions_org_idx ON subscriptions (organization_id, stripe_created DESC);

-- Every verified webhook event, by Stripe's evt_ id: recording it and
-- applying it happen in one transaction, so an id is applied at most once.
CREATE TABLE stripe_events (
    id                     text PRIMARY KEY,
    type                   text NOT NULL,
    api_version            text,
    created                timestamptz NOT NULL,
    -- applied | stale (older than what is stored) | ignored (type not handled) | unmatched (no organization)
    outcome                text NOT NULL CHECK (outcome IN ('applied', 'stale', 'ignored', 'unmatched')),
    organization_id        uuid REFERENCES organizations (id) ON DELETE SET NULL,
    stripe_subscription_id text,
    received_at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stripe_events_org_idx ON stripe_events (organization_id, created);

-- +goose Down
DROP TABLE stripe_events;
DROP TABLE subscriptions;
DROP TABLE checkout_sessions;
DROP TABLE billing_customers;
