-- Metrics whose cost follows the range asked for, not the number of
-- organizations: daily rollups of onboarding_organizations by UTC signup
-- day. Triggers on onboarding_organizations keep them in the transaction
-- of every change to the row, whoever writes it (event batches, the
-- membership triggers' recount, the hourly active-members recount, a
-- deleted organization, a bulk load): what is counted and its count can
-- never disagree.

-- +goose Up

-- The funnel's stages, in order: 0 signed up, 1 checkout started, 2 paid,
-- 2+i the i-th required step of the activation definition, 3+n activated
-- (n required steps). funnel_stage is the last stage an organization
-- reached with every stage before it, so "reached stage k and every one
-- before" is funnel_stage >= k, a sum of rollup rows.
-- +goose StatementBegin
CREATE FUNCTION onboarding_funnel_stage(checkout_started_at timestamptz, paid_at timestamptz, completed_steps text[],
                                        activated_at timestamptz, required_steps text[])
    RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE
        WHEN checkout_started_at IS NULL THEN 0
        WHEN paid_at IS NULL THEN 1
        ELSE 2 + coalesce(
            (SELECT min(i) - 1 FROM generate_subscripts(required_steps, 1) AS i WHERE NOT completed_steps @> ARRAY[required_steps[i]]),
            cardinality(required_steps) + CASE WHEN activated_at IS NULL THEN 0 ELSE 1 END)
    END)::smallint
$$;
-- +goose StatementEnd

ALTER TABLE onboarding_organizations ADD COLUMN funnel_stage smallint NOT NULL DEFAULT 0;
UPDATE onboarding_organizations
SET funnel_stage = onboarding_funnel_stage(checkout_started_at, paid_at, completed_steps, activated_at,
                                           coalesce((SELECT required_steps FROM onboarding_activation), '{}'))
WHERE checkout_started_at IS NOT NULL;

-- Which required steps funnel_stage follows. A definition change sets
-- ready to false in its transaction and queues a job that recomputes every
-- organization's stage (the rollups follow, through the triggers); the
-- job sets ready back once it went through them all for the generation it
-- started on. Until then the funnel is counted from the milestone rows.
CREATE TABLE onboarding_funnel_stages (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    required_steps text[] NOT NULL,
    generation     bigint NOT NULL,
    ready          boolean NOT NULL
);
INSERT INTO onboarding_funnel_stages (required_steps, generation, ready)
VALUES (coalesce((SELECT required_steps FROM onboarding_activation), '{}'), 1, true);

-- Per UTC signup day, source ('' for none), current plan ('' for none),
-- funnel stage and shard: the organizations and the sums of their
-- milestones and counters. The funnel, the cohorts' counts and the seat
-- metrics sum these rows. Shards (onboarding_shard % 4) spread the
-- counters of one day over several rows, so concurrent batches of
-- different organizations rarely wait on one; four, not sixteen, because
-- a reader of a year sums every row of it.
CREATE TABLE onboarding_daily_organizations (
    day                date NOT NULL,
    utm_source         text NOT NULL,
    plan_id            text NOT NULL,
    funnel_stage       smallint NOT NULL,
    shard              smallint NOT NULL,
    organizations      bigint NOT NULL,
    checkout_started   bigint NOT NULL,
    paid               bigint NOT NULL,
    activated          bigint NOT NULL,
    seats              bigint NOT NULL,
    members_invited    bigint NOT NULL,
    members_joined     bigint NOT NULL,
    members_started    bigint NOT NULL,
    members_active_28d bigint NOT NULL,
    PRIMARY KEY (day, utm_source, plan_id, funnel_stage, shard)
);

-- The time from signup to activation in coarse buckets (quarter octaves of
-- minutes: bucket b holds 2^(b/4) - 1 to 2^((b+1)/4) - 1 minutes), per
-- signup day and source. A median is exact: the buckets tell which one
-- holds the middle organizations and at which rank, and
-- onboarding_organizations_activation_idx gives the exact times of that
-- bucket alone. An organization is activated once, so these rows see
-- little contention and are not sharded.
-- +goose StatementBegin
CREATE FUNCTION onboarding_activation_bucket(d interval) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT floor(4 * log(2, 1 + greatest(extract(epoch FROM d), 0) / 60))::smallint
$$;
-- +goose StatementEnd
CREATE TABLE onboarding_daily_activation (
    day           date NOT NULL,
    utm_source    text NOT NULL,
    bucket        smallint NOT NULL,
    organizations bigint NOT NULL,
    PRIMARY KEY (day, utm_source, bucket)
);
CREATE INDEX onboarding_organizations_activation_idx
    ON onboarding_organizations (onboarding_activation_bucket(activated_at - signed_up_at), signed_up_at)
    INCLUDE (utm_source, activated_at) WHERE activated_at IS NOT NULL;

