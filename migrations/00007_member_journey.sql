-- Members' own journey. A step is either the whole organization's
-- ("organization", as before) or each member's own ("member": "book your
-- first session"). A member's progress on member steps is health data: it
-- is kept per member here and shown to that member alone; owners, admins
-- and staff only ever read counters (and the service suppresses counts
-- under MIN_GROUP_SIZE). Every counter below is kept up to date in the
-- transaction that records the event or the membership change behind it,
-- so no read ever scans the events table.

-- +goose Up
ALTER TABLE onboarding_steps
    ADD COLUMN scope text NOT NULL DEFAULT 'organization' CHECK (scope IN ('organization', 'member'));

-- Member thresholds: [{key, min_share}], each a member step that at least
-- min_share of the organization's seats completed.
ALTER TABLE onboarding_activation
    ADD COLUMN member_steps jsonb NOT NULL DEFAULT '[]';

ALTER TABLE onboarding_organizations
    -- Per member step key, how many current members completed it.
    ADD COLUMN member_completions jsonb NOT NULL DEFAULT '{}',
    -- Current members, current members with a member step completed, and
    -- invitations ever sent: the seat metrics' rollup.
    ADD COLUMN members_joined integer NOT NULL DEFAULT 0,
    ADD COLUMN members_started integer NOT NULL DEFAULT 0,
    ADD COLUMN members_invited integer NOT NULL DEFAULT 0,
    -- Current members with an event of their own in the 28 days before
    -- the last recount (an hourly job; onboarding_active_recounts says
    -- when): a rolling window no event can keep exact.
    ADD COLUMN members_active_28d integer NOT NULL DEFAULT 0,
    -- The live subscription's quantity and plan as billing last recorded
    -- them (0 and NULL when there is none).
    ADD COLUMN seats integer NOT NULL DEFAULT 0,
    ADD COLUMN plan_id text,
    -- True when member thresholds were part of the activation: its time
    -- would then tell when members used the service, so it is never shown
    -- for this organization alone, only counted in aggregates.
    ADD COLUMN activated_by_members boolean NOT NULL DEFAULT false;

-- The seat metrics read organizations by signup time from this index alone.
CREATE INDEX onboarding_organizations_seats_idx ON onboarding_organizations (signed_up_at)
    INCLUDE (utm_source, plan_id, seats, members_invited, members_joined, members_started, members_active_28d);

-- When members_active_28d was last recounted, and from which instant.
CREATE TABLE onboarding_active_recounts (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    counted_at   timestamptz NOT NULL,
    active_since timestamptz NOT NULL
);

-- Profile and erasure. A NULL locale or time zone is "not said"; an erased
-- user keeps a tombstone row (its id is referenced) with no email or name.
ALTER TABLE users
    ADD COLUMN locale text CHECK (locale IN ('en', 'fr')),
    ADD COLUMN time_zone text CHECK (length(time_zone) BETWEEN 1 AND 64),
    ADD COLUMN erased_at timestamptz;

