package stats

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// rowID names one rollup row in memory: a region id, a day (a month's
// yyyymm01, a due day or a reported day, by table) and, in kd, an
// interned key and a dimension (its index in dims) as key<<3 | dim: 16
// bytes without padding, which hash fastest.
type rowID struct {
	region int64
	day    int32
	kd     int32
}

// row returns the rowID of a region, day, interned key and dimension.
func row(region int64, day, key int32, dim uint8) rowID {
	return rowID{region, day, key<<3 | int32(dim)}
}

func (r rowID) key() int32 { return r.kd >> 3 }
func (r rowID) dim() uint8 { return uint8(r.kd & 7) }

// dims are the dimensions of the rollups in the order of their text, so
// that rows sort as the primary keys do.
var dims = [...]Dim{DimTotal, DimCategory, DimChannel, DimDepartment, DimPerson}

// rowsOf appends the rollup rows of leaf k on day: its region and every
// ancestor, in total and under each of its keys.
func (a *Aggregator) rowsOf(dst []rowID, k leafKey, day int32) []rowID {
	for _, id := range a.regions[k.region] {
		dst = append(dst, row(id, day, 0, 0), row(id, day, k.cat, 1), row(id, day, k.ch, 2))
		if k.dep != 0 {
			dst = append(dst, row(id, day, k.dep, 3))
		}
		if k.per != 0 {
			dst = append(dst, row(id, day, k.per, 4))
		}
	}
	return dst
}

// compareRows orders rows as the primary keys do, so that concurrent
// flushes take row locks in one order. Call sortKeys first.
func (a *Aggregator) compareRows(x, y rowID) int {
	return cmp.Or(cmp.Compare(x.region, y.region), cmp.Compare(x.dim(), y.dim()), cmp.Compare(a.rank[x.key()], a.rank[y.key()]),
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
				out.add(row(id, day, lk.key, lk.dim), &local.c[n])
			}
		}
		i = j
	}
	l.compact()
	return out
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
