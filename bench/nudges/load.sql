-- The nudge benchmark's data set, in bulk SQL, on a database that
-- `onramp migrate` and `onramp seed` made (the demo checklist published as
-- version 1: member step first_session_booked, organization step
-- invite_teammate). Times are relative to now(): the sweep reads the
-- system clock.
--
--   psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -v orgs=100000 -v members=1000000 -v events=3000000 -f bench/nudges/load.sql
--
-- Organizations sign up over a year; member k of one is its owner (k = 1,
-- joined at signup), an admin (k = 2) or a member who joined within 28 days
-- of signup, so joins are spread about evenly over the year and a rule's
-- window of a few weeks holds about 5 % of them. People are spread over 24
-- time zones (40 % say none: Europe/Paris, the default), so at any hour
-- of a weekday some are in their working hours and the others are skipped
-- for quiet hours or the weekend.
\set ON_ERROR_STOP 1
\timing on
SET work_mem = '256MB';
SET maintenance_work_mem = '1GB';
SET jit = off;

\echo organizations (the trigger adds their onboarding rows)
CREATE TEMP TABLE bo AS
SELECT i, gen_random_uuid() AS id, signed_up_at,
       greatest(3, round(:members::float8 / :orgs)::int + (i * 7919) % 15 - 7) AS n,
       CASE WHEN r1 < 0.48 THEN 'active' WHEN r1 < 0.53 THEN 'trialing' WHEN r1 < 0.55 THEN 'canceled' ELSE 'none' END AS billing
FROM (SELECT i, random() AS r1, now() - random() * interval '365 days' AS signed_up_at
      FROM generate_series(1, :orgs) AS i) AS g;
ALTER TABLE bo ADD PRIMARY KEY (i);
ANALYZE bo;
INSERT INTO organizations (id, name, billing_status, created_at, updated_at)
SELECT id, 'Nudge bench org ' || i, billing, signed_up_at, now() FROM bo;

\echo users, memberships (tracking trigger off: member rows below)
-- 1 % of the people left their company (a member row with left_at, no
-- membership); 0.2 % erased their account.
CREATE TEMP TABLE bm AS
SELECT o.id AS organization_id, gen_random_uuid() AS user_id, o.i, k,
       CASE k WHEN 1 THEN 'owner' WHEN 2 THEN 'admin' ELSE 'member' END AS role,
       CASE WHEN k = 1 THEN o.signed_up_at ELSE least(now(), o.signed_up_at + random() * interval '28 days') END AS joined_at,
       k > 2 AND random() < 0.01 AS gone
FROM bo o CROSS JOIN LATERAL generate_series(1, o.n) AS k;
ANALYZE bm;
INSERT INTO users (id, email, full_name, password_hash, email_verified_at, locale, time_zone, erased_at)
SELECT user_id, 'nb+' || i || '.' || k || '@bench.test', 'Bench ' || role || ' ' || k, '!', joined_at,
       (ARRAY['en', 'en', 'en', 'en', 'en', 'fr', 'fr', 'fr', NULL, NULL])[1 + floor(random() * 10)::int],
       CASE WHEN random() < 0.4 THEN NULL ELSE (ARRAY[
           'Pacific/Honolulu', 'America/Anchorage', 'America/Los_Angeles', 'America/Denver', 'America/Chicago',
           'America/New_York', 'America/Halifax', 'America/Sao_Paulo', 'Atlantic/South_Georgia', 'Atlantic/Azores',
           'Europe/London', 'Europe/Paris', 'Europe/Athens', 'Europe/Moscow', 'Asia/Dubai', 'Asia/Karachi',
           'Asia/Kolkata', 'Asia/Dhaka', 'Asia/Bangkok', 'Asia/Singapore', 'Asia/Tokyo', 'Australia/Brisbane',
           'Pacific/Noumea', 'Pacific/Auckland'])[1 + floor(random() * 24)::int] END,
       CASE WHEN random() < 0.002 THEN now() END
