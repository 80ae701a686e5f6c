package onboarding

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/testing/dbtest"
)

// The cohorts' medians come from buckets of the rollups and the exact
// times of the bucket that holds them: they must be what percentile_cont
// says over every organization, for ranges of whole and partial days, by
// week and month, with and without a source.
func TestCohortMediansEqualPercentileContOverEveryOrganization(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(11, 12))
	start := rollupTime(t, "2026-09-01T00:00:00Z")
	sources := []string{"google", "linkedin", ""}
	for range 400 {
		id := uuid.Must(uuid.NewV7())
		signup := start.Add(time.Duration(rng.Int64N(int64(75*24*time.Hour/time.Microsecond))) * time.Microsecond)
		var source *string
		if s := sources[rng.IntN(len(sources))]; s != "" {
			source = &s
		}
		rollupExec(t, db, `INSERT INTO organizations (id, name, utm_source, created_at, updated_at) VALUES ($1, 'Org', $2, $3, $3)`, id, source, signup)
		if rng.IntN(10) < 7 {
			// From seconds to weeks, microseconds included; some share a
			// time exactly.
			after := time.Duration(math.Exp(rng.Float64()*14)) * time.Second
			if rng.IntN(8) == 0 {
				after = 26 * time.Hour
			}
			after += time.Duration(rng.IntN(1_000_000)) * time.Microsecond
			rollupExec(t, db, `UPDATE onboarding_organizations SET paid_at = signed_up_at, activated_at = signed_up_at + $2::interval
				WHERE organization_id = $1`, id, fmt.Sprintf("%d microseconds", after.Microseconds()))
		}
	}
	svc := NewService(Config{DB: db, MinGroupSize: 1})
	queries := []MetricsQuery{
		{From: start, To: start.AddDate(0, 0, 75), Interval: "week"},
		{From: start, To: start.AddDate(0, 0, 75), Interval: "month"},
		{From: start, To: start.AddDate(0, 0, 75), Interval: "week", UTMSource: "google"},
		{From: start, To: start.AddDate(0, 0, 75), Interval: "month", UTMSource: "linkedin"},
		{From: start.AddDate(0, 0, 3), To: start.AddDate(0, 0, 58), Interval: "month"},
		{From: start.AddDate(0, 0, 3), To: start.AddDate(0, 0, 58), Interval: "week", UTMSource: "google"},
		{From: start.AddDate(0, 0, 9), To: start.AddDate(0, 0, 12), Interval: "week"},
		{From: start.Add(37 * time.Hour), To: start.AddDate(0, 0, 40).Add(5 * time.Hour), Interval: "week"},
		{From: start.Add(37 * time.Hour), To: start.Add(40 * time.Hour), Interval: "month", UTMSource: "linkedin"},
	}
	// Found in the buckets (no stored median is computed yet).
	fromBuckets := checkCohortsAgainstOracle(t, svc, db.SQL(), queries)

	// The stored medians, once computed, are exactly the ones the buckets
	// give, before any rounding.
	n, err := svc.RefreshCohortMedians(ctx)
	if err != nil || n == 0 {
		t.Fatalf("refresh: %d periods, %v", n, err)
	}
	if stale := rollupCount(t, db, `SELECT count(*) FROM onboarding_cohort_medians WHERE computed_changes IS DISTINCT FROM changes`); stale != 0 {
		t.Fatalf("%d stored medians still out of date after a refresh", stale)
	}
	stored := checkCohortsAgainstOracle(t, svc, db.SQL(), queries)
	for k := range queries {
		for i := range stored[k] {
			if g, w := stored[k][i].median, fromBuckets[k][i].median; g != w {
				t.Errorf("%+v: cohort %d: stored median %v, from the buckets %v", queries[k], i, g, w)
			}
		}
	}

	// An activation after the refresh makes its periods out of date: they
	// are found in the buckets again, until the next refresh.
	id := uuid.Must(uuid.NewV7())
	rollupExec(t, db, `INSERT INTO organizations (id, name, utm_source, created_at, updated_at) VALUES ($1, 'Org', 'linkedin', $2, $2)`, id, start.Add(50*time.Hour))
	rollupExec(t, db, `UPDATE onboarding_organizations SET activated_at = signed_up_at + interval '3 minutes' WHERE organization_id = $1`, id)
	if stale := rollupCount(t, db, `SELECT count(*) FROM onboarding_cohort_medians WHERE computed_changes IS DISTINCT FROM changes`); stale != 4 {
		t.Errorf("%d stored medians out of date after one activation, want 4 (its week and month, all sources and linkedin)", stale)
	}
	checkCohortsAgainstOracle(t, svc, db.SQL(), queries)
	if n, err := svc.RefreshCohortMedians(ctx); err != nil || n != 4 {
		t.Fatalf("second refresh: %d periods, %v; want 4", n, err)
	}
	checkCohortsAgainstOracle(t, svc, db.SQL(), queries)
}

