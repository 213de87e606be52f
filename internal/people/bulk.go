package people

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// inChunk is how many values one IN (…) list carries.
const inChunk = 500

// queryIn runs prefix + "…)" once per inChunk of vals, the placeholders of
// the chunk closing the IN list that prefix opens, and hands every row to
// scan.
func queryIn[V any](ctx context.Context, q sqldb.Querier, prefix string, vals []V, scan func(*sql.Rows) error) error {
	for start := 0; start < len(vals); start += inChunk {
		var w sqldb.Where
		list := sqldb.ArgList(&w, vals[start:min(start+inChunk, len(vals))])
		rows, err := q.Query(ctx, prefix+list+")", w.Args()...)
		if err != nil {
			return sqldb.Translate(err)
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return sqldb.Translate(err)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return sqldb.Translate(err)
		}
	}
	return nil
}

// idsIn returns which of ids the query "SELECT <one id column> … IN ("
// finds.
func idsIn(ctx context.Context, q sqldb.Querier, prefix string, ids []int64) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	err := queryIn(ctx, q, prefix, ids, func(rows *sql.Rows) error {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		out[id] = true
		return nil
	})
	return out, err
}

// multiInsert is a multi-row INSERT … RETURNING id: $1 is the transaction
// time, then width arguments per row; each row ends with nowCols columns
// set to $1 (created_at, updated_at).
type multiInsert struct {
	head    string // "INSERT INTO t (a, b, created_at) VALUES "
	width   int
	nowCols int
}

// chunkSize is how many rows one INSERT writes. Multi-row inserts save
// round trips on PostgreSQL and, on SQLite, the per-statement costs (the
// statement journal above all); but SQLite looks up "$n" parameters by a
// linear search, so its statements stay small.
func chunkSize(d sqldb.Dialect) int {
	if d == sqldb.Postgres {
		return 250
	}
	return 16
}

// sql is the statement for n rows.
func (m multiInsert) sql(n int) string {
	var b strings.Builder
	b.WriteString(m.head)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for j := 0; j < m.width; j++ {
			fmt.Fprintf(&b, "$%d, ", 2+m.width*i+j)
		}
		b.WriteString(strings.TrimSuffix(strings.Repeat("$1, ", m.nowCols), ", "))
		b.WriteString(")")
	}
	b.WriteString(" RETURNING id")
	return b.String()
}

// run inserts n rows, a chunk per statement (the statement of a full chunk
// is prepared once); add appends row i's width arguments to args. It
// returns the new ids in row order.
func (m multiInsert) run(ctx context.Context, tx *sqldb.Tx, n int, add func(args []any, i int) []any) ([]int64, error) {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	size := chunkSize(tx.Dialect)
	ids := make([]int64, 0, n)
	args := make([]any, 0, 1+m.width*size)
	for start := 0; start < n; start += size {
		end := min(start+size, n)
		args = append(args[:0], tx.Now)
		for i := start; i < end; i++ {
			args = add(args, i)
		}
		var rows *sql.Rows
		var err error
		if end-start == size {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, m.sql(size)); err != nil {
					return nil, sqldb.Translate(err)
				}
			}
			rows, err = full.QueryContext(ctx, args...)
		} else {
			rows, err = tx.Tx.QueryContext(ctx, m.sql(end-start), args...)
		}
		if err != nil {
			return nil, sqldb.Translate(err)
		}
		first := len(ids)
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, sqldb.Translate(err)
		}
		if len(ids)-first != end-start {
			return nil, fmt.Errorf("inserted %d rows, got %d ids back", end-start, len(ids)-first)
		}
		// RETURNING promises no order, but the ids of one statement are
		// assigned in the order of its VALUES on both engines.
		slices.Sort(ids[first:])
	}
	return ids, nil
}
