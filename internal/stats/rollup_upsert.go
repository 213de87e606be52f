package stats

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// flushRows is how many rows one upsert statement carries. On SQLite the
// statement uses anonymous parameters (?), which its parser numbers
// without the linear name lookup that made $N binding quadratic, so a
// longer statement no longer costs more per row. Measured on the
// Aggregator benchmark's bulk flush (three runs each, µs per case): 4 rows
// 91–109, 16 rows 82–97, 32 rows 76–89, 64 rows 79–86, 128 rows 77–84;
// beyond 32 the gain is within the noise.
const flushRows = 32

// Counter groups: the counts one kind of event sets together. An upsert
// writes only the groups its rows use (a drained batch of reports binds
// and adds 6 counts a row, not 47); six groups keep the statements few.
const (
	groupIntake   = iota // reported … register_on_time
	groupDispatch        // dispatched … returned
	groupHandle          // rework, handled …, handle_seconds, timed, overtime, the histogram
	groupClose           // verify_due … closed_city
	groupActions         // reopened, escalated, supervised
	groupRatings         // ratings … unsatisfied
)

// counterGroups is the group of each of counterColumns.
var counterGroups = func() [counterCount]uint8 {
	var g [counterCount]uint8
	for i := range g {
		switch {
		case i < 6:
			g[i] = groupIntake
		case i < 10:
			g[i] = groupDispatch
		case i < 14 || i >= 31:
			g[i] = groupHandle
		case i < 24:
			g[i] = groupClose
		case i < 27:
			g[i] = groupActions
		default:
			g[i] = groupRatings
		}
	}
	return g
}()

// groupsOf is the set of groups with a nonzero count in v (bit g: group g).
func groupsOf(v *[counterCount]int64) uint8 {
	var set uint8
	for i, n := range v {
		if n != 0 {
			set |= 1 << counterGroups[i]
		}
	}
	return set
}

// groupColumns lists the indexes of counterColumns in the groups of set.
func groupColumns(set uint8) []int {
	var out []int
	for i, g := range counterGroups {
		if set&(1<<g) != 0 {
			out = append(out, i)
		}
	}
	return out
}

// upsertSQL is the additive upsert of n rows of the columns cols (indexes
// of counterColumns) into table (stats_daily or stats_monthly, whose day
// column is col), with the dialect's parameters (sqldb.AppendValues). The
// other counts of a new row are 0.
func upsertSQL(table, col string, cols []int, n int, d sqldb.Dialect) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (region_id, dim, key, %s", table, col)
	for _, c := range cols {
		b.WriteString(", ")
		b.WriteString(counterColumns[c])
	}
	b.WriteString(") VALUES ")
	sqldb.AppendValues(&b, d, n, 4+len(cols))
	fmt.Fprintf(&b, " ON CONFLICT (region_id, dim, key, %s) DO UPDATE SET ", col)
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		name := counterColumns[c]
		fmt.Fprintf(&b, "%s = %s.%s + excluded.%s", name, table, name, name)
	}
	return b.String()
}

// writeCounters adds rows to table in key order, flushRows rows per
// statement, each statement writing the counter groups its rows use.
func (a *Aggregator) writeCounters(ctx context.Context, tx *sqldb.Tx, table, col string, rows *rowSums) error {
	if len(rows.idx) == 0 {
		return nil
	}
	keys := make([]rowID, 0, len(rows.idx))
	for k := range rows.idx {
		keys = append(keys, k)
	}
	a.sortKeys()
	slices.SortFunc(keys, a.compareRows)
	stmts := make(map[uint8]*sql.Stmt) // full statements, by groups
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	vals := make([][counterCount]int64, flushRows)
	args := make([]any, 0, flushRows*(4+counterCount))
	for start := 0; start < len(keys); start += flushRows {
		chunk := keys[start:min(start+flushRows, len(keys))]
		var set uint8
		for i, k := range chunk {
			vals[i] = rows.at(rows.idx[k]).values()
			set |= groupsOf(&vals[i])
		}
		if set == 0 {
			set = 1 << groupIntake // rows of zeros (none in practice): still written
		}
		cols := groupColumns(set)
		args = args[:0]
		for i, k := range chunk {
			args = append(args, k.region, string(dims[k.dim()]), a.keys[k.key()], k.day)
			for _, c := range cols {
				args = append(args, vals[i][c])
			}
		}
		var err error
		if len(chunk) < flushRows {
			_, err = tx.Tx.ExecContext(ctx, upsertSQL(table, col, cols, len(chunk), tx.Dialect), args...)
		} else {
			st := stmts[set]
			if st == nil {
				if st, err = tx.Tx.PrepareContext(ctx, upsertSQL(table, col, cols, flushRows, tx.Dialect)); err != nil {
					return fmt.Errorf("stats: flush %s: %w", table, sqldb.Translate(err))
				}
				stmts[set] = st
			}
			_, err = st.ExecContext(ctx, args...)
		}
		if err != nil {
			return fmt.Errorf("stats: flush %s: %w", table, sqldb.Translate(err))
		}
	}
	return nil
}