FROM bm;
ALTER TABLE memberships DISABLE TRIGGER memberships_onboarding_track;
SET session_replication_role = replica;
INSERT INTO memberships (organization_id, user_id, role, joined_at)
SELECT organization_id, user_id, role, joined_at FROM bm WHERE NOT gone;
SET session_replication_role = DEFAULT;
ALTER TABLE memberships ENABLE TRIGGER memberships_onboarding_track;

\echo member rows: 45 % booked their first session, 1 % skipped it, 30 % read the guide
SET session_replication_role = replica;
INSERT INTO onboarding_members (organization_id, user_id, joined_at, left_at, progress, completed_steps, first_step_at)
SELECT organization_id, user_id, joined_at, CASE WHEN gone THEN least(now(), joined_at + interval '30 days') END,
       coalesce(jsonb_object_agg(key, v) FILTER (WHERE key IS NOT NULL), '{}'),
       coalesce(array_agg(key ORDER BY key) FILTER (WHERE v ? 'completed_at'), '{}'),
       min((v ->> 'completed_at')::timestamptz)
FROM (SELECT m.*, random() AS r1, random() AS r2, least(now(), m.joined_at + random() * interval '10 days') AS done_at FROM bm m) m
LEFT JOIN LATERAL (
    SELECT 'first_session_booked' AS key,
           CASE WHEN r1 < 0.45 THEN jsonb_build_object('count', 1, 'completed_at', done_at, 'how', 'event')
                ELSE jsonb_build_object('count', 0, 'skipped_at', done_at) END AS v
    WHERE r1 < 0.46
    UNION ALL
    SELECT 'read_welcome_guide', jsonb_build_object('completed_at', done_at, 'how', 'manual') WHERE r2 < 0.3
) s ON true
GROUP BY organization_id, user_id, joined_at, gone;
SET session_replication_role = DEFAULT;

\echo subscriptions: 48 % active, 5 % trialing (trial ends over the next 14 days), 2 % canceled
INSERT INTO subscriptions (id, organization_id, stripe_subscription_id, stripe_customer_id, stripe_item_id, stripe_price_id,
                           plan_id, status, seats, current_period_end, trial_end, activated_at, canceled_at,
                           stripe_created, last_event_created, last_event_id)
SELECT gen_random_uuid(), id, 'sub_nb_' || i, 'cus_nb_' || i, 'si_nb_' || i, 'price_test_monthly', 'standalone-monthly',
       billing, n, at + interval '30 days', CASE WHEN billing = 'trialing' THEN now() - interval '1 day' + random() * interval '15 days' END,
       at, CASE WHEN billing = 'canceled' THEN now() - random() * interval '30 days' END, at, at, 'evt_nb_' || i
FROM (SELECT *, least(now(), signed_up_at + random() * interval '14 days') AS at FROM bo) b
WHERE billing <> 'none';

\echo organization progress: verify_email 90 %, invite_teammate 65 % (2 % skipped), choose_plan when paid
UPDATE onboarding_organizations oo
SET version = (SELECT max(version) FROM onboarding_versions),
    progress = p.progress, completed_steps = p.completed,
    paid_at = CASE WHEN bo.billing IN ('active', 'canceled') THEN least(now(), bo.signed_up_at + interval '14 days') END,
    seats = CASE WHEN bo.billing IN ('active', 'trialing') THEN bo.n ELSE 0 END,
    plan_id = CASE WHEN bo.billing IN ('active', 'trialing') THEN 'standalone-monthly' END,
    members_joined = bo.n, members_invited = bo.n - 1
