package cases

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// maxArgs bounds the arguments of one statement: PostgreSQL allows
// 65,535 and SQLite 32,766. On SQLite the statements use anonymous
// parameters (?), which the driver binds by position; numbered ones ($N)
// it looks up by name in a list, which made binding cost the square of
// the arguments.
func maxArgs(d sqldb.Dialect) int {
	if d == sqldb.Postgres {
		return 30000
	}
	return 4000
}

// BulkBatch is the rows of the cases a Bulk buffered, taken out of it to
// be written (on another goroutine while the Bulk encodes the next).
type BulkBatch struct {
	caseRows, eventRows [][]any
	links, involved     [][3]any
	numbers             map[string]int64 // day → last number used in it
	lastID              int64
}

// Take returns the buffered cases as a batch to write and empties the
// buffer.
func (b *Bulk) Take() *BulkBatch {
	out := &BulkBatch{caseRows: b.caseRows, eventRows: b.eventRows, links: b.links, involved: b.involved,
		numbers: make(map[string]int64, len(b.touched)), lastID: b.nextID - 1}
	for d := range b.touched {
		out.numbers[d] = b.numbers[d]
	}
	b.caseRows, b.eventRows, b.links, b.involved = nil, nil, nil, nil
	clear(b.touched)
	return out
}

// Flush writes the buffered cases inside tx and empties the buffer (Take
// and Write).
func (b *Bulk) Flush(ctx context.Context, tx *sqldb.Tx) error { return b.Take().Write(ctx, tx) }

// Write writes the batch's cases, their events and links inside tx and
// records the numbers handed out. On PostgreSQL it moves the id sequence
// past the ids used. Batches must be written in the order they were taken.
func (bb *BulkBatch) Write(ctx context.Context, tx *sqldb.Tx) error {
	if len(bb.caseRows) == 0 {
		return nil
	}
	caseCols := append([]string{"id"}, rowColumns...)
	caseCols = append(caseCols, "reporter_phone", "reporter_phone_index", "idempotency_scope", "idempotency_key",
		"idempotency_hash", "version", "last_hash", "created_at")
	if err := insertRows(ctx, tx, "cases", caseCols, bb.caseRows); err != nil {
		return fmt.Errorf("cases: bulk: %w", err)
	}
	eventCols := []string{"case_id", "seq", "action", "actor_user_id", "actor_name", "actor_role", "from_state", "to_state",
		"from_tier", "to_tier", "note", "data", "attachments", "at", "prev_hash", "hash"}
	if err := insertRows(ctx, tx, "case_events", eventCols, bb.eventRows); err != nil {
		return fmt.Errorf("cases: bulk: %w", err)
	}
	for _, l := range []struct {
		table, col string
		rows       [][3]any
	}{{"case_followers", "user_id", bb.links}, {"case_involved", "department_id", bb.involved}} {
		rows := make([][]any, len(l.rows))
		for i, r := range l.rows {
			rows[i] = r[:]
		}
		if err := insertRows(ctx, tx, l.table, []string{"case_id", l.col, "created_at"}, rows); err != nil {
			return fmt.Errorf("cases: bulk: %w", err)
		}
	}
	days := make([]string, 0, len(bb.numbers))
	for d := range bb.numbers {
		days = append(days, d)
	}
	slices.Sort(days)
	for _, d := range days {
		if _, err := tx.Exec(ctx, `INSERT INTO case_numbers (day, last) VALUES ($1, $2)
			ON CONFLICT (day) DO UPDATE SET last = CASE WHEN excluded.last > case_numbers.last THEN excluded.last ELSE case_numbers.last END`,
			d, bb.numbers[d]); err != nil {
			return fmt.Errorf("cases: bulk: case numbers: %w", sqldb.Translate(err))
		}
	}
	if tx.Dialect == sqldb.Postgres {
		if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence('cases', 'id'), $1)`, bb.lastID); err != nil {
			return fmt.Errorf("cases: bulk: id sequence: %w", sqldb.Translate(err))
		}
	}
	return nil
}

// insertRows inserts rows into table with as few multi-row INSERTs as the
// argument limit allows. Every full statement has the same text, so the
// transaction's statement cache prepares it once.
func insertRows(ctx context.Context, tx *sqldb.Tx, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	per := max(1, maxArgs(tx.Dialect)/len(cols))
	head := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES `
	full := ""
	args := make([]any, 0, min(per, len(rows))*len(cols))
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(len(rows), start+per)]
		args = args[:0]
		for _, r := range chunk {
			args = append(args, r...)
		}
		query := full
		if len(chunk) < per || query == "" {
			query = valuesSQL(head, len(chunk), len(cols), tx.Dialect)
			if len(chunk) == per {
				full = query
			}
		}
		if _, err := tx.Exec(ctx, query, args...); err != nil {
			return fmt.Errorf("insert into %s: %w", table, sqldb.Translate(err))
		}
	}
	return nil
}

// valuesSQL is head followed by n rows of width parameters.
func valuesSQL(head string, n, width int, d sqldb.Dialect) string {
	var sb strings.Builder
	sb.Grow(len(head) + n*width*4)
	sb.WriteString(head)
	sqldb.AppendValues(&sb, d, n, width)
	return sb.String()
}
