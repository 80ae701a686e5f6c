-- The funnel gains a trial_started stage between checkout_started and
-- paid. Its milestone, trial_started_at, is the earliest trial_started
-- server event (billing records one when a subscription starts a trial),
-- kept on the milestone row as the others are. A plan without a trial
-- skips the stage: an organization that paid without one counts as having
-- passed it, so every stage still counts a subset of the one before and
-- funnel_stage stays "the last stage reached with every one before it".
-- Stages are now: 0 signed up, 1 checkout started, 2 trial started (or
-- paid), 3 paid, 3+i the i-th required step, 4+n activated.

-- +goose Up
ALTER TABLE onboarding_organizations ADD COLUMN trial_started_at timestamptz;

-- The trials of the subscriptions so far: a subscription with a trial end
-- started it when it first became trialing (activated_at).
UPDATE onboarding_organizations o SET trial_started_at = t.started
FROM (SELECT organization_id, min(activated_at) AS started FROM subscriptions
      WHERE trial_end IS NOT NULL AND activated_at IS NOT NULL GROUP BY organization_id) t
WHERE o.organization_id = t.organization_id;

-- The partial days of a funnel read the milestones from these indexes
-- alone (index-only scans): they carry the new one too.
DROP INDEX onboarding_organizations_signup_idx;
DROP INDEX onboarding_organizations_source_signup_idx;
CREATE INDEX onboarding_organizations_signup_idx ON onboarding_organizations (signed_up_at)
    INCLUDE (utm_source, checkout_started_at, trial_started_at, paid_at, activated_at, completed_steps);
CREATE INDEX onboarding_organizations_source_signup_idx ON onboarding_organizations (utm_source, signed_up_at)
    INCLUDE (checkout_started_at, trial_started_at, paid_at, activated_at, completed_steps);

-- +goose StatementBegin
CREATE FUNCTION onboarding_funnel_stage(checkout_started_at timestamptz, trial_started_at timestamptz, paid_at timestamptz,
                                        completed_steps text[], activated_at timestamptz, required_steps text[])
    RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (CASE
        WHEN checkout_started_at IS NULL THEN 0
        WHEN trial_started_at IS NULL AND paid_at IS NULL THEN 1
        WHEN paid_at IS NULL THEN 2
        ELSE 3 + coalesce(
            (SELECT min(i) - 1 FROM generate_subscripts(required_steps, 1) AS i WHERE NOT completed_steps @> ARRAY[required_steps[i]]),
            cardinality(required_steps) + CASE WHEN activated_at IS NULL THEN 0 ELSE 1 END)
    END)::smallint
$$;

CREATE OR REPLACE FUNCTION onboarding_set_funnel_stage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.funnel_stage := onboarding_funnel_stage(NEW.checkout_started_at, NEW.trial_started_at, NEW.paid_at, NEW.completed_steps,
                                                NEW.activated_at, coalesce((SELECT required_steps FROM onboarding_activation), '{}'));
    RETURN NEW;
END
$$;
-- +goose StatementEnd

DROP TRIGGER onboarding_organizations_stage_update ON onboarding_organizations;
CREATE TRIGGER onboarding_organizations_stage_update BEFORE UPDATE ON onboarding_organizations
    FOR EACH ROW WHEN (OLD.checkout_started_at IS DISTINCT FROM NEW.checkout_started_at
                       OR OLD.trial_started_at IS DISTINCT FROM NEW.trial_started_at OR OLD.paid_at IS DISTINCT FROM NEW.paid_at
                       OR OLD.completed_steps IS DISTINCT FROM NEW.completed_steps OR OLD.activated_at IS DISTINCT FROM NEW.activated_at)
    EXECUTE FUNCTION onboarding_set_funnel_stage();
DROP FUNCTION onboarding_funnel_stage(timestamptz, timestamptz, text[], timestamptz, text[]);

-- Every stage from paid on moved up by one: renumber them all. The
-- rollups follow through their update trigger, in this transaction.
UPDATE onboarding_organizations
SET funnel_stage = onboarding_funnel_stage(checkout_started_at, trial_started_at, paid_at, completed_steps, activated_at,
                                           coalesce((SELECT required_steps FROM onboarding_activation), '{}'))
WHERE funnel_stage <> onboarding_funnel_stage(checkout_started_at, trial_started_at, paid_at, completed_steps, activated_at,
                                              coalesce((SELECT required_steps FROM onboarding_activation), '{}'));

-- +goose Down
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

CREATE OR REPLACE FUNCTION onboarding_set_funnel_stage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.funnel_stage := onboarding_funnel_stage(NEW.checkout_started_at, NEW.paid_at, NEW.completed_steps, NEW.activated_at,
                                                coalesce((SELECT required_steps FROM onboarding_activation), '{}'));
    RETURN NEW;
END
$$;
-- +goose StatementEnd

DROP TRIGGER onboarding_organizations_stage_update ON onboarding_organizations;
CREATE TRIGGER onboarding_organizations_stage_update BEFORE UPDATE ON onboarding_organizations
    FOR EACH ROW WHEN (OLD.checkout_started_at IS DISTINCT FROM NEW.checkout_started_at OR OLD.paid_at IS DISTINCT FROM NEW.paid_at
                       OR OLD.completed_steps IS DISTINCT FROM NEW.completed_steps OR OLD.activated_at IS DISTINCT FROM NEW.activated_at)
    EXECUTE FUNCTION onboarding_set_funnel_stage();
DROP FUNCTION onboarding_funnel_stage(timestamptz, timestamptz, timestamptz, text[], timestamptz, text[]);

UPDATE onboarding_organizations
SET funnel_stage = onboarding_funnel_stage(checkout_started_at, paid_at, completed_steps, activated_at,
                                           coalesce((SELECT required_steps FROM onboarding_activation), '{}'))
WHERE funnel_stage <> onboarding_funnel_stage(checkout_started_at, paid_at, completed_steps, activated_at,
                                              coalesce((SELECT required_steps FROM onboarding_activation), '{}'));

DROP INDEX onboarding_organizations_signup_idx;
DROP INDEX onboarding_organizations_source_signup_idx;
CREATE INDEX onboarding_organizations_signup_idx ON onboarding_organizations (signed_up_at)
    INCLUDE (utm_source, checkout_started_at, paid_at, activated_at, completed_steps);
CREATE INDEX onboarding_organizations_source_signup_idx ON onboarding_organizations (utm_source, signed_up_at)
    INCLUDE (checkout_started_at, paid_at, activated_at, completed_steps);
ALTER TABLE onboarding_organizations DROP COLUMN trial_started_at;
