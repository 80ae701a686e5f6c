-- When each queued email was handed to the SMTP server. The send job
-- checks it before sending and records it right after, so that a job run
-- again (its completion lost when PostgreSQL restarted, or its instance
-- killed and the job rescued) does not send the email twice. Sending and
-- recording cannot be one transaction; what is left is the instant
-- between the SMTP server's answer and this write.

-- +goose Up
ALTER TABLE sent_emails ADD COLUMN delivered_at timestamptz;

-- +goose Down
ALTER TABLE sent_emails DROP COLUMN delivered_at;