// checkCohortsAgainstOracle compares each query's cohorts with the
// oracle's and returns the rows (with their unrounded medians).
func checkCohortsAgainstOracle(t *testing.T, svc *Service, db *sql.DB, queries []MetricsQuery) [][]cohortRow {
	t.Helper()
	out := make([][]cohortRow, len(queries))
	for k, q := range queries {
		got, err := svc.Cohorts(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		want := oracleCohorts(t, db, q)
		if len(got) != len(want) {
			t.Fatalf("%+v: %d cohorts, want %d", q, len(got), len(want))
		}
		for i := range got {
			if g, w := cohortText(got[i]), cohortText(want[i]); g != w {
				t.Errorf("%+v: cohort %d is %s, want %s", q, i, g, w)
			}
		}
		if out[k], err = svc.store.cohortRows(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func rollupCount(t *testing.T, db *database.DB, query string) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func cohortText(c Cohort) string {
	m := "null"
	if c.MedianHoursToActivate != nil {
		m = fmt.Sprint(*c.MedianHoursToActivate)
	}
	return fmt.Sprintf("%s signed_up=%d paid=%d activated=%d median=%s", c.Start.Format(time.DateOnly), c.SignedUp, c.Paid, c.Activated, m)
}

// oracleCohorts is the cohorts as counted before the rollups: every
// organization of each period, percentile_cont over them.
func oracleCohorts(t *testing.T, db *sql.DB, q MetricsQuery) []Cohort {
	t.Helper()
	args := []any{q.From, q.To, q.Interval}
	where := ""
	if q.UTMSource != "" {
		args = append(args, q.UTMSource)
		where = "AND utm_source = $4"
	}
	rows, err := db.QueryContext(context.Background(), `
		WITH buckets AS (
		    SELECT start, start + ('1 ' || $3::text)::interval AS stop
		    FROM generate_series(date_trunc($3::text, $1::timestamptz AT TIME ZONE 'UTC'),
		        $2::timestamptz AT TIME ZONE 'UTC' - interval '1 microsecond', ('1 ' || $3::text)::interval) AS start
		)
		SELECT b.start AT TIME ZONE 'UTC', c.signed_up, c.paid, c.activated, c.median
		FROM buckets b CROSS JOIN LATERAL (
		    SELECT count(*) AS signed_up, count(paid_at) AS paid, count(activated_at) AS activated,
		           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM activated_at - signed_up_at) / 3600) AS median
		    FROM onboarding_organizations
		    WHERE signed_up_at >= greatest($1::timestamptz, b.start AT TIME ZONE 'UTC')
		      AND signed_up_at < least($2::timestamptz, b.stop AT TIME ZONE 'UTC') `+where+`
		) AS c
		ORDER BY b.start`, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []Cohort
	for rows.Next() {
		var c Cohort
		var median sql.NullFloat64
		if err := rows.Scan(&c.Start, &c.SignedUp, &c.Paid, &c.Activated, &median); err != nil {
			t.Fatal(err)
		}
		c.Start = c.Start.UTC()
		if median.Valid {
			m := math.Round(median.Float64*100) / 100
			c.MedianHoursToActivate = &m
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
