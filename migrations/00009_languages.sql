-- Languages. Every email is written in its reader's language: an
-- invitation keeps the one its email was (and its reminders will be)
-- written in, and a step carries its French text beside its own.

-- +goose Up
-- Invitations sent before languages were chosen were written in their
-- sender's language, English when the sender had said none.
ALTER TABLE invitations
    ADD COLUMN locale text CHECK (locale IN ('en', 'fr')),
    -- SHA-256 of the latest reminder's token: a second way to accept the
    -- same invitation, replaced by the next reminder, never stored itself.
    ADD COLUMN reminder_token_hash bytea UNIQUE;
UPDATE invitations i
   SET locale = coalesce((SELECT u.locale FROM users u WHERE u.id = i.invited_by), 'en');
ALTER TABLE invitations ALTER COLUMN locale SET NOT NULL;

-- {"fr": {"title": ..., "description": ...}}: the step's text in other
-- languages than its own (published with it into versions' steps).
ALTER TABLE onboarding_steps
    ADD COLUMN translations jsonb NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE onboarding_steps DROP COLUMN translations;
ALTER TABLE invitations DROP COLUMN reminder_token_hash, DROP COLUMN locale;
