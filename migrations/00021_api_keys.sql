-- Server keys: the product's own backend sends events for its members
-- (bookings happen there, not in a member's browser). A key is shown once;
-- only its SHA-256 is kept (a key is 32 random bytes, so a fast hash is
-- enough: there is nothing to guess a dictionary of). Every request looks
-- the hash up here, so a revoked key stops working at once.
-- +goose Up
CREATE TABLE api_keys (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    scopes     text[] NOT NULL,
    key_hash   bytea NOT NULL UNIQUE,
    -- The key's first characters, so staff can tell keys apart in a list
    -- without the key itself.
    prefix     text NOT NULL,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);

-- Events taken per key in its current one-minute window
-- (API_KEY_RATE_LIMIT): one row per key, shared by every instance, moved
-- to the next window by the statement that counts.
CREATE TABLE api_key_usage (
    key_id       uuid PRIMARY KEY REFERENCES api_keys (id) ON DELETE CASCADE,
    window_start timestamptz NOT NULL,
    events       integer NOT NULL
);

-- +goose Down
DROP TABLE api_key_usage;
DROP TABLE api_keys;
