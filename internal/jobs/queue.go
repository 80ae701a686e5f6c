package jobs

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/onramp/onramp/internal/database"
)

// Queue inserts jobs in the caller's transaction. It runs on database/sql,
// the handle GORM (and so every database.Tx) runs on; the Runner works the
// jobs on the pgx pool.
type Queue struct {
	inserter *river.Client[*sql.Tx]
}

// NewQueue builds a queue over db.
func NewQueue(db *database.DB) (*Queue, error) {
	c, err := river.NewClient(riverdatabasesql.New(db.SQL()), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	return &Queue{inserter: c}, nil
}

// Insert queues args in tx: the job runs after tx commits, and never if it
// rolls back.
func (q *Queue) Insert(ctx context.Context, tx *database.Tx, args river.JobArgs) error {
	if _, err := q.inserter.InsertTx(ctx, tx.SQL(), args, nil); err != nil {
		return fmt.Errorf("queue %s job: %w", args.Kind(), err)
	}
	return nil
}

// InsertMany queues every one of params in tx in one statement.
func (q *Queue) InsertMany(ctx context.Context, tx *database.Tx, params []river.InsertManyParams) error {
	if _, err := q.inserter.InsertManyTx(ctx, tx.SQL(), params); err != nil {
		return fmt.Errorf("queue %d jobs: %w", len(params), err)
	}
	return nil
}
