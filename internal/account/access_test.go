package account

import (
	"context"
	"net/url"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/onramp/onramp/internal/apperr"
	"github.com/onramp/onramp/internal/auth"
	"github.com/onramp/onramp/internal/coalesce"
	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/testing/dbtest"
)

// seedSessions makes orgs organizations with users members spread over
// them (roles in turn), each in one session of rotations refresh tokens
// (all but the last rotated, as a session refreshed every 15 minutes
// leaves them), and returns a principal per member as its token would say.
func seedSessions(tb testing.TB, db *database.DB, orgs, users, rotations int) []auth.Principal {
	tb.Helper()
	ctx := context.Background()
	for _, step := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO organizations (id, name) SELECT gen_random_uuid(), 'Org ' || i FROM generate_series(1, $1) i`, []any{orgs}},
		{`INSERT INTO users (id, email, full_name, password_hash)
		  SELECT gen_random_uuid(), 'user' || i || '@access.test', 'User ' || i, 'not-a-hash' FROM generate_series(1, $1) i`, []any{users}},
		{`INSERT INTO memberships (organization_id, user_id, role)
		  SELECT o.id, u.id, (ARRAY['owner', 'admin', 'member'])[1 + u.n % 3]
		    FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users) u
		    JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM organizations) o ON o.k = u.n % $1`, []any{orgs}},
		{`INSERT INTO refresh_tokens (id, family_id, user_id, organization_id, token_hash, expires_at, rotated_at)
		  SELECT gen_random_uuid(), md5(m.user_id::text)::uuid, m.user_id, m.organization_id,
		         sha256((m.user_id::text || r)::bytea), now() + interval '30 days',
		         CASE WHEN r < $1 THEN now() END
		    FROM memberships m, generate_series(1, $1) r`, []any{rotations}},
		{`ANALYZE`, nil},
	} {
		if _, err := db.Pool.Exec(ctx, step.q, step.args...); err != nil {
			tb.Fatalf("seed: %v", err)
		}
	}
	rows, err := db.Pool.Query(ctx, `SELECT user_id, organization_id, role, md5(user_id::text)::uuid FROM memberships ORDER BY user_id`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []auth.Principal
	for rows.Next() {
		var p auth.Principal
		if err := rows.Scan(&p.UserID, &p.OrgID, &p.Role, &p.SessionID); err != nil {
			tb.Fatal(err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

func newAccessService(tb testing.TB) (*Service, *database.DB) {
	tb.Helper()
	db := dbtest.New(tb)
	key, _ := auth.GenerateKey()
	public, _ := url.Parse("https://onramp.test")
	return NewService(Config{DB: db, Signer: auth.NewSigner("https://onramp.test", key), PublicURL: public}), db
}

// Concurrent checks share queries, and each caller still gets the answer
// for its own token: the current role (changed in the database here), the
// staff flag as stored, refused when its session ended, its membership or
// its user is gone.
func TestConcurrentAccessChecksEachGetTheirOwnAnswer(t *testing.T) {
	t.Parallel()
	s, db := newAccessService(t)
	ps := seedSessions(t, db, 5, 60, 3)
	ctx := context.Background()
	// Change the state of every fourth member in one of four ways, and the
	// language of every eighth.
	want := make([]string, len(ps)) // the role CurrentAccess answers, "" when refused
	for i, p := range ps {
		want[i] = p.Role
		var q string
		switch i % 8 {
		case 2:
			q = `UPDATE users SET locale = 'fr' WHERE id = $1`
		case 1:
			q, want[i] = `UPDATE memberships SET role = 'member' WHERE user_id = $1`, "member"
		case 3:
			q, want[i] = `UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1`, ""
		case 5:
			q, want[i] = `DELETE FROM memberships WHERE user_id = $1`, ""
		case 7:
			q, want[i] = `DELETE FROM users WHERE id = $1`, ""
		}
		if q != "" {
			if _, err := db.Pool.Exec(ctx, q, p.UserID); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Two tokens claim staff; the stored flag holds for one of them only.
	ps[0].Staff, ps[4].Staff = true, true
	staff := ps[0]
	if _, err := db.Pool.Exec(ctx, `UPDATE users SET is_staff = true WHERE id = $1`, staff.UserID); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	for range 3 { // every token several times at once
		for i, p := range ps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := s.CurrentAccess(ctx, p)
				switch {
				case want[i] == "" && !apperr.Is(err, apperr.CodeUnauthorized):
					t.Errorf("member %d: %+v, %v; want 401", i, got, err)
				case want[i] != "" && (err != nil || got.Role != want[i] || got.UserID != p.UserID || got.OrgID != p.OrgID):
					t.Errorf("member %d: %+v, %v; want role %s", i, got, err, want[i])
				case want[i] != "" && got.Staff != (i == 0):
					t.Errorf("member %d: staff %v", i, got.Staff)
				case want[i] != "" && (got.Locale == "fr") != (i%8 == 2):
					t.Errorf("member %d: locale %q", i, got.Locale)
				}
			}()
		}
	}
	wg.Wait()
	if q := s.access.Queries(); q >= int64(3*len(ps)) {
		t.Logf("%d queries for %d checks: none coalesced on this run", q, 3*len(ps))
	}

	// A token with no organization (a staff user's) gets no role, and a
	// session that is someone else's does not count.
	lone := auth.Principal{UserID: staff.UserID, Staff: true, SessionID: staff.SessionID}
	if got, err := s.CurrentAccess(ctx, lone); err != nil || got.Role != "" || !got.Staff || got.Locale != "en" {
		t.Fatalf("token without organization: %+v, %v", got, err)
	}
	stolen := ps[2]
	stolen.SessionID = staff.SessionID
	if _, err := s.CurrentAccess(ctx, stolen); !apperr.Is(err, apperr.CodeUnauthorized) {
		t.Fatalf("another user's session accepted: %v", err)
	}
}

// BenchmarkCurrentAccess measures the access check every authenticated
// request makes, on 20 000 members of 2 000 organizations with 10 refresh
// tokens per session (200 000 rows):
//   - lone: one caller at a time, so every check is its own query (the
//     round trip);
//   - parallel: many callers at once, coalesced (queries/op < 1);
//   - parallel-uncoalesced: the same query, one per check;
//   - parallel-database-sql: coalesced, but through database/sql rather
//     than the pgx pool.
func BenchmarkCurrentAccess(b *testing.B) {
	s, db := newAccessService(b)
	ps := seedSessions(b, db, 2000, 20000, 10)
	ctx := context.Background()
	b.Run("lone", func(b *testing.B) {
		before := s.access.Queries()
		for i := 0; b.Loop(); i++ {
			if _, err := s.CurrentAccess(ctx, ps[i%len(ps)]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(s.access.Queries()-before)/float64(b.N), "queries/op")
	})
	parallel := func(b *testing.B, check func(p auth.Principal) error) {
		b.SetParallelism(16) // 32 callers on 2 CPUs, as the checklist benchmark's connections
		var next sync.Mutex
		n := 0
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				next.Lock()
				p := ps[n%len(ps)]
				n++
				next.Unlock()
				if err := check(p); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.Run("parallel", func(b *testing.B) {
		before := s.access.Queries()
		parallel(b, func(p auth.Principal) error { _, err := s.CurrentAccess(ctx, p); return err })
		b.ReportMetric(float64(s.access.Queries()-before)/float64(b.N), "queries/op")
	})
	queries := accessQueries(1)
	b.Run("parallel-uncoalesced", func(b *testing.B) {
		parallel(b, func(p auth.Principal) error {
			_, err := readAccess(ctx, db.Pool, queries, []auth.Principal{p})
			return err
		})
	})
	// The same coalesced check through database/sql instead of the pgx
	// pool, to see whether reading on the pool directly pays.
	sqlReads := coalesce.New(coalesce.Limits{MaxInFlight: accessQueriesInFlight, MaxBatch: accessMaxBatch},
		func(ctx context.Context, ps []auth.Principal) ([]access, error) {
			return readAccessSQL(ctx, db, accessQueries(accessMaxBatch), ps)
		})
	b.Run("parallel-database-sql", func(b *testing.B) {
		parallel(b, func(p auth.Principal) error { _, err := sqlReads.Do(ctx, p); return err })
	})
}

// readAccessSQL is readAccess through database/sql, for the benchmark.
func readAccessSQL(ctx context.Context, db *database.DB, queries coalesce.Statements, ps []auth.Principal) ([]access, error) {
	query, n, err := queries.For(len(ps))
	if err != nil {
		return nil, err
	}
	args := make([]any, 4*n)
	for i := range n {
		var p auth.Principal
		if i < len(ps) {
			p = ps[i]
		}
		args[4*i] = pgtype.UUID{Bytes: p.UserID, Valid: i < len(ps)}
		args[4*i+1] = pgtype.UUID{Bytes: p.OrgID, Valid: p.HasOrg()}
		args[4*i+2] = pgtype.UUID{Bytes: p.SessionID, Valid: i < len(ps)}
		args[4*i+3] = pgtype.Bool{Bool: p.Staff, Valid: i < len(ps)}
	}
	rows, err := db.SQL().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]access, len(ps))
	for rows.Next() {
		var i int32
		var a access
		if err := rows.Scan(&i, &a.live, &a.role, &a.staff, &a.locale); err != nil {
			return nil, err
		}
		out[i-1] = a
	}
	return out, rows.Err()
}
