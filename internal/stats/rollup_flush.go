package stats

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// rowID names one rollup row in memory: a region id, a dimension (its
// index in dims), an interned key and a day (a month's yyyymm01, a due
// day or a reported day, by table).
type rowID struct {
	region int64
	day    int32
	key    int32
	dim    uint8
}

// dims are the dimensions of the rollups in the order of their text, so
// that rows sort as the primary keys do.
var dims = [...]Dim{DimTotal, DimCategory, DimChannel, DimDepartment, DimPerson}

// rowsOf appends the rollup rows of leaf k on day: its region and every
// ancestor, in total and under each of its keys.
func (a *Aggregator) rowsOf(dst []rowID, k leafKey, day int32) []rowID {
	for _, id := range a.regions[k.region] {
		dst = append(dst, rowID{id, day, 0, 0}, rowID{id, day, k.cat, 1}, rowID{id, day, k.ch, 2})
		if k.dep != 0 {
			dst = append(dst, rowID{id, day, k.dep, 3})
		}
		if k.per != 0 {
			dst = append(dst, rowID{id, day, k.per, 4})
		}
	}
	return dst
}

// compareRows orders rows as the primary keys do, so that concurrent
// flushes take row locks in one order.
func (a *Aggregator) compareRows(x, y rowID) int {
	return cmp.Or(cmp.Compare(x.region, y.region), cmp.Compare(x.dim, y.dim), strings.Compare(a.keys[x.key], a.keys[y.key]),
		cmp.Compare(x.day, y.day))
}

// slab hands out Counters from large blocks: a flush creates one per
// rollup row.
type slab struct{ free []Counters }

func (s *slab) get(c *Counters) *Counters {
	if len(s.free) == 0 {
		s.free = make([]Counters, 1024)
	}
	r := &s.free[0]
	*r = *c
	s.free = s.free[1:]
	return r
}

// expand takes the leaves of m whose day take accepts out of m and sums
// them into rollup rows.
func (a *Aggregator) expand(m map[leafKey]*Counters, take func(day int32) bool) map[rowID]*Counters {
	out := make(map[rowID]*Counters)
	var ids []rowID
	var sl slab
	for k, c := range m {
		if !take(k.day) {
			continue
		}
		ids = a.rowsOf(ids[:0], k, k.day)
		for _, id := range ids {
			if r, ok := out[id]; ok {
				r.Add(c)
			} else {
				out[id] = sl.get(c)
			}
		}
		delete(m, k)
	}
	return out
}

// Flush adds everything a holds to the rollups in tx — stats_daily,
// stats_monthly and the open rollups — and empties a.
func (a *Aggregator) Flush(ctx context.Context, tx *sqldb.Tx) error {
	all := func(int32) bool { return true }
	if err := a.writeCounters(ctx, tx, "stats_daily", "day", a.expand(a.days, all)); err != nil {
		return err
	}
	if err := a.writeCounters(ctx, tx, "stats_monthly", "month", a.expand(a.months, all)); err != nil {
		return err
	}
	if err := a.flushOpen(ctx, tx); err != nil {
		return err
	}
	a.reset()
	return nil
}

// FlushBefore adds to the rollups in tx, as Flush does, the daily rows of
// the days before day and the monthly rows of the months that end before
// it, and forgets them; it keeps the rest, and the open rows for the final
// Flush (dropping those that have netted to zero). A bulk loader adding
// facts in time order calls it with a watermark after each batch to bound
// its memory. Rows flushed early only cost an extra upsert if more facts
// of their day come later: the upserts add.
func (a *Aggregator) FlushBefore(ctx context.Context, tx *sqldb.Tx, day int32) error {
	if err := a.writeCounters(ctx, tx, "stats_daily", "day", a.expand(a.days, func(d int32) bool { return d < day })); err != nil {
		return err
	}
	done := func(m int32) bool { return nextMonth(m) <= day }
	if err := a.writeCounters(ctx, tx, "stats_monthly", "month", a.expand(a.months, done)); err != nil {
		return err
	}
	for k, r := range a.open {
		if *r == (openRow{}) {
			delete(a.open, k)
		}
	}
	return nil
}

// flushRows is how many rows one upsert statement carries (51 parameters
// each). On SQLite the statement uses anonymous parameters (?), which its
// parser numbers without the linear name lookup that made $N binding
// quadratic, so longer statements no longer cost more per row; see the
// Aggregator benchmark for the measurement behind the choice.
const flushRows = 32

// upsertSQL is the additive upsert of n rows into table (stats_daily or
// stats_monthly, whose day column is col), with numbered parameters ($1
// …) or, when anon, SQLite's anonymous ones (?).
func upsertSQL(table, col string, n int, anon bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (region_id, dim, key, %s, ", table, col)
	b.WriteString(plainColumns)
	b.WriteString(") VALUES ")
	width := 4 + len(counterColumns)
	arg := 1
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range width {
			if j > 0 {
				b.WriteString(", ")
			}
			if anon {
				b.WriteByte('?')
			} else {
				fmt.Fprintf(&b, "$%d", arg)
			}
			arg++
		}
		b.WriteByte(')')
	}
	fmt.Fprintf(&b, " ON CONFLICT (region_id, dim, key, %s) DO UPDATE SET ", col)
	for i, c := range counterColumns {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = %s.%s + excluded.%s", c, table, c, c)
	}
	return b.String()
}

// writeCounters adds rows to table in key order, flushRows rows per
// statement.
func (a *Aggregator) writeCounters(ctx context.Context, tx *sqldb.Tx, table, col string, rows map[rowID]*Counters) error {
	if len(rows) == 0 {
		return nil
	}
	keys := make([]rowID, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, a.compareRows)
	per, anon := flushRows, tx.Dialect != sqldb.Postgres
	stmt, err := tx.Tx.PrepareContext(ctx, upsertSQL(table, col, per, anon))
	if err != nil {
		return fmt.Errorf("stats: flush %s: %w", table, sqldb.Translate(err))
	}
	defer stmt.Close()
	args := make([]any, 0, per*(4+len(counterColumns)))
	for start := 0; start < len(keys); start += per {
		chunk := keys[start:min(start+per, len(keys))]
		args = args[:0]
		for _, k := range chunk {
			args = append(args, k.region, string(dims[k.dim]), a.keys[k.key], k.day)
			args = rows[k].appendValues(args)
		}
		if len(chunk) == per {
			_, err = stmt.ExecContext(ctx, args...)
		} else {
			_, err = tx.Exec(ctx, upsertSQL(table, col, len(chunk), anon), args...)
		}
		if err != nil {
			return fmt.Errorf("stats: flush %s: %w", table, sqldb.Translate(err))
		}
	}
	return nil
}
