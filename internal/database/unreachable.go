package database

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// connectTimeout bounds a new connection (dial, TLS and startup) when
// DATABASE_URL sets no connect_timeout: with the database down or cut off,
// a request then fails within about a second instead of waiting for the
// operating system to give up on the connection (minutes).
const connectTimeout = time.Second

// Unreachable reports errors that mean the database could not be reached
// or stopped answering (a refused or broken connection, a connection
// that timed out, a server shutting down), as opposed to a query that
// failed: the request is answered 503 dependency_unavailable, and the
// pool reconnects by itself once the database is back.
func Unreachable(err error) bool {
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// admin_shutdown, crash_shutdown, cannot_connect_now: a restart.
		return pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.SafeToRetry(err) || pgconn.Timeout(err) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.ErrUnexpectedEOF)
}
