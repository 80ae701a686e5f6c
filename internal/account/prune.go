package account

import (
	"context"
	"fmt"
	"time"
)

// longestLimitWindow is the longest window of any rate limit: older hits
// no longer count anywhere (invitations per address per day).
const longestLimitWindow = 24 * time.Hour

// pruneGrace keeps expired tokens a day, for support questions.
const pruneGrace = 24 * time.Hour

// Pruned counts what Prune deleted.
type Pruned struct {
	RateLimitHits, EmailTokens, RefreshTokens int64
}

// Prune deletes rows that can no longer matter: rate-limit hits out of
// every window (buckets nobody hits again are otherwise never cleaned) and
// tokens expired for more than a day. Run periodically.
func (s *Service) Prune(ctx context.Context) (Pruned, error) {
	var p Pruned
	now := s.now()
	for _, step := range []struct {
		n     *int64
		query string
		arg   time.Time
	}{
		{&p.RateLimitHits, `DELETE FROM rate_limit_hits WHERE occurred_at < ?`, now.Add(-longestLimitWindow)},
		{&p.EmailTokens, `DELETE FROM email_tokens WHERE expires_at < ?`, now.Add(-pruneGrace)},
		{&p.RefreshTokens, `DELETE FROM refresh_tokens WHERE expires_at < ?`, now.Add(-pruneGrace)},
	} {
		res := s.db.Gorm.WithContext(ctx).Exec(step.query, step.arg)
		if res.Error != nil {
			return p, fmt.Errorf("prune: %w", res.Error)
		}
		*step.n = res.RowsAffected
	}
	return p, nil
}
