package onboarding

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/onramp/onramp/internal/database"
)

// milestoneFunnel counts, among organizations that signed up in the
// query's range, those that reached each stage and every stage before it,
// in order: signed up, checkout started, trial started (or paid without a
// trial: a plan without one skips the stage), paid, each of steps
// completed, activated, as onboarding_funnel_stage (migration 00019)
// does. It reads the milestone rows, through their signup-time indexes:
// for partial days, and for whole ranges while the stages are recomputed.
func (s *store) milestoneFunnel(ctx context.Context, qr database.Querier, q MetricsQuery, steps []string) ([]int64, error) {
	conds := []string{"true", "checkout_started_at IS NOT NULL", "(trial_started_at IS NOT NULL OR paid_at IS NOT NULL)", "paid_at IS NOT NULL"}
	args := []any{q.From, q.To}
	for _, key := range steps {
		args = append(args, key)
		conds = append(conds, fmt.Sprintf("completed_steps @> ARRAY[$%d::text]", len(args)))
	}
	conds = append(conds, "activated_at IS NOT NULL")

	cols := make([]string, len(conds))
	for i := range conds {
		cols[i] = "count(*) FILTER (WHERE " + strings.Join(conds[:i+1], " AND ") + ")"
	}
	where := "signed_up_at >= $1 AND signed_up_at < $2"
	if q.UTMSource != "" {
		args = append(args, q.UTMSource)
		where += " AND utm_source = $" + strconv.Itoa(len(args))
	}
	counts := make([]int64, len(conds))
	dest := make([]any, len(counts))
	for i := range counts {
		dest[i] = &counts[i]
	}
	query := "SELECT " + strings.Join(cols, ", ") + " FROM onboarding_organizations WHERE " + where
	if err := qr.QueryRowContext(ctx, query, args...).Scan(dest...); err != nil {
		return nil, fmt.Errorf("compute funnel: %w", err)
	}
	return counts, nil
}