FROM bo
CROSS JOIN LATERAL (
    SELECT coalesce(jsonb_object_agg(key, v), '{}') AS progress,
           coalesce(array_agg(key ORDER BY key) FILTER (WHERE v ? 'completed_at'), '{}') AS completed
    FROM (SELECT least(now(), bo.signed_up_at + random() * interval '5 days') AS at, random() AS r1, random() AS r2) x
    CROSS JOIN LATERAL (
        SELECT 'verify_email' AS key, jsonb_build_object('count', 1, 'completed_at', at, 'how', 'event') AS v WHERE r1 < 0.9
        UNION ALL
        SELECT 'invite_teammate', CASE WHEN r2 < 0.65 THEN jsonb_build_object('count', 1, 'completed_at', at, 'how', 'event')
                                       ELSE jsonb_build_object('count', 0, 'skipped_at', at) END
        WHERE r2 < 0.67
        UNION ALL
        SELECT 'choose_plan', jsonb_build_object('count', 1, 'completed_at', at, 'how', 'event') WHERE bo.billing IN ('active', 'canceled')
    ) s
) p
WHERE oo.organization_id = bo.id;

\echo invitations: 2 per organization over the last 60 days, 30 % still pending
SET session_replication_role = replica;
INSERT INTO invitations (id, organization_id, email, role, invited_by, token_hash, expires_at, accepted_at, revoked_at, created_at, locale)
SELECT id, organization_id, 'inv+' || i || '.' || j || '@bench.test', CASE WHEN j = 1 THEN 'admin' ELSE 'member' END,
       owner, sha256(id::text::bytea), at + interval '7 days',
       CASE WHEN r < 0.6 THEN least(now(), at + interval '1 day') END,
       CASE WHEN r >= 0.6 AND r < 0.7 THEN least(now(), at + interval '2 days') END,
       at, CASE WHEN r < 0.35 THEN 'fr' ELSE 'en' END
FROM (SELECT gen_random_uuid() AS id, o.id AS organization_id, o.i, j, m.user_id AS owner,
             now() - random() * interval '60 days' AS at, random() AS r
      FROM bo o JOIN bm m ON m.organization_id = o.id AND m.k = 1
      CROSS JOIN generate_series(1, 2) AS j) x;
SET session_replication_role = DEFAULT;

\echo dismissals (2 % of members), opt-outs (3 % of people and of invitees)
INSERT INTO onboarding_dismissals (organization_id, user_id, dismissed_at)
SELECT organization_id, user_id, least(now(), joined_at + interval '1 day') FROM bm WHERE NOT gone AND random() < 0.02;
INSERT INTO notification_opt_outs (email_hash, category, opted_out_at)
SELECT DISTINCT sha256(convert_to(email, 'UTF8')), 'onboarding_tips', now() - random() * interval '90 days'
FROM (SELECT email FROM users WHERE random() < 0.03 UNION ALL SELECT email FROM invitations WHERE random() < 0.03) e;

\echo the rules: one per trigger, English and French, a 10 % holdout on the member rule
INSERT INTO nudge_rules (id, key, trigger_type, trigger_step, after_days, audience_roles, max_sends, every_days,
                         holdout_percent, enabled, templates, created_at, updated_at)
