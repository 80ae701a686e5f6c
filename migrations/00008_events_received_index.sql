-- +goose NO TRANSACTION
-- Raw events older than EVENT_RETENTION_DAYS are deleted by a background
-- job, oldest first by the time they were received (the sender's own
-- timestamp may be anything). The job reads this index a slice at a time
-- instead of scanning the table. Built CONCURRENTLY so ingestion is not
-- blocked while it builds; a failed build leaves an invalid index, which
-- the DROP clears before the next attempt.

-- +goose Up
DROP INDEX CONCURRENTLY IF EXISTS onboarding_events_received_idx;
CREATE INDEX CONCURRENTLY onboarding_events_received_idx ON onboarding_events (received_at);

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS onboarding_events_received_idx;
