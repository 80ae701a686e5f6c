-- What a person chose not to receive: optional emails (onboarding tips,
-- the nudges) by category. Transactional emails (verification, reset,
-- invitation, billing) ignore it.
--
-- Keyed by the address's hash, not by a user id:
-- * an invitee has no account yet, and the first nudges may reach them
--   before they accept; an opt-out made from one of those must still hold
--   once the account exists, and one made by a user holds for any future
--   invitation to the same address;
-- * it must survive the person's erasure as a suppression entry (they said
--   "never send me these"), without keeping the address: a SHA-256 of the
--   lower-cased address holds none, and only someone who already knows the
--   address can match it.
-- email_hash = sha256(convert_to(lower(email), 'UTF8')); users.email and
-- invitations.email are stored lower-cased already. The nudge sweep joins
-- this table with exactly that expression.
-- A row is an opt-out; no row is the default (subscribed). Opting back in
-- deletes the row.

-- +goose Up
CREATE TABLE notification_opt_outs (
    email_hash   bytea       NOT NULL CHECK (length(email_hash) = 32),
    category     text        NOT NULL CHECK (category IN ('onboarding_tips')),
    opted_out_at timestamptz NOT NULL,
    PRIMARY KEY (email_hash, category)
);

-- +goose Down
DROP TABLE notification_opt_outs;