VALUES
  (gen_random_uuid(), 'invitation_reminder', 'invitation_pending', NULL, 2, '{}', 2, 2, 0, true,
   '{"en": {"subject": "{{.OrganizationName}} is waiting for you on Onramp", "text": "Hello,\n\nYour invitation to {{.OrganizationName}} is still open: {{.Link}}\n"},
     "fr": {"subject": "{{.OrganizationName}} vous attend sur Onramp", "text": "Bonjour,\n\nVotre invitation à rejoindre {{.OrganizationName}} est toujours ouverte\u00a0: {{.Link}}\n"}}',
   now() - interval '90 days', now() - interval '90 days'),
  (gen_random_uuid(), 'first_session', 'member_step_pending', 'first_session_booked', 3, '{}', 2, 4, 10, true,
   '{"en": {"subject": "Your first session is one click away", "text": "Hello {{.FirstName}},\n\nBook a first conversation with a psychologist: {{.Link}}\n"},
     "fr": {"subject": "Votre première séance est à un clic", "text": "Bonjour {{.FirstName}},\n\nPrenez un premier rendez-vous avec un psychologue\u00a0: {{.Link}}\n"}}',
   now() - interval '90 days', now() - interval '90 days'),
  (gen_random_uuid(), 'invite_your_team', 'organization_step_pending', 'invite_teammate', 2, '{}', 2, 3, 0, true,
   '{"en": {"subject": "Invite your team to {{.OrganizationName}}", "text": "Hello {{.FirstName}},\n\nYour colleagues are not on Onramp yet: {{.Link}}\n"},
     "fr": {"subject": "Invitez votre équipe dans {{.OrganizationName}}", "text": "Bonjour {{.FirstName}},\n\nVos collègues ne sont pas encore sur Onramp\u00a0: {{.Link}}\n"}}',
   now() - interval '90 days', now() - interval '90 days'),
  (gen_random_uuid(), 'trial_ends_soon', 'trial_ending', NULL, 3, '{owner,admin}', 1, 2, 0, true,
   '{"en": {"subject": "Your trial of {{.OrganizationName}} ends soon", "text": "Hello {{.FirstName}},\n\nChoose your plan to keep going: {{.Link}}\n"},
     "fr": {"subject": "Votre essai de {{.OrganizationName}} se termine bientôt", "text": "Bonjour {{.FirstName}},\n\nChoisissez votre offre pour continuer\u00a0: {{.Link}}\n"}}',
   now() - interval '90 days', now() - interval '90 days');

\echo earlier sweeps: a first reminder to 30 % of the members the rule names, a deleted rule sent to 30 % of people over 90 days
INSERT INTO nudge_sends (rule_id, organization_id, person, attempt, outcome, decided_at, user_id, step)
SELECT r.id, m.organization_id, sha256(convert_to(u.email, 'UTF8')), 1, CASE WHEN random() < 0.1 THEN 'held_out' ELSE 'sent' END,
       m.joined_at + interval '3 days' + random() * interval '2 days', m.user_id, r.trigger_step
FROM bm m JOIN users u ON u.id = m.user_id, nudge_rules r
WHERE r.key = 'first_session' AND NOT m.gone AND m.joined_at BETWEEN now() - interval '21 days' AND now() - interval '6 days'
  AND random() < 0.3;
INSERT INTO nudge_sends (rule_id, organization_id, person, attempt, outcome, decided_at, user_id, step)
SELECT '00000000-0000-4000-8000-000000000001', m.organization_id, sha256(convert_to(u.email, 'UTF8')), 1, 'sent',
       now() - interval '1 day' - random() * interval '89 days', m.user_id, 'read_welcome_guide'
FROM (SELECT * FROM bm WHERE NOT gone ORDER BY random() LIMIT :members * 3 / 10) m JOIN users u ON u.id = m.user_id;

\echo events: enough that a plan reading them would show, 3 per member on average over the 16 weeks after joining
SET session_replication_role = replica;
INSERT INTO onboarding_events (organization_id, id, name, source, user_id, sent_at, occurred_at, received_at, properties)
SELECT m.organization_id, gen_random_uuid(), (ARRAY['app_opened', 'page_viewed', 'session_booked', 'checkin_answered'])[1 + floor(random() * 4)::int + j * 0],
       'client', m.user_id, e.at, e.at, e.at, '{}'
FROM bm m
CROSS JOIN LATERAL generate_series(1, floor(random() * (2 * :events::float8 / :members) + 1 + m.k * 0)::int) AS j
CROSS JOIN LATERAL (SELECT m.joined_at + random() * least(interval '112 days', now() - m.joined_at) + j * interval '0' AS at) AS e;
SET session_replication_role = DEFAULT;
REINDEX INDEX onboarding_events_received_idx;

\echo vacuum analyze
CREATE TABLE IF NOT EXISTS bench_loaded (at timestamptz NOT NULL);
INSERT INTO bench_loaded VALUES (now());
VACUUM ANALYZE;