-- One row per member of an organization, current or gone (left_at):
-- their own member-step progress ({key: {count, completed_at, how}}, the
-- shape of an organization's progress), and their milestones.
CREATE TABLE onboarding_members (
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    joined_at       timestamptz NOT NULL,
    left_at         timestamptz,
    progress        jsonb NOT NULL DEFAULT '{}',
    completed_steps text[] NOT NULL DEFAULT '{}',
    first_step_at   timestamptz, -- first member step completed
    last_active_at  timestamptz, -- latest event of theirs
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);
-- Members active in the last 28 days, per organization (the engagement
-- reads one organization's; the hourly recount goes through them all).
CREATE INDEX onboarding_members_active_idx ON onboarding_members (organization_id, last_active_at)
    WHERE left_at IS NULL;
CREATE INDEX onboarding_members_user_idx ON onboarding_members (user_id);

-- How many events of each name a member sent, so a member step published
-- later counts that member's earlier events (as organization steps do).
CREATE TABLE onboarding_member_event_counts (
    organization_id uuid NOT NULL,
    user_id         uuid NOT NULL,
    name            text NOT NULL,
    count           bigint NOT NULL,
    first_at        timestamptz NOT NULL,
    last_at         timestamptz NOT NULL,
    PRIMARY KEY (organization_id, user_id, name),
    FOREIGN KEY (organization_id, user_id) REFERENCES onboarding_members ON DELETE CASCADE
);

-- Which weeks after joining (0 = the UTC week, from Monday, they joined;
-- up to 12) a member sent an event of a name: retention's milestone rows.
CREATE TABLE onboarding_member_weeks (
    organization_id uuid NOT NULL,
    user_id         uuid NOT NULL,
    week            smallint NOT NULL CHECK (week BETWEEN 0 AND 12),
    name            text NOT NULL,
    PRIMARY KEY (organization_id, user_id, week, name),
    FOREIGN KEY (organization_id, user_id) REFERENCES onboarding_members ON DELETE CASCADE
);

-- Retention's rollup: per join week (cohort), members who joined, and per
-- week after it and event name ('' = any event), members active. Counters
-- are split in shards by organization so concurrent batches of different
-- organizations rarely wait on one row; readers sum the shards. Anonymous
-- numbers: an erased member's rows above go, their share of these stays.
CREATE TABLE onboarding_cohort_members (
    cohort date NOT NULL,
    shard  smallint NOT NULL,
    members bigint NOT NULL,
    PRIMARY KEY (cohort, shard)
);
CREATE TABLE onboarding_cohort_activity (
    cohort  date NOT NULL,
    week    smallint NOT NULL CHECK (week BETWEEN 0 AND 12),
    name    text NOT NULL,
    shard   smallint NOT NULL,
    members bigint NOT NULL,
    PRIMARY KEY (cohort, name, week, shard)
);

-- The rollups' shard of an organization (the service uses the same).
CREATE FUNCTION onboarding_shard(org uuid) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN (abs(hashtext(org::text)) % 16)::smallint;

-- recount_members sets an organization's member counters from its member
-- rows: current members, those with a member step completed, and per
-- member step key those who completed it. Membership changes are rare;
-- events add to the counters instead.
-- +goose StatementBegin
CREATE FUNCTION onboarding_recount_members(org uuid)
    RETURNS TABLE (members_joined integer, members_started integer, member_completions jsonb) LANGUAGE sql AS $$
    UPDATE onboarding_organizations o
    SET members_joined = c.joined, members_started = c.started, member_completions = c.completions, updated_at = now()
    FROM (
        SELECT count(*) FILTER (WHERE left_at IS NULL) AS joined,
               count(*) FILTER (WHERE left_at IS NULL AND first_step_at IS NOT NULL) AS started,
               coalesce((SELECT jsonb_object_agg(k, n) FROM (
                   SELECT k, count(*) AS n FROM onboarding_members c, unnest(c.completed_steps) AS k
                   WHERE c.organization_id = org AND c.left_at IS NULL GROUP BY k) AS per_key), '{}') AS completions
        FROM onboarding_members WHERE organization_id = org
    ) AS c
    WHERE o.organization_id = org
    RETURNING o.members_joined, o.members_started, o.member_completions;
$$;
-- +goose StatementEnd

-- Every membership gets its onboarding row whoever creates it (signup,
-- invitation, seed, a fixture) and the organization's member counters
-- follow; a member who comes back keeps their row and progress. The
-- organization row is locked before (by whoever changes memberships), so
-- the counters' row is taken in the usual order.
-- +goose StatementBegin
CREATE FUNCTION onboarding_track_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO onboarding_members (organization_id, user_id, joined_at)
    VALUES (NEW.organization_id, NEW.user_id, NEW.joined_at)
    ON CONFLICT (organization_id, user_id) DO NOTHING;
    IF FOUND THEN
        INSERT INTO onboarding_cohort_members AS c (cohort, shard, members)
        VALUES (date_trunc('week', NEW.joined_at AT TIME ZONE 'UTC')::date, onboarding_shard(NEW.organization_id), 1)
        ON CONFLICT (cohort, shard) DO UPDATE SET members = c.members + 1;
    ELSE
        UPDATE onboarding_members SET left_at = NULL, updated_at = now()
        WHERE organization_id = NEW.organization_id AND user_id = NEW.user_id;
    END IF;
    PERFORM onboarding_recount_members(NEW.organization_id);
    RETURN NEW;
END
$$;
CREATE FUNCTION onboarding_untrack_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE onboarding_members SET left_at = now(), updated_at = now()
    WHERE organization_id = OLD.organization_id AND user_id = OLD.user_id;
    PERFORM onboarding_recount_members(OLD.organization_id);
    RETURN OLD;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER memberships_onboarding_track AFTER INSERT ON memberships
    FOR EACH ROW EXECUTE FUNCTION onboarding_track_member();
CREATE TRIGGER memberships_onboarding_untrack AFTER DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION onboarding_untrack_member();

INSERT INTO onboarding_members (organization_id, user_id, joined_at)
SELECT organization_id, user_id, joined_at FROM memberships
ON CONFLICT DO NOTHING;

-- What members did before this migration, from the events they sent.
INSERT INTO onboarding_member_event_counts (organization_id, user_id, name, count, first_at, last_at)
SELECT e.organization_id, e.user_id, e.name, count(*), min(e.occurred_at), max(e.occurred_at)
FROM onboarding_events e JOIN onboarding_members m USING (organization_id, user_id)
GROUP BY 1, 2, 3;
-- Activity (last active, retention weeks) is what members sent themselves:
-- what the backend recorded about them (they joined) is not use.
UPDATE onboarding_members m SET last_active_at = c.last_at
FROM (SELECT organization_id, user_id, max(occurred_at) AS last_at FROM onboarding_events
      WHERE source = 'client' AND user_id IS NOT NULL GROUP BY 1, 2) c
WHERE c.organization_id = m.organization_id AND c.user_id = m.user_id;
INSERT INTO onboarding_member_weeks (organization_id, user_id, week, name)
SELECT DISTINCT e.organization_id, e.user_id, w.week, n.name
FROM onboarding_events e JOIN onboarding_members m USING (organization_id, user_id)
CROSS JOIN LATERAL (SELECT floor(extract(epoch FROM e.occurred_at - date_trunc('week', m.joined_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') / 604800)::int AS week) w
CROSS JOIN LATERAL (VALUES (e.name), ('')) AS n(name)
WHERE e.source = 'client' AND w.week BETWEEN 0 AND 12;
INSERT INTO onboarding_cohort_members (cohort, shard, members)
SELECT date_trunc('week', joined_at AT TIME ZONE 'UTC')::date, onboarding_shard(organization_id), count(*)
FROM onboarding_members GROUP BY 1, 2;
INSERT INTO onboarding_cohort_activity (cohort, week, name, shard, members)
SELECT date_trunc('week', m.joined_at AT TIME ZONE 'UTC')::date, w.week, w.name, onboarding_shard(m.organization_id), count(*)
FROM onboarding_member_weeks w JOIN onboarding_members m USING (organization_id, user_id)
GROUP BY 1, 2, 3, 4;

UPDATE onboarding_organizations o
SET members_joined = (SELECT count(*) FROM memberships m WHERE m.organization_id = o.organization_id),
    members_invited = (SELECT count(*) FROM invitations i WHERE i.organization_id = o.organization_id);

UPDATE onboarding_organizations o SET seats = s.seats, plan_id = s.plan_id
FROM subscriptions s
WHERE s.organization_id = o.organization_id AND s.status IN ('trialing', 'active', 'past_due');

-- Emails sent to a person, for their export: what and when, never the body
-- (it may carry a token). Written in the transaction that queues the email.
CREATE TABLE sent_emails (
    id        uuid PRIMARY KEY,
    user_id   uuid REFERENCES users (id) ON DELETE CASCADE,
    recipient text NOT NULL,
    kind      text NOT NULL,
    subject   text NOT NULL,
    queued_at timestamptz NOT NULL
);
CREATE INDEX sent_emails_user_idx ON sent_emails (user_id, queued_at);
CREATE INDEX sent_emails_recipient_idx ON sent_emails (recipient, queued_at);

-- +goose Down
DROP TABLE sent_emails;
DROP TRIGGER memberships_onboarding_untrack ON memberships;
DROP TRIGGER memberships_onboarding_track ON memberships;
DROP FUNCTION onboarding_untrack_member();
DROP FUNCTION onboarding_track_member();
DROP FUNCTION onboarding_recount_members(uuid);
DROP FUNCTION onboarding_shard(uuid);
DROP TABLE onboarding_cohort_activity;
DROP TABLE onboarding_cohort_members;
DROP TABLE onboarding_member_weeks;
DROP TABLE onboarding_member_event_counts;
DROP TABLE onboarding_members;
ALTER TABLE users DROP COLUMN erased_at, DROP COLUMN time_zone, DROP COLUMN locale;
DROP TABLE onboarding_active_recounts;
DROP INDEX onboarding_organizations_seats_idx;
ALTER TABLE onboarding_organizations
    DROP COLUMN activated_by_members, DROP COLUMN plan_id, DROP COLUMN seats,
    DROP COLUMN members_active_28d, DROP COLUMN members_invited, DROP COLUMN members_started, DROP COLUMN members_joined,
    DROP COLUMN member_completions;
ALTER TABLE onboarding_activation DROP COLUMN member_steps;
ALTER TABLE onboarding_steps DROP COLUMN scope;
