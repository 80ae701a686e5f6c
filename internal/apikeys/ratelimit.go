package apikeys

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/apperr"
)

// rateWindow is the span API_KEY_RATE_LIMIT counts events over.
const rateWindow = time.Minute

// takeStatement counts n events against the key's window in one statement
// on its one row: a row of an earlier window starts over, and a count that
// would pass the limit changes nothing and returns no row. The row lock
// makes racing requests of one key (on any instance) count one after the
// other, and a fixed window keeps it one row whatever the traffic (a row
// per event, as the sign-in limits keep, would be 60 000 rows a minute).
const takeStatement = `
	INSERT INTO api_key_usage AS u (key_id, window_start, events) VALUES ($1, $2, $3)
	ON CONFLICT (key_id) DO UPDATE
	SET window_start = EXCLUDED.window_start,
	    events = CASE WHEN u.window_start = EXCLUDED.window_start THEN u.events + EXCLUDED.events ELSE EXCLUDED.events END
	WHERE (CASE WHEN u.window_start = EXCLUDED.window_start THEN u.events ELSE 0 END) + EXCLUDED.events <= $4
	RETURNING events`

// Take counts n events against the key's limit for the current minute, or
// refuses (429, with the time left in the minute) when they would pass
// it. A batch refused later (422) still counts: the limit bounds the work
// a key makes the service do, which a bad batch makes too.
func (s *Service) Take(ctx context.Context, keyID uuid.UUID, n int) error {
	if s.rateLimit <= 0 {
		return nil
	}
	now := s.now().UTC()
	start := now.Truncate(rateWindow)
	refused := apperr.RateLimited(fmt.Sprintf("this server key may send %d events per minute", s.rateLimit), start.Add(rateWindow).Sub(now))
	if n > s.rateLimit {
		return refused
	}
	var events int
	err := s.db.SQL().QueryRowContext(ctx, takeStatement, keyID, start, n, s.rateLimit).Scan(&events)
	if errors.Is(err, sql.ErrNoRows) {
		return refused
	}
	if err != nil {
		return fmt.Errorf("api key rate limit: %w", err)
	}
	return nil
}
