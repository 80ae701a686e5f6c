-- +goose Up

-- The draft checklist product managers edit. Publishing copies it into an
-- immutable version; organizations only ever see published versions.
CREATE TABLE onboarding_steps (
    key         text PRIMARY KEY CHECK (key ~ '^[a-z][a-z0-9_]{1,63}$'),
    position    integer NOT NULL CHECK (position >= 1),
    title       text NOT NULL,
    description text NOT NULL DEFAULT '',
    required    boolean NOT NULL DEFAULT false,
    audience    jsonb NOT NULL DEFAULT '{"roles":[],"plans":[]}',
    completion  jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Published versions, numbered 1, 2, 3...; steps is the snapshot, never
-- updated.
CREATE TABLE onboarding_versions (
    version      integer PRIMARY KEY CHECK (version >= 1),
    steps        jsonb NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    published_by uuid REFERENCES users (id) ON DELETE SET NULL
);

-- The activation definition: a single row, absent until a PM sets it.
CREATE TABLE onboarding_activation (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    required_steps text[] NOT NULL,
    window_days    integer NOT NULL CHECK (window_days BETWEEN 1 AND 365),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    updated_by     uuid REFERENCES users (id) ON DELETE SET NULL
);

-- One row per organization: the checklist version it is on, its step
-- progress ({key: {count, completed_at, completed_by, skipped_at, ...}}) and
-- its milestones. Checklist reads and metrics read only this table; events
-- keep it up to date in the transaction that inserts them. The row is the
-- lock that serializes every change to one organization's onboarding.
CREATE TABLE onboarding_organizations (
    organization_id     uuid PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    signed_up_at        timestamptz NOT NULL,
    utm_source          text,
    version             integer NOT NULL DEFAULT 0,
    progress            jsonb NOT NULL DEFAULT '{}',
    -- The keys of progress with a completed_at, for metrics.
    completed_steps     text[] NOT NULL DEFAULT '{}',
    checkout_started_at timestamptz,
    paid_at             timestamptz,
    activated_at        timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
-- Metrics read organizations by signup time (and source) from these
-- indexes alone (index-only scans), never the wide rows.
CREATE INDEX onboarding_organizations_signup_idx ON onboarding_organizations (signed_up_at)
    INCLUDE (utm_source, checkout_started_at, paid_at, activated_at, completed_steps);
CREATE INDEX onboarding_organizations_source_signup_idx ON onboarding_organizations (utm_source, signed_up_at)
    INCLUDE (checkout_started_at, paid_at, activated_at, completed_steps);

-- Every organization gets its row when it is created, whoever creates it, so
-- the funnel counts organizations that never sent an event too.
-- +goose StatementBegin
CREATE FUNCTION onboarding_track_organization() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO onboarding_organizations (organization_id, signed_up_at, utm_source)
    VALUES (NEW.id, NEW.created_at, NEW.utm_source)
    ON CONFLICT (organization_id) DO NOTHING;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER organizations_onboarding_track AFTER INSERT ON organizations
    FOR EACH ROW EXECUTE FUNCTION onboarding_track_organization();

INSERT INTO onboarding_organizations (organization_id, signed_up_at, utm_source)
SELECT id, created_at, utm_source FROM organizations
ON CONFLICT (organization_id) DO NOTHING;

-- Who closed their checklist.
CREATE TABLE onboarding_dismissals (
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    dismissed_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, user_id)
);

-- Product events, client and server side. Idempotent on (organization, id)
-- forever. timestamp is what the sender said; occurred_at is the time the
-- event counts at (timestamp, or received_at when timestamp was more than a
-- day in the future: clamped).
CREATE TABLE onboarding_events (
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id              uuid NOT NULL,
    name            text NOT NULL,
    source          text NOT NULL CHECK (source IN ('client', 'server')),
    user_id         uuid,
    sent_at         timestamptz NOT NULL,
    occurred_at     timestamptz NOT NULL,
    received_at     timestamptz NOT NULL,
    clamped         boolean NOT NULL DEFAULT false,
    properties      jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (organization_id, id)
);
CREATE INDEX onboarding_events_recent_idx ON onboarding_events (organization_id, received_at DESC);

-- How many events of each name an organization has, so an event step
-- published later counts the events recorded before it existed.
CREATE TABLE onboarding_event_counts (
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text NOT NULL,
    count           bigint NOT NULL,
    first_at        timestamptz NOT NULL,
    last_at         timestamptz NOT NULL,
    PRIMARY KEY (organization_id, name)
);

-- Every admin change: who, what, before and after.
CREATE TABLE onboarding_audit_log (
    id         uuid PRIMARY KEY,
    actor_id   uuid REFERENCES users (id) ON DELETE SET NULL,
    action     text NOT NULL,
    target     text NOT NULL,
    before     jsonb,
    after      jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE onboarding_audit_log;
DROP TABLE onboarding_event_counts;
DROP TABLE onboarding_events;
DROP TABLE onboarding_dismissals;
DROP TRIGGER organizations_onboarding_track ON organizations;
DROP FUNCTION onboarding_track_organization();
DROP TABLE onboarding_organizations;
DROP TABLE onboarding_activation;
DROP TABLE onboarding_versions;
DROP TABLE onboarding_steps;
