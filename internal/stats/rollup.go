package stats

import (
	"slices"
	"strconv"
	"strings"
)

// Aggregator merges facts in memory, then adds them to the rollups:
// stats_daily and stats_monthly (the counters per region — the case's and
// each ancestor —, dimension key and day or month) and the open rollups.
// It is not safe for concurrent use.
//
// Add only merges each fact under its leaf key (its region, category,
// channel, department, person and day or month: a few map operations on
// interned integers). Flushing expands the leaves: those of one region and
// day are summed into that region's rows (total and one per key), and
// each of those is added to the region and every ancestor.
type Aggregator struct {
	days   leaves // day: yyyymmdd
	months leaves // day: the month's yyyymm01
	open   map[openKey]*openRow

	// Interned values: keys[i] is the text of key i (0 is ""), regions[i]
	// the ids of region i and its ancestors.
	keys    []string
	rank    []int32 // rank[i]: the order of keys[i] among keys by text (sortKeys)
	strKeys map[string]int32
	idKeys  map[int64]int32
	regions [][]int64
	regIdx  map[regionRef]int32
	last    regionRef // the region of the previous fact …
	lastIdx int32     // … and its index
	lastCat interned  // the category of the previous fact
	lastCh  interned  // the channel of the previous fact
}

// interned is a string and its interned key.
type interned struct {
	s string
	i int32
}

// leafKey is a fact's own key, before expansion: a region (index into
// regions), the interned keys of its category, channel, department and
// person (0: none for the last two) and a day.
type leafKey struct {
	region, cat, ch, dep, per int32
	day                       int32
}

// openKey is the leaf key of an open fact: day is its due day, and
// reported the day the case was reported (stats_open_age).
type openKey struct {
	leafKey
	reported int32
}

// regionRef is a fact's region as it names it.
type regionRef struct {
	id   int64
	path string
}

// openRow is the change of one stats_open row.
type openRow struct{ Open, Unhandled, ReportedSum int64 }

// NewAggregator returns an empty Aggregator.
func NewAggregator() *Aggregator {
	a := &Aggregator{keys: []string{""}, strKeys: map[string]int32{"": 0}, idKeys: make(map[int64]int32),
		regIdx: make(map[regionRef]int32), lastIdx: -1}
	a.reset()
	return a
}

// Len is the number of merged entries held (leaf rows of days, months
// and open cases); each expands to up to 20 rollup rows when flushed.
func (a *Aggregator) Len() int { return len(a.days.idx) + len(a.months.idx) + len(a.open) }

// reset forgets every merged entry (the interned values stay).
func (a *Aggregator) reset() {
	a.days = leaves{idx: make(map[leafKey]int32)}
	a.months = leaves{idx: make(map[leafKey]int32)}
	a.open = make(map[openKey]*openRow)
}

// Add merges facts: when flushed, each fact's counters go to its region
// and every ancestor named in its path, in total and under its category,
// channel, department and person (the last two when set), on its day and
// its month; an open fact goes to the open rollups likewise.
func (a *Aggregator) Add(facts ...Fact) {
	for i := range facts {
		f := &facts[i]
		if f.Category != a.lastCat.s {
			a.lastCat = interned{f.Category, a.strKey(f.Category)}
		}
		if f.Channel != a.lastCh.s {
			a.lastCh = interned{f.Channel, a.strKey(f.Channel)}
		}
		k := leafKey{region: a.region(f.RegionID, f.RegionPath), cat: a.lastCat.i, ch: a.lastCh.i,
			dep: a.idKey(f.DepartmentID), per: a.idKey(f.PersonID)}
		if f.Open != 0 {
			ok := openKey{k, f.ReportedDay}
			ok.day = f.DueDay
			r := a.open[ok]
			if r == nil {
				r = &openRow{}
				a.open[ok] = r
			}
			r.Open += f.Open
			r.Unhandled += f.Unhandled
			r.ReportedSum += f.ReportedAt
		}
		if f.C.IsZero() {
			continue
		}
		k.day = f.Day
		a.days.add(k, &f.C)
		k.day = monthOf(f.Day)
		a.months.add(k, &f.C)
	}
}

// monthOf is the yyyymm01 of a yyyymmdd day.
func monthOf(day int32) int32 { return day/100*100 + 1 }

// nextMonth is the yyyymm01 of the month after month (yyyymm01).
func nextMonth(month int32) int32 {
	if month/100%100 == 12 {
		return (month/10000+1)*10000 + 101
	}
	return month + 100
}

// strKey interns a category or channel.
func (a *Aggregator) strKey(s string) int32 {
	if i, ok := a.strKeys[s]; ok {
		return i
	}
	i := int32(len(a.keys))
	a.keys = append(a.keys, s)
	a.strKeys[s] = i
	return i
}

// idKey interns a department or person id; 0 (none) is key 0.
func (a *Aggregator) idKey(id int64) int32 {
	if id == 0 {
		return 0
	}
	if i, ok := a.idKeys[id]; ok {
		return i
	}
	i := int32(len(a.keys))
	a.keys = append(a.keys, strconv.FormatInt(id, 10))
	a.idKeys[id] = i
	return i
}

// region interns a fact's region with its ancestors' ids; consecutive
// facts of one case skip the lookup.
func (a *Aggregator) region(id int64, path string) int32 {
	ref := regionRef{id, path}
	if a.lastIdx >= 0 && ref == a.last {
		return a.lastIdx
	}
	i, ok := a.regIdx[ref]
	if !ok {
		i = int32(len(a.regions))
		a.regions = append(a.regions, appendPathIDs(nil, path, id))
		a.regIdx[ref] = i
	}
	a.last, a.lastIdx = ref, i
	return i
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
