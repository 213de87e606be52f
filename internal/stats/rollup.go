package stats

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// rowKey names one row of stats_daily.
type rowKey struct {
	RegionID int64
	Dim      Dim
	Key      string
	Day      int32
}

// compareKeys orders rows as the primary key does, so that concurrent
// flushes take row locks in one order.
func compareKeys(a, b rowKey) int {
	return cmp.Or(cmp.Compare(a.RegionID, b.RegionID), cmp.Compare(a.Dim, b.Dim), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Day, b.Day))
}

// Aggregator merges facts in memory into rollup rows — one per region
// (the case's and each ancestor), dimension key and day — then adds them to
// stats_daily. It is not safe for concurrent use.
type Aggregator struct {
	rows map[rowKey]*Counters
	open map[rowKey]*openRow // Day is the due day
	age  map[rowKey]int64    // Day is the reported day
	ids  []int64             // scratch for ancestor ids
}

// openRow is the change of one stats_open row.
type openRow struct{ Open, Unhandled, ReportedSum int64 }

// NewAggregator returns an empty Aggregator.
func NewAggregator() *Aggregator {
	return &Aggregator{rows: make(map[rowKey]*Counters), open: make(map[rowKey]*openRow), age: make(map[rowKey]int64)}
}

// Len is the number of rollup rows held.
func (a *Aggregator) Len() int { return len(a.rows) + len(a.open) + len(a.age) }

// reset empties a.
func (a *Aggregator) reset() {
	clear(a.rows)
	clear(a.open)
	clear(a.age)
}

// Add merges facts: each fact's counters go to its region and every
// ancestor named in its path, in total and under its category, channel,
// department and person (the last two when set).
func (a *Aggregator) Add(facts ...Fact) {
	for i := range facts {
		f := &facts[i]
		a.ids = appendPathIDs(a.ids[:0], f.RegionPath, f.RegionID)
		var dep, per string
		if f.DepartmentID != 0 {
			dep = strconv.FormatInt(f.DepartmentID, 10)
		}
		if f.PersonID != 0 {
			per = strconv.FormatInt(f.PersonID, 10)
		}
		if f.Open != 0 {
			for _, id := range a.ids {
				a.addOpen(rowKey{id, DimTotal, "", 0}, f)
				a.addOpen(rowKey{id, DimCategory, f.Category, 0}, f)
				a.addOpen(rowKey{id, DimChannel, f.Channel, 0}, f)
				if dep != "" {
					a.addOpen(rowKey{id, DimDepartment, dep, 0}, f)
				}
				if per != "" {
					a.addOpen(rowKey{id, DimPerson, per, 0}, f)
				}
			}
		}
		if f.C.IsZero() {
			continue
		}
		for _, id := range a.ids {
			a.add(rowKey{id, DimTotal, "", f.Day}, &f.C)
			a.add(rowKey{id, DimCategory, f.Category, f.Day}, &f.C)
			a.add(rowKey{id, DimChannel, f.Channel, f.Day}, &f.C)
			if dep != "" {
				a.add(rowKey{id, DimDepartment, dep, f.Day}, &f.C)
			}
			if per != "" {
				a.add(rowKey{id, DimPerson, per, f.Day}, &f.C)
			}
		}
	}
}

// addOpen adds an open fact under k (whose Day is set here).
func (a *Aggregator) addOpen(k rowKey, f *Fact) {
	k.Day = f.DueDay
	r := a.open[k]
	if r == nil {
		r = &openRow{}
		a.open[k] = r
	}
	r.Open += f.Open
	r.Unhandled += f.Unhandled
	r.ReportedSum += f.ReportedAt
	k.Day = f.ReportedDay
	a.age[k] += f.Open
}

func (a *Aggregator) add(k rowKey, c *Counters) {
	if r, ok := a.rows[k]; ok {
		r.Add(c)
		return
	}
	r := *c
	a.rows[k] = &r
}

// appendPathIDs appends the region ids of a materialised path ("/1/4/17/")
// to ids, and id itself when the path does not end with it.
func appendPathIDs(ids []int64, path string, id int64) []int64 {
	for s := range strings.SplitSeq(strings.Trim(path, "/"), "/") {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n != 0 {
			ids = append(ids, n)
		}
	}
	if id != 0 && !slices.Contains(ids, id) {
		ids = append(ids, id)
	}
	return ids
}

