package database

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"time"
)

// WithSessionLock runs fn while holding PostgreSQL's session-level
// advisory lock named by name, waiting for it while another holder runs.
// It serializes work that must call a network peer in the middle (Stripe)
// without a transaction: the lock lives on a connection of its own, idle
// between statements, so no snapshot, row lock or transaction stays open
// while the peer answers, and fn opens its own short transactions on the
// pool as it needs them. A process that dies mid-way closes the
// connection, which releases the lock: there is no lease to expire.
//
// The wait ends with ctx (the caller's request). Each holder and waiter
// takes one pooled connection, so only callers whose contention is
// naturally small (one organization's checkouts) should use it.
func (d *DB) WithSessionLock(ctx context.Context, name string, fn func() error) (err error) {
	conn, err := d.Pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	key := lockKey(name)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		// A wait cut short by ctx may race the grant: the connection is
		// closed rather than pooled, which drops whatever it holds.
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = conn.Conn().Close(closeCtx)
		cancel()
		conn.Release()
		return fmt.Errorf("lock %s: %w", name, err)
	}
	defer func() {
		// The caller's ctx may be done by now; the unlock must still run.
		unlockCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		var released bool
		uerr := conn.QueryRow(unlockCtx, `SELECT pg_advisory_unlock($1)`, key).Scan(&released)
		if uerr != nil || !released {
			// A connection that may still hold the lock must never go back
			// to the pool: closing it releases the lock for certain.
			_ = conn.Conn().Close(unlockCtx)
			if uerr == nil {
				uerr = errors.New("the lock was not held")
			}
			err = errors.Join(err, fmt.Errorf("unlock %s: %w", name, uerr))
		}
		conn.Release()
	}()
	return fn()
}

// lockKey is the advisory lock key (a bigint) for name. Two names that
// hash alike only share a lock: they wait on each other, nothing worse.
func lockKey(name string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("onramp:" + name))
	return int64(h.Sum64())
}