-- One organization row's contribution to the rollups, with sign +1 (the
-- row as it is now) or -1 (as it was).
CREATE TYPE onboarding_rollup_delta AS (
    day date, utm_source text, plan_id text, funnel_stage smallint, shard smallint, bucket smallint,
    organizations bigint, checkout_started bigint, paid bigint, activated bigint, seats bigint,
    members_invited bigint, members_joined bigint, members_started bigint, members_active_28d bigint
);
-- +goose StatementBegin
CREATE FUNCTION onboarding_rollup_delta(o onboarding_organizations, sign integer) RETURNS onboarding_rollup_delta
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ROW((o.signed_up_at AT TIME ZONE 'UTC')::date, coalesce(o.utm_source, ''), coalesce(o.plan_id, ''),
               o.funnel_stage, onboarding_shard(o.organization_id) % 4,
               CASE WHEN o.activated_at IS NOT NULL THEN onboarding_activation_bucket(o.activated_at - o.signed_up_at) END,
               sign, sign * (o.checkout_started_at IS NOT NULL)::int, sign * (o.paid_at IS NOT NULL)::int,
               sign * (o.activated_at IS NOT NULL)::int, sign * o.seats, sign * o.members_invited, sign * o.members_joined,
               sign * o.members_started, sign * o.members_active_28d)::onboarding_rollup_delta
$$;

