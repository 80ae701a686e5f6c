package dbtest

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"testing"

	"github.com/onramp/onramp/internal/database"
	"github.com/onramp/onramp/internal/testing/tcpproxy"
)

// NewThroughProxy returns a fresh migrated database for t, reached through
// a proxy the test can cut (tcpproxy), both closed when t ends.
func NewThroughProxy(t testing.TB) (*database.DB, *tcpproxy.Proxy) {
	t.Helper()
	u, err := url.Parse(NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	// The service's own connect timeout: these tests measure how fast a
	// request fails when the database is gone.
	q := u.Query()
	q.Del("connect_timeout")
	u.RawQuery = q.Encode()
	proxy := tcpproxy.Start(t, u.Host)
	u.Host = proxy.Addr()
	db, err := database.Open(context.Background(), u.String(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open test database through a proxy: %v", err)
	}
	t.Cleanup(db.Close)
	// Cut first (cleanups run last in, first out): the pool closes a
	// connection by waiting for the server's goodbye, up to 15 s, which a
	// connection left behind by a silent outage never gets.
	t.Cleanup(proxy.Cut)
	return db, proxy
}
