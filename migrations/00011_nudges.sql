-- Gentle nudges. PMs write rules (when a reminder would help); one place
-- in the service decides whether it may go (cap, quiet hours, opt-out, goal
-- reached, billing). Every decision the sweep makes for a (rule, person,
-- attempt) is a row here, inserted in the transaction that queues its
-- email: the primary key is what makes a reminder go at most once, even
-- with two servers sweeping at once.

-- +goose Up
CREATE TABLE nudge_rules (
    -- A rule deleted and written again under the same key is a new rule:
    -- its sends and its effect start over.
    id              uuid PRIMARY KEY,
    key             text NOT NULL UNIQUE CHECK (key ~ '^[a-z][a-z0-9_]{1,63}$'),
    trigger_type    text NOT NULL CHECK (trigger_type IN
                        ('invitation_pending', 'member_step_pending', 'organization_step_pending', 'trial_ending')),
    trigger_step    text,
    after_days      integer NOT NULL CHECK (after_days BETWEEN 0 AND 90),
    audience_roles  text[] NOT NULL DEFAULT '{}',
    max_sends       integer NOT NULL CHECK (max_sends BETWEEN 1 AND 3),
    every_days      integer NOT NULL CHECK (every_days >= 2),
    holdout_percent integer NOT NULL CHECK (holdout_percent BETWEEN 0 AND 50),
    enabled         boolean NOT NULL,
    -- {"en": {"subject", "text"}, "fr": {...}}: Go text/template sources,
    -- checked when written.
    templates       jsonb NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CHECK ((trigger_type IN ('member_step_pending', 'organization_step_pending')) = (trigger_step IS NOT NULL))
);

-- One row per decision to mail someone (sent) or to keep them out to
-- measure the rule (held_out, never mailed, attempt 1 only).
-- person is sha256 of the lower-cased address, the key of
-- notification_opt_outs: invitees have no account, and the weekly cap is
-- per inbox across rules and companies.
CREATE TABLE nudge_sends (
    rule_id         uuid NOT NULL, -- no foreign key: a deleted rule's sends still count towards the cap
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    person          bytea NOT NULL,
    attempt         smallint NOT NULL CHECK (attempt BETWEEN 1 AND 3),
    outcome         text NOT NULL CHECK (outcome IN ('sent', 'held_out')),
    decided_at      timestamptz NOT NULL,
    -- What the effect measures: the member or invitation reminded, and
    -- the goal's step as the rule named it then.
    user_id         uuid REFERENCES users (id) ON DELETE CASCADE,
    invitation_id   uuid REFERENCES invitations (id) ON DELETE CASCADE,
    step            text,
    PRIMARY KEY (rule_id, organization_id, person, attempt)
);
-- The weekly cap: a person's recent sends, whatever the rule.
CREATE INDEX nudge_sends_person_idx ON nudge_sends (person, decided_at) WHERE outcome = 'sent';
-- The effect over a period: a rule's first decisions by time.
CREATE INDEX nudge_sends_rule_time_idx ON nudge_sends (rule_id, decided_at) WHERE attempt = 1;
CREATE INDEX nudge_sends_user_idx ON nudge_sends (user_id) WHERE user_id IS NOT NULL;

-- Each trigger's people, by the time the trigger counts from, within a
-- rule's window (a few weeks): the sweep never reads a whole table.
CREATE INDEX onboarding_members_joined_idx ON onboarding_members (joined_at) WHERE left_at IS NULL;
CREATE INDEX invitations_pending_created_idx ON invitations (created_at) WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE INDEX subscriptions_trial_end_idx ON subscriptions (trial_end) WHERE status = 'trialing';

-- +goose Down
DROP INDEX subscriptions_trial_end_idx;
DROP INDEX invitations_pending_created_idx;
DROP INDEX onboarding_members_joined_idx;
DROP TABLE nudge_sends;
DROP TABLE nudge_rules;
