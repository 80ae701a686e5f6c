-- Raw events partitioned by the month they were received, so that
-- retention drops a month's partition at once instead of deleting it row
-- by row (which also left the table and its indexes as large as ever).
--
-- The dedup guarantee, an (organization_id, id) counted once ever, cannot
-- be a key of the partitioned table: a unique index there must include
-- the partition key, and the same id may come back any month later. It is
-- kept in onboarding_event_ids, two uuids per event and nothing else,
-- which outlives the raw events: an id replayed after its event was
-- pruned is still a duplicate, which the old primary key did not promise.
-- A key derived from the id itself (partitioning by the id's UUIDv7 time)
-- was the other option: it would need no second table, but clients choose
-- their ids, so their time says nothing, and a partition could then never
-- be dropped by age.
--
-- Partitions are listed in onboarding_event_partitions (a partition's
-- bounds are otherwise only readable as text) and created ahead of time
-- by onboarding_ensure_event_partitions, which the hourly upkeep job
-- calls (ingestion calls it too, before recording an event beyond the
-- last partition, so that a stopped job never stops ingestion). A
-- partition is created as a table of its own and then attached, which
-- locks the parent against other DDL only, never against inserts.
--
-- The events of before this migration stay in one partition,
-- onboarding_events_history (from the beginning of time to the end of
-- the month of the migration), dropped whole once all of it has expired.
-- The rows of a partition that is only partly expired are deleted by
-- received_at, a slice at a time, from that partition alone
-- (onboarding_delete_events_before): ctids are per partition.
--
-- Indexes: received_at (those slices), the server events by organization
-- (the support view), and (organization_id, user_id), for a person's
-- export and erasure and an organization's deletion, which the primary key
-- served before; a client batch is one member's events, so its entries go
-- to one place of that index.

-- +goose Up
CREATE TABLE onboarding_event_ids (
    organization_id uuid NOT NULL,
    id              uuid NOT NULL,
    PRIMARY KEY (organization_id, id)
);
INSERT INTO onboarding_event_ids (organization_id, id) SELECT organization_id, id FROM onboarding_events;

ALTER TABLE onboarding_events RENAME TO onboarding_events_history;
ALTER TABLE onboarding_events_history DROP CONSTRAINT onboarding_events_pkey;
ALTER INDEX onboarding_events_received_idx RENAME TO onboarding_events_history_received_idx;
ALTER INDEX onboarding_events_server_recent_idx RENAME TO onboarding_events_history_server_recent_idx;

CREATE TABLE onboarding_events (
    organization_id uuid NOT NULL,
    id              uuid NOT NULL,
    name            text NOT NULL,
    source          text NOT NULL CONSTRAINT onboarding_events_source_check CHECK (source IN ('client', 'server')),
    user_id         uuid,
    sent_at         timestamptz NOT NULL,
    occurred_at     timestamptz NOT NULL,
    received_at     timestamptz NOT NULL,
    clamped         boolean NOT NULL DEFAULT false,
    properties      jsonb NOT NULL DEFAULT '{}'
) PARTITION BY RANGE (received_at);
CREATE INDEX onboarding_events_received_idx ON onboarding_events (received_at);
CREATE INDEX onboarding_events_server_recent_idx ON onboarding_events (organization_id, received_at DESC) WHERE source = 'server';
CREATE INDEX onboarding_events_member_idx ON onboarding_events (organization_id, user_id);

CREATE TABLE onboarding_event_partitions (
    name        text PRIMARY KEY,
    lower_bound timestamptz NOT NULL, -- '-infinity' for the history
    upper_bound timestamptz NOT NULL UNIQUE
);

-- +goose StatementBegin
DO $$
DECLARE
    upper_bound timestamptz := (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
BEGIN
    EXECUTE format('ALTER TABLE onboarding_events ATTACH PARTITION onboarding_events_history FOR VALUES FROM (MINVALUE) TO (%L)', upper_bound);
    INSERT INTO onboarding_event_partitions VALUES ('onboarding_events_history', '-infinity', upper_bound);
END
$$;
-- +goose StatementEnd

-- onboarding_ensure_event_partitions creates the monthly partitions (UTC)
-- after the last one, up to the one that holds until, and returns how
-- many it created. Concurrent callers take turns (the list's lock).
-- +goose StatementBegin
CREATE FUNCTION onboarding_ensure_event_partitions(until timestamptz) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    lo timestamptz;
    hi timestamptz;
    part text;
    created int := 0;
BEGIN
    LOCK TABLE onboarding_event_partitions IN EXCLUSIVE MODE;
    SELECT max(upper_bound) INTO lo FROM onboarding_event_partitions;
    WHILE lo <= until LOOP
        hi := (date_trunc('month', lo AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
        part := 'onboarding_events_' || to_char(lo AT TIME ZONE 'UTC', 'YYYY_MM');
        EXECUTE format('CREATE TABLE %I (LIKE onboarding_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
        EXECUTE format('ALTER TABLE onboarding_events ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, lo, hi);
        INSERT INTO onboarding_event_partitions VALUES (part, lo, hi);
        lo := hi;
        created := created + 1;
    END LOOP;
    RETURN created;
END
$$;
-- +goose StatementEnd

-- onboarding_drop_event_partitions drops every partition whose events were
-- all received before `before` and returns how many events they held.
-- Dropping a partition locks the parent for an instant; an ingest that
-- holds it makes this wait at most a second, and the next run retries.
-- +goose StatementBegin
CREATE FUNCTION onboarding_drop_event_partitions(before timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    part text;
    held bigint;
    dropped bigint := 0;
BEGIN
    SET LOCAL lock_timeout = '1s';
    LOCK TABLE onboarding_event_partitions IN EXCLUSIVE MODE;
    FOR part IN SELECT name FROM onboarding_event_partitions WHERE upper_bound <= before ORDER BY upper_bound LOOP
        EXECUTE format('SELECT count(*) FROM %I', part) INTO held;
        EXECUTE format('DROP TABLE %I', part);
        DELETE FROM onboarding_event_partitions WHERE name = part;
        dropped := dropped + held;
    END LOOP;
    RETURN dropped;
END
$$;
-- +goose StatementEnd

-- onboarding_delete_events_before deletes up to max_rows of the oldest
-- events received before `before`, from the partitions that begin before
-- it (after the drops, the one that holds it), by row address within each.
-- +goose StatementBegin
CREATE FUNCTION onboarding_delete_events_before(before timestamptz, max_rows int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    part text;
    n int;
    deleted int := 0;
BEGIN
    FOR part IN SELECT name FROM onboarding_event_partitions WHERE lower_bound < before ORDER BY upper_bound LOOP
        EXIT WHEN deleted >= max_rows;
        EXECUTE format('DELETE FROM %I WHERE ctid = ANY(ARRAY(SELECT ctid FROM %I WHERE received_at < $1 ORDER BY received_at LIMIT $2))', part, part)
            USING before, max_rows - deleted;
        GET DIAGNOSTICS n = ROW_COUNT;
        deleted := deleted + n;
    END LOOP;
    RETURN deleted;
END
$$;
-- +goose StatementEnd

SELECT onboarding_ensure_event_partitions(now() + interval '2 months');

-- +goose Down
DROP FUNCTION onboarding_delete_events_before(timestamptz, int);
DROP FUNCTION onboarding_drop_event_partitions(timestamptz);
DROP FUNCTION onboarding_ensure_event_partitions(timestamptz);
CREATE TABLE onboarding_events_unpartitioned (LIKE onboarding_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (organization_id, id));
INSERT INTO onboarding_events_unpartitioned SELECT * FROM onboarding_events;
DROP TABLE onboarding_events;
DROP TABLE onboarding_event_partitions;
ALTER TABLE onboarding_events_unpartitioned RENAME TO onboarding_events;
ALTER INDEX onboarding_events_unpartitioned_pkey RENAME TO onboarding_events_pkey;
CREATE INDEX onboarding_events_received_idx ON onboarding_events (received_at);
CREATE INDEX onboarding_events_server_recent_idx ON onboarding_events (organization_id, received_at DESC) WHERE source = 'server';
DROP TABLE onboarding_event_ids;
