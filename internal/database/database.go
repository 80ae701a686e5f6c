// Package database is the service's one way to PostgreSQL: it opens the
// pool, applies the schema (goose migrations from migrations/, then River's
// own tables), and owns the transaction type every package takes.
//
// How a transaction is passed: DB.InTx opens one and hands fn a *Tx; a
// function that must run inside its caller's transaction takes that *Tx
// (never a bare *gorm.DB), and a read that may run either on the pool or
// inside a transaction takes a Handle, which both *DB and *Tx are. A *Tx
// embeds GORM bound to the transaction; Tx.SQL gives the same transaction
// to database/sql code (River's InsertTx, $n SQL with arrays). Only the
// batched reads on the hot path — the checklist's and the per-request
// access check's — use the pgx pool directly (DB.Pool), and only event
// ingestion's batch statements use the pgx connection of a transaction
// (Tx.PGX), because a benchmark showed it pays.
package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/onramp/onramp/migrations"
)

// DB is the database handle and the pgx pool under it (River needs the pool).
type DB struct {
	Gorm *gorm.DB
	Pool *pgxpool.Pool
}

// Open connects to url and checks the connection. GORM runs on database/sql
// over the same pgx pool, so River and GORM share one set of connections.
func Open(ctx context.Context, url string, log *slog.Logger) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	if cfg.MaxConns < 20 {
		cfg.MaxConns = 20
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	g, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		Logger:                 gormLogger(log),
		SkipDefaultTransaction: true, // our services open transactions explicitly
		TranslateError:         false,
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("open gorm: %w", err)
	}
	return &DB{Gorm: g, Pool: pool}, nil
}

// Close releases the pool.
func (d *DB) Close() {
	if sqlDB, err := d.Gorm.DB(); err == nil {
		_ = sqlDB.Close()
	}
	d.Pool.Close()
}

// Ping checks that the database answers, for /readyz.
func (d *DB) Ping(ctx context.Context) error { return d.Pool.Ping(ctx) }

// Migrate applies every pending migration; running it again changes nothing.
func Migrate(ctx context.Context, sqlDB *sql.DB, pool *pgxpool.Pool, log *slog.Logger) error {
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		var partial *goose.PartialError
		if errors.As(err, &partial) {
			return fmt.Errorf("migration %s failed: %w", partial.Failed.Source.Path, partial.Err)
		}
		return fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range results {
		log.Info("applied migration", "source", r.Source.Path, "duration_ms", r.Duration.Milliseconds())
	}

	migrator, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("load job queue migrations: %w", err)
	}
	res, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("apply job queue migrations: %w", err)
	}
	for _, v := range res.Versions {
		log.Info("applied job queue migration", "version", v.Version)
	}
	return nil
}

// SQL returns the database/sql handle under GORM.
func (d *DB) SQL() *sql.DB {
	sqlDB, err := d.Gorm.DB()
	if err != nil {
		panic(fmt.Sprintf("gorm without database/sql handle: %v", err)) // cannot happen with the postgres driver
	}
	return sqlDB
}

func gormLogger(log *slog.Logger) logger.Interface {
	return logger.NewSlogLogger(log.With("component", "gorm"), logger.Config{
		SlowThreshold:             200 * time.Millisecond,
		IgnoreRecordNotFoundError: true,
		ParameterizedQueries:      true, // never log bound values: they may hold secrets
		LogLevel:                  logger.Warn,
	})
}
