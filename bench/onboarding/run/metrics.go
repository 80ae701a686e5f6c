package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/onramp/onramp/internal/auth"
)

// metrics vacuums and analyzes the database and refreshes the stored
// cohort medians first (the events phase has just added its events;
// production's autovacuum and the refresh job would have caught up),
// then asks for each metric over the last 12 months, the queries taking
// turns, repeat times each: p50 and p99 (with few runs, p99 is the
// slowest). A route the server does not have is reported as such.
func (b *bench) metrics(ctx context.Context, repeat int) error {
	start := time.Now()
	if _, err := b.pool.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		return fmt.Errorf("vacuum analyze: %w", err)
	}
	fmt.Printf("VACUUM ANALYZE before the metrics: %.1f s\n", time.Since(start).Seconds())
	// The events phase activated organizations across the year, which
	// left their periods' stored cohort medians out of date until the
	// server's next refresh (every five minutes): run it now, as a server
	// that has been running would have.
	start = time.Now()
	var refreshed int
	if err := b.pool.QueryRow(ctx, `SELECT onboarding_refresh_cohort_medians(1000000)`).Scan(&refreshed); err != nil {
		return fmt.Errorf("refresh the cohort medians: %w", err)
	}
	fmt.Printf("cohort medians refreshed before the metrics: %d periods in %.1f s\n", refreshed, time.Since(start).Seconds())
	staff := auth.Principal{Staff: true}
	err := b.pool.QueryRow(ctx, `
		SELECT u.id, r.family_id FROM users u JOIN refresh_tokens r ON r.user_id = u.id
		WHERE u.email = 'bench-staff@bench.test'`).Scan(&staff.UserID, &staff.SessionID)
	if err != nil {
		return fmt.Errorf("find the staff user (reload the data set: RELOAD=1 bench/onboarding/bench.sh SIZE): %w", err)
	}
	token, _, err := b.signer.Issue(staff)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	span := "from=" + now.AddDate(-1, 0, 0).Format(time.DateOnly) + "&to=" + now.AddDate(0, 0, 1).Format(time.DateOnly)
	paths := []string{
		"/v1/admin/metrics/funnel?" + span,
		"/v1/admin/metrics/funnel?" + span + "&utm_source=google",
		"/v1/admin/metrics/activation?" + span + "&interval=week",
		"/v1/admin/metrics/activation?" + span + "&interval=month",
		"/v1/admin/metrics/seats?" + span,
		"/v1/admin/metrics/retention?" + span + "&interval=week",
		"/v1/admin/metrics/retention?" + span + "&interval=week&event=session_booked",
	}
	results := make([]result, len(paths))
	missing := make([]bool, len(paths))
	// One untimed round first: the first query of each kind on a server
	// connection loads the catalog and plans (5 to 8 ms more at 1M), a
	// cost a running server paid long ago, which would otherwise be the
	// p99 of every query.
	for round := -1; round < repeat; round++ {
		for k, path := range paths {
			if missing[k] {
				continue
			}
			req, _ := b.get(path, token)
			at := time.Now()
			res, err := b.client.Do(req)
			if err != nil {
				return err
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			switch {
			case res.StatusCode == 200 && round < 0:
			case res.StatusCode == 200:
				results[k].add(result{n: 1, elapsed: time.Since(at), lat: []time.Duration{time.Since(at)}})
			case res.StatusCode == 404:
				missing[k] = true
			default:
				return fmt.Errorf("%s: %d %s", path, res.StatusCode, body)
			}
		}
	}
	for k, path := range paths {
		if missing[k] {
			fmt.Printf("GET %-84s not served by this build (404)\n", path)
			continue
		}
		r := results[k]
		fmt.Printf("GET %-84s p50 %7.1f ms  p99 %7.1f ms  (target p99 < 50 ms, within 20 %% of 100k)\n", path, r.quantile(0.5), r.quantile(0.99))
	}
	fmt.Println()
	return nil
}

// engagement reads GET /v1/organization/engagement, as their owners, of
// the organization with the most members (the loader's -big) and of one
// with the median number, taking turns, one client each.
func (b *bench) engagement(ctx context.Context, o options) error {
	var targets []target
	for _, pick := range []string{
		`ORDER BY members_joined DESC LIMIT 1`,
		`ORDER BY members_joined LIMIT 1 OFFSET (SELECT count(*) / 2 FROM onboarding_organizations)`,
	} {
		var owner auth.Principal
		var joined int
		err := b.pool.QueryRow(ctx, `
			SELECT m.organization_id, m.user_id, m.role, r.family_id, o.members_joined
			FROM (SELECT organization_id, members_joined FROM onboarding_organizations `+pick+`) o
			JOIN memberships m ON m.organization_id = o.organization_id AND m.role = 'owner'
			JOIN refresh_tokens r ON r.user_id = m.user_id AND r.organization_id = m.organization_id
			LIMIT 1`).Scan(&owner.OrgID, &owner.UserID, &owner.Role, &owner.SessionID, &joined)
		if err != nil {
			return fmt.Errorf("find an organization's owner (reload the data set: RELOAD=1 bench/onboarding/bench.sh SIZE): %w", err)
		}
		token, _, err := b.signer.Issue(owner)
		if err != nil {
			return err
		}
		targets = append(targets, target{name: fmt.Sprintf("engagement, %d members", joined), conns: 1,
			do: b.httpDo(func(int) (*http.Request, error) { return b.get("/v1/organization/engagement", token) }, 200)})
	}
	results := b.alternate(o.rounds, o.duration/3, targets)
	for k, r := range results {
		fmt.Printf("%-36s %s  (target p99 < 20 ms)\n", targets[k].name, r)
	}
	return nil
}
