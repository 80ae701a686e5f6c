package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/onramp/onramp/internal/testing/testenv"
)

// joinAsNewUser has owner invite email as a member, and the invitee accept
// as a new user with DefaultPassword, through the API.
func joinAsNewUser(t *testing.T, env *testenv.Env, owner testenv.Session, email, fullName string) testenv.Session {
	t.Helper()
	invite(t, env, owner.AccessToken, email, "member").Expect(t, http.StatusCreated)
	token := testenv.LinkToken(t, env.Mail.WaitFor(t, email, "Join "+owner.Organization.Name+" on Onramp").Text)
	var s testenv.Session
	env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token, "full_name": fullName, "password": testenv.DefaultPassword}).
		Expect(t, http.StatusCreated).Decode(t, &s)
	return s
}

// joinAsExistingUser has owner invite who (signed in) as a member, and who
// accept with their access token; it returns their session in owner's
// organization.
func joinAsExistingUser(t *testing.T, env *testenv.Env, owner, who testenv.Session) testenv.Session {
	t.Helper()
	invite(t, env, owner.AccessToken, who.User.Email, "member").Expect(t, http.StatusCreated)
	token := testenv.LinkToken(t, env.Mail.WaitFor(t, who.User.Email, "Join "+owner.Organization.Name+" on Onramp").Text)
	var s testenv.Session
	env.Do(t, http.MethodPost, "/v1/invitations/accept", map[string]any{"token": token}, testenv.WithBearer(who.AccessToken)).
		Expect(t, http.StatusCreated).Decode(t, &s)
	return s
}

// evp is a client event with properties.
func evp(name string, props map[string]any) map[string]any {
	e := ev(name, time.Now().Add(-time.Minute))
	e["properties"] = props
	return e
}

// rowsMentioning lists, per table of the public schema (River's included),
// how many rows hold text anywhere in them (any column, JSON and arrays
// included), case-insensitively.
func rowsMentioning(t *testing.T, env *testenv.Env, text string) map[string]int {
	t.Helper()
	rows, err := env.DB.Pool.Query(t.Context(), `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]int{}
	for _, table := range tables {
		var n int
		q := `SELECT count(*) FROM ` + pgx.Identifier{table}.Sanitize() + ` AS r WHERE strpos(lower(r::text), lower($1)) > 0`
		if err := env.DB.Pool.QueryRow(t.Context(), q, text).Scan(&n); err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
		if n > 0 {
			found[table] = n
		}
	}
	return found
}

// assertNotIn fails for each needle the body holds.
func assertNotIn(t *testing.T, body []byte, needles ...string) {
	t.Helper()
	for _, n := range needles {
		if strings.Contains(strings.ToLower(string(body)), strings.ToLower(n)) {
			t.Errorf("the document holds %q", n)
		}
	}
}
