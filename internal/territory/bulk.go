package territory

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// bulkInsert writes rows into one table with multi-row INSERTs inside a
// transaction. Every row ends with created_at and updated_at, both the
// transaction time, passed once as $1.
type bulkInsert struct {
	tx        *sqldb.Tx
	head      string // "INSERT INTO t (a, b, created_at, updated_at) VALUES "
	width     int    // values per row, without the two times
	returning string // " RETURNING …" or ""
	scan      func(*sql.Rows) error
	chunk     int
	full      *sql.Stmt // the statement for a full chunk, prepared on first use
	pending   []any
}

// newBulkInsert prepares to insert into table's columns (a comma-separated
// list without the times). With returning, scan is called for every row the
// INSERT returns.
func newBulkInsert(tx *sqldb.Tx, table, columns, returning string, scan func(*sql.Rows) error) *bulkInsert {
	return &bulkInsert{
		tx:        tx,
		head:      "INSERT INTO " + table + " (" + columns + ", created_at, updated_at) VALUES ",
		width:     strings.Count(columns, ",") + 1,
		returning: returning,
		scan:      scan,
		chunk:     bulkChunk(tx.Dialect),
	}
}

// bulkChunk returns how many rows one INSERT writes: many on PostgreSQL,
// where each statement is a round trip; one on SQLite, where a statement
// costs no round trip and binding many parameters grows quadratically in
// the modernc driver.
func bulkChunk(d sqldb.Dialect) int {
	if d == sqldb.Postgres {
		return 250
	}
	return 1
}

// statement returns the INSERT for n rows.
func (b *bulkInsert) statement(n int) string {
	var s strings.Builder
	s.WriteString(b.head)
	p := 2
	for i := 0; i < n; i++ {
		if i > 0 {
			s.WriteString(", ")
		}
		s.WriteByte('(')
		for j := 0; j < b.width; j++ {
			fmt.Fprintf(&s, "$%d, ", p)
			p++
		}
		s.WriteString("$1, $1)")
	}
	s.WriteString(b.returning)
	return s.String()
}

// add queues one row of b.width values, writing a chunk when it is full.
func (b *bulkInsert) add(ctx context.Context, vals ...any) error {
	b.pending = append(b.pending, vals...)
	if len(b.pending) < b.width*b.chunk {
		return nil
	}
	if b.full == nil {
		st, err := b.tx.PrepareContext(ctx, b.statement(b.chunk))
		if err != nil {
			return sqldb.Translate(err)
		}
		b.full = st
	}
	return b.run(ctx, b.full, "")
}

// flush writes the queued rows.
func (b *bulkInsert) flush(ctx context.Context) error {
	if len(b.pending) == 0 {
		return nil
	}
	return b.run(ctx, nil, b.statement(len(b.pending)/b.width))
}

func (b *bulkInsert) run(ctx context.Context, st *sql.Stmt, query string) error {
	args := append([]any{b.tx.Now}, b.pending...)
	b.pending = b.pending[:0]
	if b.returning == "" {
		var err error
		if st != nil {
			_, err = st.ExecContext(ctx, args...)
		} else {
			_, err = b.tx.ExecContext(ctx, query, args...)
		}
		return sqldb.Translate(err)
	}
	var rows *sql.Rows
	var err error
	if st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = b.tx.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return sqldb.Translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := b.scan(rows); err != nil {
			return sqldb.Translate(err)
		}
	}
	return sqldb.Translate(rows.Err())
}

// close releases the prepared statement.
func (b *bulkInsert) close() {
	if b.full != nil {
		b.full.Close()
	}
}
