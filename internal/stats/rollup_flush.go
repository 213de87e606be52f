package stats

import (
	"cmp"
	"context"
	"database/sql"
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
// flushes take row locks in one order. Call sortKeys first.
func (a *Aggregator) compareRows(x, y rowID) int {
	return cmp.Or(cmp.Compare(x.region, y.region), cmp.Compare(x.dim, y.dim), cmp.Compare(a.rank[x.key], a.rank[y.key]),
		cmp.Compare(x.day, y.day))
}

// sortKeys ranks the interned keys by their text (a.rank), for
// compareRows.
func (a *Aggregator) sortKeys() {
	if len(a.rank) == len(a.keys) {
		return
	}
	order := make([]int32, len(a.keys))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(x, y int32) int { return strings.Compare(a.keys[x], a.keys[y]) })
	a.rank = make([]int32, len(a.keys))
	for r, i := range order {
		a.rank[i] = int32(r)
	}
}

// rowSums are counters by rollup row.
type rowSums struct {
	idx map[rowID]int32
	store
}

// add adds c to the row id.
func (rs *rowSums) add(id rowID, c *Counters) {
	if j, ok := rs.idx[id]; ok {
		rs.at(j).Add(c)
		return
	}
	rs.idx[id] = rs.push(c)
}

// localKey is a row of one region and day: its dimension and key.
type localKey struct {
	dim uint8
	key int32
}

// expand takes the leaves of l whose day take accepts out of l and sums
// them into rollup rows. It sums the leaves of one region and day into
// that region's rows first (a small map that stays in cache), then adds
// each of those to the region and every ancestor: a leaf costs a few
// operations on the small map, not twenty on the large one.
func (a *Aggregator) expand(l *leaves, take func(day int32) bool) *rowSums {
	ks := make([]leafKey, 0, len(l.idx))
	for k := range l.idx {
		if take(k.day) {
			ks = append(ks, k)
		}
	}
	slices.SortFunc(ks, func(x, y leafKey) int { return cmp.Or(cmp.Compare(x.region, y.region), cmp.Compare(x.day, y.day)) })
	out := &rowSums{idx: make(map[rowID]int32, len(ks))}
	local := &localSums{idx: make(map[localKey]int32)}
	for i := 0; i < len(ks); {
		j := i + 1
		for j < len(ks) && ks[j].region == ks[i].region && ks[j].day == ks[i].day {
			j++
		}
		local.reset()
		for _, k := range ks[i:j] {
			c := l.at(l.idx[k])
			local.add(localKey{0, 0}, c)
			local.add(localKey{1, k.cat}, c)
			local.add(localKey{2, k.ch}, c)
			if k.dep != 0 {
				local.add(localKey{3, k.dep}, c)
			}
			if k.per != 0 {
				local.add(localKey{4, k.per}, c)
			}
			delete(l.idx, k)
		}
		day := ks[i].day
		for _, id := range a.regions[ks[i].region] {
			for n, lk := range local.keys {
				out.add(rowID{id, day, lk.key, lk.dim}, &local.c[n])
			}
		}
		i = j
	}
	l.compact()
	return out
}

// localSums are the rows of one region and day, in the order first met.
type localSums struct {
	idx  map[localKey]int32
	keys []localKey
	c    []Counters
}

func (ls *localSums) reset() {
	clear(ls.idx)
	ls.keys, ls.c = ls.keys[:0], ls.c[:0]
}

func (ls *localSums) add(k localKey, c *Counters) {
	if j, ok := ls.idx[k]; ok {
		ls.c[j].Add(c)
		return
	}
	ls.idx[k] = int32(len(ls.c))
	ls.keys = append(ls.keys, k)
	ls.c = append(ls.c, *c)
}

// Flush adds everything a holds to the rollups in tx — stats_daily,
// stats_monthly and the open rollups — and empties a.
func (a *Aggregator) Flush(ctx context.Context, tx *sqldb.Tx) error {
	all := func(int32) bool { return true }
	if err := a.writeCounters(ctx, tx, "stats_daily", "day", a.expand(&a.days, all)); err != nil {
		return err
	}
	if err := a.writeCounters(ctx, tx, "stats_monthly", "month", a.expand(&a.months, all)); err != nil {
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
	if err := a.writeCounters(ctx, tx, "stats_daily", "day", a.expand(&a.days, func(d int32) bool { return d < day })); err != nil {
		return err
	}
	done := func(m int32) bool { return nextMonth(m) <= day }
	if err := a.writeCounters(ctx, tx, "stats_monthly", "month", a.expand(&a.months, done)); err != nil {
		return err
	}
	for k, r := range a.open {
		if *r == (openRow{}) {
			delete(a.open, k)
		}
	}
	return nil
}

// flushRows is how many rows one upsert statement carries. On SQLite the
// statement uses anonymous parameters (?), which its parser numbers
// without the linear name lookup that made $N binding quadratic, so
// longer statements no longer cost more per row; see the Aggregator
// benchmark for the measurement behind the choice.
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
// column is col), with numbered parameters ($1 …) or, when anon, SQLite's
// anonymous ones (?). The other counts of a new row are 0.
func upsertSQL(table, col string, cols []int, n int, anon bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (region_id, dim, key, %s", table, col)
	for _, c := range cols {
		b.WriteString(", ")
		b.WriteString(counterColumns[c])
	}
	b.WriteString(") VALUES ")
	width := 4 + len(cols)
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
	anon := tx.Dialect != sqldb.Postgres
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
			args = append(args, k.region, string(dims[k.dim]), a.keys[k.key], k.day)
			for _, c := range cols {
				args = append(args, vals[i][c])
			}
		}
		var err error
		if len(chunk) < flushRows {
			_, err = tx.Tx.ExecContext(ctx, upsertSQL(table, col, cols, len(chunk), anon), args...)
		} else {
			st := stmts[set]
			if st == nil {
				if st, err = tx.Tx.PrepareContext(ctx, upsertSQL(table, col, cols, flushRows, anon)); err != nil {
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
