-- +goose NO TRANSACTION
-- Every authenticated request checks that its access token's session (its
-- refresh-token family) is still live: some token of the family is not
-- revoked. Only live tokens are indexed, so the check is one probe whether
-- the session lives or not; on the whole-table family index, an ended
-- session would read every rotation of its family on each refused request.
-- Built CONCURRENTLY (outside a transaction) so sign-ins and refreshes
-- are not blocked while it builds; a build that failed leaves an invalid
-- index behind, which the DROP clears before the next attempt.

-- +goose Up
DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_live_family_idx;
CREATE INDEX CONCURRENTLY refresh_tokens_live_family_idx
    ON refresh_tokens (family_id, user_id) WHERE revoked_at IS NULL;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_live_family_idx;
