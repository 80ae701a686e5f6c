-- onboarding_apply_rollup in PL/pgSQL: a LANGUAGE sql function called
-- from a trigger is planned again on every call (its plans last one outer
-- statement), which cost an event batch that moved a rollup 0.5 ms of
-- its database time (bench/onboarding, pg_stat_statements). PL/pgSQL
-- keeps the plans of its two upserts for the session. The statements are
-- those of 00012, unchanged.

-- +goose Up
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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION onboarding_apply_rollup(deltas onboarding_rollup_delta[]) RETURNS void LANGUAGE sql AS $$
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
-- +goose StatementEnd