// flushRows is how many rows one upsert statement carries (51 parameters
// each, 204 arguments): the SQLite driver looks each $N up by name in a
// list, which makes a statement's binding cost the square of its arguments
// (at 200 rows, binding was most of the time); the statement stays
// prepared (sqldb's cache), so short ones cost little more to run.
const flushRows = 4

// upsertSQL is the additive upsert of n rows, with numbered parameters
// ($1 …) or, when anon, SQLite's anonymous ones (?), which its parser
// numbers without looking names up.
func upsertSQL(n int, anon bool) string {
	var b strings.Builder
	b.WriteString("INSERT INTO stats_daily (region_id, dim, key, day, ")
	b.WriteString(strings.Join(counterColumns, ", "))
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
	b.WriteString(" ON CONFLICT (region_id, dim, key, day) DO UPDATE SET ")
	for i, c := range counterColumns {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = stats_daily.%s + excluded.%s", c, c, c)
	}
	return b.String()
}

// Flush adds the rows a holds to stats_daily in tx, in key order, and
// empties a: flushRows rows per statement. On SQLite the statement uses
// anonymous parameters: its parser looks numbered ones up linearly, so a
// long statement with $n would cost quadratic time.
func (a *Aggregator) Flush(ctx context.Context, tx *sqldb.Tx) error {
	keys := make([]rowKey, 0, len(a.rows))
	for k := range a.rows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	per, anon := flushRows, tx.Dialect != sqldb.Postgres
	stmt, err := tx.Tx.PrepareContext(ctx, upsertSQL(per, anon))
	if err != nil {
		return fmt.Errorf("stats: flush rollups: %w", sqldb.Translate(err))
	}
	defer stmt.Close()
	args := make([]any, 0, per*(4+len(counterColumns)))
	for start := 0; start < len(keys); start += per {
		chunk := keys[start:min(start+per, len(keys))]
		args = args[:0]
		for _, k := range chunk {
			args = append(args, k.RegionID, string(k.Dim), k.Key, k.Day)
			for _, v := range a.rows[k].fields() {
				args = append(args, *v)
			}
		}
		if len(chunk) == per {
			_, err = stmt.ExecContext(ctx, args...)
		} else {
			_, err = tx.Exec(ctx, upsertSQL(len(chunk), anon), args...)
		}
		if err != nil {
			return fmt.Errorf("stats: flush rollups: %w", sqldb.Translate(err))
		}
	}
	if err := a.flushOpen(ctx, tx); err != nil {
		return err
	}
	a.reset()
	return nil
}

// openRows is how many rows one statement of flushOpen carries (at most
// 175 arguments: SQLite binds each by a lookup, see flushRows).
const openRows = 25

// flushOpen adds the open rows a holds to stats_open and stats_open_age,
// in key order, and deletes the rows that fall to no open case (so that
// reads stay short).
func (a *Aggregator) flushOpen(ctx context.Context, tx *sqldb.Tx) error {
	var ins, del [][]any
	for _, k := range sortedKeys(a.open, func(r *openRow) bool { return *r != openRow{} }) {
		r := a.open[k]
		ins = append(ins, []any{k.RegionID, string(k.Dim), k.Key, k.Day, r.Open, r.Unhandled, r.ReportedSum})
		if r.Open < 0 {
			del = append(del, []any{k.RegionID, string(k.Dim), k.Key, k.Day})
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
	for _, k := range sortedKeys(a.age, func(n int64) bool { return n != 0 }) {
		n := a.age[k]
		ins = append(ins, []any{k.RegionID, string(k.Dim), k.Key, k.Day, n})
		if n < 0 {
			del = append(del, []any{k.RegionID, string(k.Dim), k.Key, k.Day})
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

// sortedKeys returns the keys of m whose value keep accepts, in key order
// (so that concurrent flushes take row locks in one order).
func sortedKeys[V any](m map[rowKey]V, keep func(V) bool) []rowKey {
	keys := make([]rowKey, 0, len(m))
	for k, v := range m {
		if keep(v) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareKeys)
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
