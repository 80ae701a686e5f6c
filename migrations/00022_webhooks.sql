-- Outbound webhooks (Standard Webhooks). Staff register endpoints; a change
-- that raises an event writes a message and one delivery per subscribed
-- endpoint in its own transaction (the outbox), and a job per delivery
-- makes the HTTP call after the commit, with retries.
-- +goose Up
CREATE TABLE webhook_endpoints (
    id         uuid PRIMARY KEY,
    url        text NOT NULL,
    events     text[] NOT NULL,
    -- The signing key (the bytes after whsec_); HMAC needs it as is, so it
    -- cannot be hashed. It is returned once, when the endpoint is created.
    secret     bytea NOT NULL,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL
);

-- One event as sent: its body is fixed when the change commits, so every
-- attempt and every endpoint gets the same bytes under the same
-- webhook-id.
CREATE TABLE webhook_messages (
    id              uuid PRIMARY KEY,
    type            text NOT NULL,
    organization_id uuid,
    body            bytea NOT NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX webhook_messages_created_idx ON webhook_messages (created_at);

CREATE TABLE webhook_deliveries (
    id               uuid PRIMARY KEY,
    endpoint_id      uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    message_id       uuid NOT NULL REFERENCES webhook_messages (id) ON DELETE CASCADE,
    status           text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    last_status_code integer,
    next_attempt_at  timestamptz,
    created_at       timestamptz NOT NULL,
    delivered_at     timestamptz
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_message_idx ON webhook_deliveries (message_id);

CREATE TABLE webhook_attempts (
    delivery_id  uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt      integer NOT NULL,
    attempted_at timestamptz NOT NULL,
    status_code  integer,
    -- Why no status came back (timeout, refused address…), never the
    -- receiver's body.
    error        text,
    duration_ms  integer NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_messages;
DROP TABLE webhook_endpoints;
