// Package dbtest gives each test its own PostgreSQL database, cloned from a
// template that holds the migrated schema. Cloning takes milliseconds, so
// every test starts from a clean, real database and tests run in parallel.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"sort"
	"sync"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/migrations"
)

// AdminURL is the server tests create databases on: TEST_DATABASE_URL, else
// DATABASE_URL. `make test` sets TEST_DATABASE_URL to a throwaway cluster.
func AdminURL() (string, error) {
	for _, name := range []string{"TEST_DATABASE_URL", "DATABASE_URL"} {
		if v := os.Getenv(name); v != "" {
			return v, nil
		}
	}
	return "", fmt.Errorf("TEST_DATABASE_URL is not set: run `make test`, or point it at a PostgreSQL server where this user may create databases")
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// New returns a fresh migrated database for t, dropped when t ends.
func New(t testing.TB) *database.DB {
	t.Helper()
	url := NewURL(t)
	db, err := database.Open(context.Background(), url, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(db.Close)
	return db
}

// NewURL creates a fresh migrated database and returns its URL.
func NewURL(t testing.TB) string {
	t.Helper()
	admin, err := AdminURL()
	if err != nil {
		t.Fatal(err)
	}
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(admin) })
	if templateErr != nil {
		t.Fatalf("prepare template database: %v", templateErr)
	}
	adminDB, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("connect to test server: %v", err)
	}
	defer adminDB.Close()

	name := "onramp_test_" + randomHex(8)
	if _, err := adminDB.Exec(fmt.Sprintf(`CREATE DATABASE %q TEMPLATE %q`, name, templateName)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() { dropDatabase(t, admin, name) })
	return withDatabase(admin, name)
}

// testConnectTimeout is the connect_timeout, in seconds, of every
// database URL this package opens or hands out. The service's default (a
// second: a request fails fast when the database is gone) is too short for
// a test machine running every package at once on two cores, where
// starting a backend can take longer; the tests of an unreachable database
// go through NewThroughProxy, which keeps the default.
const testConnectTimeout = "10"

// NewEmptyURL creates an empty database (no schema) on admin, dropped when t
// ends, for testing migrations themselves.
func NewEmptyURL(t testing.TB, admin string) string {
	t.Helper()
	adminDB, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("connect to test server: %v", err)
	}
	defer adminDB.Close()
	name := "onramp_empty_" + randomHex(8)
	if _, err := adminDB.Exec(fmt.Sprintf(`CREATE DATABASE %q`, name)); err != nil {
		t.Fatalf("create empty database: %v", err)
	}
	t.Cleanup(func() { dropDatabase(t, admin, name) })
	return withDatabase(admin, name)
}

func dropDatabase(t testing.TB, admin, name string) {
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Logf("drop test database %s: %v", name, err)
		return
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name)); err != nil {
		t.Logf("drop test database %s: %v", name, err)
	}
}

// ensureTemplate creates the migrated template once per schema version. The
// name carries a hash of the migrations, so a changed schema gets a new one;
// an advisory lock keeps parallel test binaries from building it twice.
func ensureTemplate(admin string) (string, error) {
	ctx := context.Background()
	name := "onramp_tpl_" + schemaHash()[:16]

	adminDB, err := sql.Open("pgx", admin)
	if err != nil {
		return "", err
	}
	defer adminDB.Close()
	conn, err := adminDB.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("connect to %s: %w", redact(admin), err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext($1))`, name); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtext($1))`, name) //nolint:errcheck

	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	// Build under a temporary name and rename when complete, so a crash
	// midway never leaves a half-migrated template behind.
	building := name + "_building"
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, building)); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %q`, building)); err != nil {
		return "", err
	}
	db, err := database.Open(ctx, withDatabase(admin, building), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return "", err
	}
	err = database.Migrate(ctx, db.SQL(), db.Pool, slog.New(slog.NewTextHandler(io.Discard, nil)))
	db.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`ALTER DATABASE %q RENAME TO %q`, building, name)); err != nil {
		return "", err
	}
	return name, nil
}

func schemaHash() string {
	h := sha256.New()
	entries, _ := fs.ReadDir(migrations.FS, ".")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		b, _ := fs.ReadFile(migrations.FS, n)
		h.Write([]byte(n))
		h.Write(b)
	}
	// River's schema version comes from the module version in go.mod; bump
	// this when upgrading River so templates are rebuilt.
	h.Write([]byte("river v0.51.1"))
	return hex.EncodeToString(h.Sum(nil))
}

// withDatabase is the URL of database name on the admin URL's server,
// with the tests' connect timeout.
func withDatabase(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(err)
	}
	u.Path = "/" + name
	q := u.Query()
	q.Set("connect_timeout", testConnectTimeout)
	u.RawQuery = q.Encode()
	return u.String()
}

func redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
