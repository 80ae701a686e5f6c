-- The medians of a cohort's first and last days, beside its whole median.
-- A range of dates cuts its first period after a day's start (from a
-- given date to the period's end) and its last before its end (from the
-- period's start to a given date): those two medians were found among
-- the organizations of the bucket that holds them, every one of them in
-- the cut period, so the cohorts' cost still grew with the number of
-- companies (bench/onboarding: a year by week or month 40–50 % slower at
-- 1M companies than at 100k). Kept per period for every day it can be cut
-- at, they are read like the whole median: one row per period.
--
-- prefix_medians[i] is the median over organizations that signed up in
-- the period's first i days, suffix_medians[i] over those from day i
-- (0-based) to the period's end, i from 1 to the period's days - 1; an
-- element is NULL when none of them is activated. Both are computed with
-- median_hours, so computed_changes = changes says all three are up to
-- date. Rows computed before this migration have neither: they are out of
-- date until the next refresh, and readers use the buckets meanwhile.
-- +goose Up
ALTER TABLE onboarding_cohort_medians ADD COLUMN prefix_medians float8[], ADD COLUMN suffix_medians float8[];
UPDATE onboarding_cohort_medians SET computed_changes = NULL;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION onboarding_refresh_cohort_medians(max_periods int) RETURNS int LANGUAGE plpgsql AS $$
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
    UPDATE onboarding_cohort_medians m
    SET computed_changes = d.changes, median_hours = x.median, prefix_medians = x.prefix, suffix_medians = x.suffix
    FROM unnest(due) AS d
    CROSS JOIN LATERAL (
        SELECT d.start + CASE d.period WHEN 'week' THEN interval '7 days' ELSE interval '1 month' END AS stop
    ) AS p
    CROSS JOIN LATERAL (
        -- The period's activated organizations, read once: their signup
        -- day within the period (0-based) and hours to activation, as
        -- cohortMedians reads them.
        WITH activated AS MATERIALIZED (
            SELECT (o.signed_up_at AT TIME ZONE 'UTC')::date - d.start AS day,
                   (extract(epoch FROM o.activated_at - o.signed_up_at) / 3600)::float8 AS hours
            FROM onboarding_organizations o
            WHERE o.activated_at IS NOT NULL
              AND o.signed_up_at >= d.start::timestamp AT TIME ZONE 'UTC'
              AND o.signed_up_at < p.stop AT TIME ZONE 'UTC'
              AND (d.any_source OR o.utm_source = d.utm_source)
        ), cuts AS (
            SELECT i FROM generate_series(1, p.stop::date - d.start - 1) AS i
        )
        SELECT (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FROM activated) AS median,
               ARRAY(SELECT (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a.hours) FROM activated a WHERE a.day < c.i)
                     FROM cuts c ORDER BY c.i) AS prefix,
               ARRAY(SELECT (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a.hours) FROM activated a WHERE a.day >= c.i)
                     FROM cuts c ORDER BY c.i) AS suffix
    ) AS x
    WHERE (m.period, m.start, m.any_source, m.utm_source) = (d.period, d.start, d.any_source, d.utm_source);
    RETURN cardinality(due);
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION onboarding_refresh_cohort_medians(max_periods int) RETURNS int LANGUAGE plpgsql AS $$
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
ALTER TABLE onboarding_cohort_medians DROP COLUMN prefix_medians, DROP COLUMN suffix_medians;
