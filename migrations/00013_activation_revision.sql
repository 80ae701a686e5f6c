-- Servers cache the activation definition and check, on every event
-- batch, that the cached one is still the one in this row: revision is a
-- sequence number taken on every change, so it is never reused, not even
-- after a change that rolled back.

-- +goose Up
CREATE SEQUENCE onboarding_activation_revisions;
ALTER TABLE onboarding_activation
    ADD COLUMN revision bigint NOT NULL DEFAULT nextval('onboarding_activation_revisions');

-- +goose Down
ALTER TABLE onboarding_activation DROP COLUMN revision;
DROP SEQUENCE onboarding_activation_revisions;
