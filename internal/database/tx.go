package database

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// Tx is one open transaction. It embeds the GORM handle bound to the
// transaction and to the context it was opened with, so tx.Create, tx.Raw
// and the rest run inside it, and SQL gives the same transaction to code
// that needs database/sql (River's InsertTx, $n SQL with arrays).
//
// Only InTx opens, commits and rolls back a Tx: code that receives one
// never calls Begin, Commit, Rollback or Transaction on it.
type Tx struct {
	*gorm.DB
	sql  *sql.Tx
	conn *sql.Conn // the connection sql runs on, for PGX
}

// SQL is the database/sql transaction under tx.
func (tx *Tx) SQL() *sql.Tx { return tx.sql }

// errPanicked stands for a panic in PGX's fn while database/sql releases
// the connection: a panic there would mark the connection bad, and
// database/sql waits forever to close a connection a transaction holds.
var errPanicked = errors.New("panic while using the pgx connection")

// PGX runs fn with the pgx connection under tx: what fn runs is part of
// the transaction, in pgx's binary protocol, without database/sql's
// conversions. Only statements a benchmark showed pay for it (event
// ingestion's batch insert and counters) use it. fn must not begin,
// commit or roll back, nor keep the connection after it returns.
func (tx *Tx) PGX(fn func(conn *pgx.Conn) error) error {
	var panicked any
	err := tx.conn.Raw(func(driverConn any) (err error) {
		defer func() {
			if p := recover(); p != nil {
				panicked, err = p, errPanicked
			}
		}()
		return fn(driverConn.(*stdlib.Conn).Conn())
	})
	if panicked != nil {
		panic(panicked)
	}
	return err
}

// InTx runs fn in a new transaction: committed when fn returns nil, rolled
// back when it returns an error or panics. A transaction is never held
// across a call to Stripe, SMTP or any other network peer: fn writes an
// outbox row (a job) instead, and the job makes the call after the commit.
func (d *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	return d.inTx(ctx, nil, fn)
}

// InSnapshot runs fn in a read-only transaction that sees one snapshot of
// the database (REPEATABLE READ): reads spread over several statements and
// packages (a person's export) agree with each other, whatever commits
// while they run. A write in fn fails.
func (d *DB) InSnapshot(ctx context.Context, fn func(tx *Tx) error) error {
	return d.inTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}, fn)
}

func (d *DB) inTx(ctx context.Context, opts *sql.TxOptions, fn func(tx *Tx) error) (err error) {
	// The transaction runs on a connection of its own, so that PGX can
	// reach the pgx connection under it.
	conn, err := d.SQL().Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer conn.Close()
	sqlTx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	// What gorm.DB.Begin does, with the transaction we opened: a session
	// with its own statement (Context set clones it), running on sqlTx.
	g := d.Gorm.Session(&gorm.Session{Context: ctx, NewDB: true})
	g.Statement.ConnPool = sqlTx
	tx := &Tx{DB: g, sql: sqlTx, conn: conn}

	committed := false
	defer func() {
		if committed {
			return
		}
		if rbErr := sqlTx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) && err != nil {
			err = errors.Join(err, fmt.Errorf("roll back: %w", rbErr))
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	committed = true
	return nil
}

// Querier runs SQL written with PostgreSQL's $n placeholders (arrays,
// unnest), which GORM's own placeholder expansion would mangle: DB.SQL()
// outside a transaction, Tx.SQL() inside one.
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

var (
	_ Querier = (*sql.DB)(nil)
	_ Querier = (*sql.Tx)(nil)
)

// Handle is where a read runs: a *DB reads on the pool, a *Tx inside its
// transaction. Reads that must see the caller's uncommitted writes, or must
// not take a second connection while the caller holds one, take a Handle.
type Handle interface {
	// Query is GORM bound to ctx and to the handle's connection.
	Query(ctx context.Context) *gorm.DB
}

// Query reads on the pool.
func (d *DB) Query(ctx context.Context) *gorm.DB { return d.Gorm.WithContext(ctx) }

// Query reads inside the transaction.
func (tx *Tx) Query(ctx context.Context) *gorm.DB { return tx.DB.WithContext(ctx) }
