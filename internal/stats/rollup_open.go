package stats

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// openRows is how many rows one statement of flushOpen carries (at most
// 175 arguments: SQLite binds each by a lookup, see flushRows).
const openRows = 25

// flushOpen adds the open rows a holds to stats_open and stats_open_age,
// in key order, and deletes the rows that fall to no open case (so that
// reads stay short).
func (a *Aggregator) flushOpen(ctx context.Context, tx *sqldb.Tx) error {
	open, age := a.expandOpen()
	var ins, del [][]any
	for _, k := range sortedRows(a, open, func(r *openRow) bool { return *r != openRow{} }) {
		r := open[k]
		ins = append(ins, []any{k.region, string(dims[k.dim()]), a.keys[k.key()], k.day, r.Open, r.Unhandled, r.ReportedSum})
		if r.Open < 0 {
			del = append(del, []any{k.region, string(dims[k.dim()]), a.keys[k.key()], k.day})
		}
	}
	if err := execRows(ctx, tx, ins, `INSERT INTO stats_open (region_id, dim, key, due_day, open, unhandled, reported_sum) VALUES `,
		`(?, ?, ?, ?, ?, ?, ?)`, ", ", ` ON CONFLICT (region_id, dim, key, due_day) DO UPDATE SET
		open = stats_open.open + excluded.open, unhandled = stats_open.unhandled + excluded.unhandled,
		reported_sum = stats_open.reported_sum + excluded.reported_sum`); err != nil {
		return err
	}
	if err := execRows(ctx, tx, del, `DELETE FROM stats_open WHERE open = 0 AND (`,
		`(region_id = ? AND dim = ? AND key = ? AND due_day = ?)`, " OR ", `)`); err != nil {
		return err
	}
	ins, del = ins[:0], del[:0]
	for _, k := range sortedRows(a, age, func(n int64) bool { return n != 0 }) {
		n := age[k]
		ins = append(ins, []any{k.region, string(dims[k.dim()]), a.keys[k.key()], k.day, n})
		if n < 0 {
			del = append(del, []any{k.region, string(dims[k.dim()]), a.keys[k.key()], k.day})
		}
	}
	if err := execRows(ctx, tx, ins, `INSERT INTO stats_open_age (region_id, dim, key, reported_day, open) VALUES `,
		`(?, ?, ?, ?, ?)`, ", ", ` ON CONFLICT (region_id, dim, key, reported_day) DO UPDATE SET
		open = stats_open_age.open + excluded.open`); err != nil {
		return err
	}
	return execRows(ctx, tx, del, `DELETE FROM stats_open_age WHERE open = 0 AND (`,
		`(region_id = ? AND dim = ? AND key = ? AND reported_day = ?)`, " OR ", `)`)
}

// expandOpen sums the open leaves into the rows of stats_open (by due
// day) and stats_open_age (by reported day).
func (a *Aggregator) expandOpen() (map[rowID]*openRow, map[rowID]int64) {
	open := make(map[rowID]*openRow)
	age := make(map[rowID]int64)
	var ids []rowID
	for k, r := range a.open {
		if *r == (openRow{}) {
			continue
		}
		ids = a.rowsOf(ids[:0], k.leafKey, k.day)
		for _, id := range ids {
			o := open[id]
			if o == nil {
				o = &openRow{}
				open[id] = o
			}
			o.Open += r.Open
			o.Unhandled += r.Unhandled
			o.ReportedSum += r.ReportedSum
			id.day = k.reported
			age[id] += r.Open
		}
	}
	return open, age
}

// sortedRows returns the keys of m whose value keep accepts, in key order
// (so that concurrent flushes take row locks in one order).
func sortedRows[V any](a *Aggregator, m map[rowID]V, keep func(V) bool) []rowID {
	keys := make([]rowID, 0, len(m))
	for k, v := range m {
		if keep(v) {
			keys = append(keys, k)
		}
	}
	a.sortKeys()
	slices.SortFunc(keys, a.compareRows)
	return keys
}

// execRows runs head + row × n (joined by sep) + tail for rows, openRows
// rows per statement; each ? of row is numbered ($1 …) on PostgreSQL.
func execRows(ctx context.Context, tx *sqldb.Tx, rows [][]any, head, row, sep, tail string) error {
	for start := 0; start < len(rows); start += openRows {
		chunk := rows[start:min(start+openRows, len(rows))]
		var b strings.Builder
		b.WriteString(head)
		var args []any
		for i, r := range chunk {
			if i > 0 {
				b.WriteString(sep)
			}
			if tx.Dialect == sqldb.Postgres {
				parts := strings.Split(row, "?")
				for j, p := range parts {
					b.WriteString(p)
					if j < len(parts)-1 {
						fmt.Fprintf(&b, "$%d", len(args)+j+1)
					}
				}
			} else {
				b.WriteString(row)
			}
			args = append(args, r...)
		}
		b.WriteString(tail)
		if _, err := tx.Exec(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("stats: flush open rollups: %w", sqldb.Translate(err))
		}
	}
	return nil
}
