-- Writes to a day before yesterday (UTC) go to shard 0: shards spread the
-- rows that concurrent batches write (today's signups, yesterday's late
-- ones), and a change to an older organization rarely meets another on
-- the same key, while every shard row it recreated was one more row for
-- a year's metrics to sum until the hourly fold (at 1M companies, an
-- hour of event batches brought back up to three per key). STABLE, not
-- IMMUTABLE: it reads the clock.
-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION onboarding_rollup_delta(o onboarding_organizations, sign integer) RETURNS onboarding_rollup_delta
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT ROW((o.signed_up_at AT TIME ZONE 'UTC')::date, coalesce(o.utm_source, ''), coalesce(o.plan_id, ''),
               o.funnel_stage,
               CASE WHEN (o.signed_up_at AT TIME ZONE 'UTC')::date >= (now() AT TIME ZONE 'UTC')::date - 1
                    THEN onboarding_shard(o.organization_id) % 4 ELSE 0 END,
               CASE WHEN o.activated_at IS NOT NULL THEN onboarding_activation_bucket(o.activated_at - o.signed_up_at) END,
               sign, sign * (o.checkout_started_at IS NOT NULL)::int, sign * (o.paid_at IS NOT NULL)::int,
               sign * (o.activated_at IS NOT NULL)::int, sign * o.seats, sign * o.members_invited, sign * o.members_joined,
               sign * o.members_started, sign * o.members_active_28d)::onboarding_rollup_delta
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION onboarding_rollup_delta(o onboarding_organizations, sign integer) RETURNS onboarding_rollup_delta
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ROW((o.signed_up_at AT TIME ZONE 'UTC')::date, coalesce(o.utm_source, ''), coalesce(o.plan_id, ''),
               o.funnel_stage, onboarding_shard(o.organization_id) % 4,
               CASE WHEN o.activated_at IS NOT NULL THEN onboarding_activation_bucket(o.activated_at - o.signed_up_at) END,
               sign, sign * (o.checkout_started_at IS NOT NULL)::int, sign * (o.paid_at IS NOT NULL)::int,
               sign * (o.activated_at IS NOT NULL)::int, sign * o.seats, sign * o.members_invited, sign * o.members_joined,
               sign * o.members_started, sign * o.members_active_28d)::onboarding_rollup_delta
$$;
-- +goose StatementEnd
