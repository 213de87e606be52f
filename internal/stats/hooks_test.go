package stats

import "slices"

// ExpandAll is the in-memory part of Flush, for the Aggregator benchmark:
// it expands every leaf to its rollup rows and sorts them and reads their
// values as Flush does before writing, then forgets everything. It
// returns the number of rollup rows.
func (a *Aggregator) ExpandAll() int {
	all := func(int32) bool { return true }
	n := 0
	for _, l := range []*leaves{&a.days, &a.months} {
		rs := a.expand(l, all)
		keys := make([]rowID, 0, len(rs.idx))
		for k := range rs.idx {
			keys = append(keys, k)
		}
		a.sortKeys()
		slices.SortFunc(keys, a.compareRows)
		for _, k := range keys {
			v := rs.at(rs.idx[k]).values()
			if groupsOf(&v) != 0 {
				n++
			}
		}
	}
	open, age := a.expandOpen()
	n += len(sortedRows(a, open, func(r *openRow) bool { return *r != openRow{} }))
	n += len(sortedRows(a, age, func(n int64) bool { return n != 0 }))
	a.reset()
	return n
}
