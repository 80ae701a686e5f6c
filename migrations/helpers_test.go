package migrations_test

import (
	"context"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/testing/dbtest"
	"github.com/onramp/onramp/migrations"
)

// migratedTo is a fresh database with migrations up to version only, and
// the provider that migrates it on: a test stores rows as they were before
// a later migration, then runs it.
func migratedTo(t *testing.T, version int64) (*database.DB, *goose.Provider) {
	t.Helper()
	db := dbtest.New(t)
	provider, err := goose.NewProvider(goose.DialectPostgres, db.SQL(), migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.DownTo(context.Background(), version); err != nil {
		t.Fatal(err)
	}
	return db, provider
}
