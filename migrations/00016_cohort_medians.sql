-- The median time to activation of each whole cohort (UTC week from
-- Monday, or month), over all sources and per source, kept so that a year
-- of cohorts reads one row per period. Finding a median among the
-- organizations of the bucket that holds it (onboarding_daily_activation,
-- then onboarding_organizations_activation_idx) reads every organization
-- of that bucket in the period: ten times as many with ten times as many
-- companies, which made the cohorts' cost grow with the data set
-- (bench/onboarding: 8.6 ms at 1M companies against 2 ms for the funnel).
--
-- A median cannot be added to like a count, so it is recomputed, not kept
-- up to date: onboarding_apply_rollup counts, in the transaction of the
-- change, every change to a period's activation rollups (changes), and a
-- job computes the median of the periods whose computed_changes differ
-- (onboarding_refresh_cohort_medians). A reader uses a stored median only
-- when computed_changes = changes in its snapshot, so a stored median is
-- always the one of the organizations that snapshot sees; other periods,
-- and the partial ones at a range's ends, are found in the buckets as
-- before.
-- +goose Up
CREATE TABLE onboarding_cohort_medians (
    period           text NOT NULL CHECK (period IN ('week', 'month')),
    start            date NOT NULL,
    -- Every source (utm_source ''), or organizations of utm_source only.
    any_source       boolean NOT NULL,
    utm_source       text NOT NULL,
    changes          bigint NOT NULL,
    computed_changes bigint,
    -- percentile_cont(0.5) of the hours from signup to activation, as
    -- cohortMedians finds it; NULL when no organization is activated.
    median_hours     float8,
    PRIMARY KEY (period, start, any_source, utm_source),
    CHECK (NOT any_source OR utm_source = '')
);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION onboarding_apply_rollup(deltas onboarding_rollup_delta[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
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
    -- The periods whose activation buckets just changed, after them (the
    -- same order for every writer: tables, then keys).
    INSERT INTO onboarding_cohort_medians AS m (period, start, any_source, utm_source, changes)
    SELECT DISTINCT p.period, p.start, s.any_source, s.utm_source, 1
    FROM (SELECT day, utm_source FROM unnest(deltas) WHERE bucket IS NOT NULL
          GROUP BY day, utm_source, bucket HAVING sum(activated) <> 0) AS c
    CROSS JOIN LATERAL (VALUES ('week', date_trunc('week', c.day)::date), ('month', date_trunc('month', c.day)::date)) AS p(period, start)
    CROSS JOIN LATERAL (VALUES (true, ''), (false, c.utm_source)) AS s(any_source, utm_source)
    WHERE s.any_source OR s.utm_source <> ''
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (period, start, any_source, utm_source) DO UPDATE SET changes = m.changes + 1;
END
$$;
-- +goose StatementEnd

-- onboarding_refresh_cohort_medians computes the median of up to
-- max_periods periods whose stored one is out of date and returns how
-- many it computed. Call it in READ COMMITTED, outside a transaction or in
-- one of its own: it locks the periods first (skipping those a writer
-- holds), and its second statement, with a snapshot taken after the locks,
-- sees every change counted in changes; a writer that comes later waits
-- for the locks and counts its change after them.
-- +goose StatementBegin
CREATE FUNCTION onboarding_refresh_cohort_medians(max_periods int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    due onboarding_cohort_medians[];
BEGIN
    SELECT array_agg(m) INTO due FROM (
        SELECT * FROM onboarding_cohort_medians WHERE computed_changes IS DISTINCT FROM changes
        ORDER BY period, start, any_source, utm_source LIMIT max_periods
        FOR UPDATE SKIP LOCKED) AS m;
    IF due IS NULL THEN
        RETURN 0;
    END IF;
    UPDATE onboarding_cohort_medians m SET computed_changes = d.changes, median_hours = x.median
    FROM unnest(due) AS d
    CROSS JOIN LATERAL (
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM o.activated_at - o.signed_up_at) / 3600) AS median
        FROM onboarding_organizations o
        WHERE o.activated_at IS NOT NULL
          AND o.signed_up_at >= d.start::timestamp AT TIME ZONE 'UTC'
          AND o.signed_up_at < (d.start + CASE d.period WHEN 'week' THEN interval '7 days' ELSE interval '1 month' END)::timestamp AT TIME ZONE 'UTC'
          AND (d.any_source OR o.utm_source = d.utm_source)) AS x
    WHERE (m.period, m.start, m.any_source, m.utm_source) = (d.period, d.start, d.any_source, d.utm_source);
    RETURN cardinality(due);
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION onboarding_list_cohort_medians() RETURNS void LANGUAGE sql AS $$
    INSERT INTO onboarding_cohort_medians (period, start, any_source, utm_source, changes)
    SELECT DISTINCT p.period, p.start, s.any_source, s.utm_source, 1
    FROM onboarding_daily_activation a
    CROSS JOIN LATERAL (VALUES ('week', date_trunc('week', a.day)::date), ('month', date_trunc('month', a.day)::date)) AS p(period, start)
    CROSS JOIN LATERAL (VALUES (true, ''), (false, a.utm_source)) AS s(any_source, utm_source)
    WHERE a.organizations <> 0 AND (s.any_source OR s.utm_source <> '')
    ON CONFLICT (period, start, any_source, utm_source) DO UPDATE SET changes = onboarding_cohort_medians.changes + 1;
$$;
-- +goose StatementEnd
-- onboarding_rebuild_rollups (a bulk load with the rollup triggers off)
-- also lists every period with an activated organization again, to be
-- computed; so does the backfill below. Until then, readers find those
-- medians in the buckets.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION onboarding_rebuild_rollups() RETURNS void LANGUAGE sql AS $$
    DELETE FROM onboarding_daily_organizations;
    DELETE FROM onboarding_daily_activation;
    DELETE FROM onboarding_cohort_medians;
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
    SELECT onboarding_list_cohort_medians();
$$;
-- +goose StatementEnd

SELECT onboarding_list_cohort_medians();

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION onboarding_rebuild_rollups() RETURNS void LANGUAGE sql AS $$
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
DROP FUNCTION onboarding_list_cohort_medians();
DROP FUNCTION onboarding_refresh_cohort_medians(int);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION onboarding_apply_rollup(deltas onboarding_rollup_delta[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
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
END
$$;
-- +goose StatementEnd
DROP TABLE onboarding_cohort_medians;