-- onboarding_apply_rollup adds deltas to the rollups: those of an
-- unchanged row cancel out and touch nothing. Rows are upserted in key
-- order, so two statements never lock the same rows in opposite orders.
CREATE FUNCTION onboarding_apply_rollup(deltas onboarding_rollup_delta[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO onboarding_daily_organizations AS r (day, utm_source, plan_id, funnel_stage, shard, organizations,
        checkout_started, paid, activated, seats, members_invited, members_joined, members_started, members_active_28d)
    SELECT day, utm_source, plan_id, funnel_stage, shard, sum(organizations), sum(checkout_started), sum(paid),
           sum(activated), sum(seats), sum(members_invited), sum(members_joined), sum(members_started), sum(members_active_28d)
    FROM unnest(deltas)
    GROUP BY day, utm_source, plan_id, funnel_stage, shard
    HAVING sum(organizations) <> 0 OR sum(checkout_started) <> 0 OR sum(paid) <> 0 OR sum(activated) <> 0
        OR sum(seats) <> 0 OR sum(members_invited) <> 0 OR sum(members_joined) <> 0 OR sum(members_started) <> 0
        OR sum(members_active_28d) <> 0
    ORDER BY day, utm_source, plan_id, funnel_stage, shard
    ON CONFLICT (day, utm_source, plan_id, funnel_stage, shard) DO UPDATE
    SET organizations = r.organizations + excluded.organizations, checkout_started = r.checkout_started + excluded.checkout_started,
        paid = r.paid + excluded.paid, activated = r.activated + excluded.activated, seats = r.seats + excluded.seats,
        members_invited = r.members_invited + excluded.members_invited, members_joined = r.members_joined + excluded.members_joined,
        members_started = r.members_started + excluded.members_started,
        members_active_28d = r.members_active_28d + excluded.members_active_28d;
    INSERT INTO onboarding_daily_activation AS r (day, utm_source, bucket, organizations)
    SELECT day, utm_source, bucket, sum(activated)
    FROM unnest(deltas) WHERE bucket IS NOT NULL
    GROUP BY day, utm_source, bucket
    HAVING sum(activated) <> 0
    ORDER BY day, utm_source, bucket
    ON CONFLICT (day, utm_source, bucket) DO UPDATE SET organizations = r.organizations + excluded.organizations;
$$;

-- The stage follows the milestones, under the definition of the moment
-- (read under the transaction's own snapshot: a definition changed
-- meanwhile is caught up by the recompute it queued).
CREATE FUNCTION onboarding_set_funnel_stage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.funnel_stage := onboarding_funnel_stage(NEW.checkout_started_at, NEW.paid_at, NEW.completed_steps, NEW.activated_at,
                                                coalesce((SELECT required_steps FROM onboarding_activation), '{}'));
    RETURN NEW;
END
$$;

-- Statement triggers, with the statement's rows: one upsert per
-- statement, however many organizations it changed (a recount batch, a
-- bulk load), in key order.
CREATE FUNCTION onboarding_rollup_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM onboarding_apply_rollup(ARRAY(SELECT onboarding_rollup_delta(n, 1) FROM new_rows n));
    RETURN NULL;
END
$$;
CREATE FUNCTION onboarding_rollup_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Most updates (an event batch's progress and counters) change
    -- nothing the rollups count: they leave without building deltas
    -- (1.3 ms of an event batch's 6 ms of database time, bench/onboarding).
    IF NOT EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n USING (organization_id)
                   WHERE onboarding_rollup_delta(o, 1) IS DISTINCT FROM onboarding_rollup_delta(n, 1)) THEN
        RETURN NULL;
    END IF;
    PERFORM onboarding_apply_rollup(ARRAY(
        SELECT onboarding_rollup_delta(o, -1) FROM old_rows o UNION ALL SELECT onboarding_rollup_delta(n, 1) FROM new_rows n));
    RETURN NULL;
END
$$;
CREATE FUNCTION onboarding_rollup_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM onboarding_apply_rollup(ARRAY(SELECT onboarding_rollup_delta(o, -1) FROM old_rows o));
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- onboarding_rebuild_rollups counts both rollups again from
-- onboarding_organizations: the backfill below, and a bulk load that
-- turned the rollup triggers off (bench/onboarding/load).
-- +goose StatementBegin
CREATE FUNCTION onboarding_rebuild_rollups() RETURNS void LANGUAGE sql AS $$
    DELETE FROM onboarding_daily_organizations;
    DELETE FROM onboarding_daily_activation;
    INSERT INTO onboarding_daily_organizations (day, utm_source, plan_id, funnel_stage, shard, organizations,
        checkout_started, paid, activated, seats, members_invited, members_joined, members_started, members_active_28d)
    SELECT (signed_up_at AT TIME ZONE 'UTC')::date, coalesce(utm_source, ''), coalesce(plan_id, ''), funnel_stage,
           onboarding_shard(organization_id) % 4, count(*), count(checkout_started_at), count(paid_at), count(activated_at),
           sum(seats), sum(members_invited), sum(members_joined), sum(members_started), sum(members_active_28d)
    FROM onboarding_organizations
    GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO onboarding_daily_activation (day, utm_source, bucket, organizations)
    SELECT (signed_up_at AT TIME ZONE 'UTC')::date, coalesce(utm_source, ''), onboarding_activation_bucket(activated_at - signed_up_at), count(*)
    FROM onboarding_organizations WHERE activated_at IS NOT NULL
    GROUP BY 1, 2, 3;
$$;
-- +goose StatementEnd

-- Backfill, then keep up to date.
SELECT onboarding_rebuild_rollups();

CREATE TRIGGER onboarding_organizations_stage_insert BEFORE INSERT ON onboarding_organizations
    FOR EACH ROW EXECUTE FUNCTION onboarding_set_funnel_stage();
CREATE TRIGGER onboarding_organizations_stage_update BEFORE UPDATE ON onboarding_organizations
    FOR EACH ROW WHEN (OLD.checkout_started_at IS DISTINCT FROM NEW.checkout_started_at OR OLD.paid_at IS DISTINCT FROM NEW.paid_at
                       OR OLD.completed_steps IS DISTINCT FROM NEW.completed_steps OR OLD.activated_at IS DISTINCT FROM NEW.activated_at)
    EXECUTE FUNCTION onboarding_set_funnel_stage();
CREATE TRIGGER onboarding_organizations_rollup_insert AFTER INSERT ON onboarding_organizations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION onboarding_rollup_insert();
CREATE TRIGGER onboarding_organizations_rollup_update AFTER UPDATE ON onboarding_organizations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION onboarding_rollup_update();
CREATE TRIGGER onboarding_organizations_rollup_delete AFTER DELETE ON onboarding_organizations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION onboarding_rollup_delete();

-- +goose Down
DROP FUNCTION onboarding_rebuild_rollups();
DROP TRIGGER onboarding_organizations_rollup_delete ON onboarding_organizations;
DROP TRIGGER onboarding_organizations_rollup_update ON onboarding_organizations;
DROP TRIGGER onboarding_organizations_rollup_insert ON onboarding_organizations;
DROP TRIGGER onboarding_organizations_stage_update ON onboarding_organizations;
DROP TRIGGER onboarding_organizations_stage_insert ON onboarding_organizations;
DROP FUNCTION onboarding_rollup_delete();
DROP FUNCTION onboarding_rollup_update();
DROP FUNCTION onboarding_rollup_insert();
DROP FUNCTION onboarding_set_funnel_stage();
DROP FUNCTION onboarding_apply_rollup(onboarding_rollup_delta[]);
DROP FUNCTION onboarding_rollup_delta(onboarding_organizations, integer);
DROP TYPE onboarding_rollup_delta;
DROP INDEX onboarding_organizations_activation_idx;
DROP TABLE onboarding_daily_activation;
DROP FUNCTION onboarding_activation_bucket(interval);
DROP TABLE onboarding_daily_organizations;
DROP TABLE onboarding_funnel_stages;
ALTER TABLE onboarding_organizations DROP COLUMN funnel_stage;
DROP FUNCTION onboarding_funnel_stage(timestamptz, timestamptz, text[], timestamptz, text[]);
