package pgbinary

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Statement is a statement whose parameters are written here, with the
// types PostgreSQL must infer for them.
type Statement struct {
	// Name is the prepared statement's name on every connection: unique
	// among Statements.
	Name, SQL string
	// ParamOIDs are the types of $1, $2, …: a statement whose casts say
	// otherwise fails on its first run instead of sending bytes of one
	// type as another.
	ParamOIDs []uint32
}

// binaryFormat applies to every parameter and result column.
var binaryFormat = []int16{1}

// Query runs st on conn with params (each in binary, nil for NULL), its
// results in binary: the caller reads rows from the reader and must Close
// it. The statement is prepared once per connection (pgx remembers it).
func (st Statement) Query(ctx context.Context, conn *pgx.Conn, params ...[]byte) (*pgconn.ResultReader, error) {
	sd, err := conn.Prepare(ctx, st.Name, st.SQL)
	if err != nil {
		return nil, fmt.Errorf("prepare %s: %w", st.Name, err)
	}
	if !slices.Equal(sd.ParamOIDs, st.ParamOIDs) {
		return nil, fmt.Errorf("prepare %s: parameter types %v, written as %v", st.Name, sd.ParamOIDs, st.ParamOIDs)
	}
	if len(params) != len(st.ParamOIDs) {
		return nil, fmt.Errorf("run %s: %d parameters for %d", st.Name, len(params), len(st.ParamOIDs))
	}
	return conn.PgConn().ExecPrepared(ctx, sd.Name, params, binaryFormat, binaryFormat), nil
}

// Scan decodes a result column (binary, of type oid) into dst with pgx's
// own decoders: results are small next to the parameters.
func Scan(conn *pgx.Conn, oid uint32, src []byte, dst any) error {
	return conn.TypeMap().Scan(oid, pgx.BinaryFormatCode, src, dst)
}
