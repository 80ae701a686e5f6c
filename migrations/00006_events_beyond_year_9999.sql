-- Before events were refused past year 9999 (UTC), a client could send a
-- timestamp such as 9999-12-31T23:00:00-05:00: occurred_at was clamped to
-- the receive time (more than a day ahead), but sent_at kept the claimed
-- time, in year 10000, which no RFC 3339 answer can carry (the support view
-- then failed). Those rows get the receive time as their sent_at; they are
-- already flagged as clamped.

-- +goose Up
UPDATE onboarding_events SET sent_at = received_at, clamped = true
WHERE sent_at >= '10000-01-01T00:00:00Z';

-- +goose Down
-- The claimed times are gone; nothing to undo.
SELECT 1;
