package territory

import (
	"sync"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/tidwall/rtree"
)

// Index is the in-memory spatial index behind the point → region lookup:
// an R-tree over the bounding boxes of the current boundaries, then an exact
// point-in-polygon test. Grids sit in their own tree so that the common
// lookup never wades through the large polygons of streets and counties.
//
// Readers never lock: they load an immutable snapshot. Writers, serialised
// by a mutex, copy the trees (tidwall/rtree copies are copy-on-write, so a
// change costs a few node copies, not the whole tree) and publish the new
// snapshot atomically.
type Index struct {
	mu   sync.Mutex
	snap atomic.Pointer[indexSnapshot]
	byID map[int64]*indexEntry // guarded by mu; the entry now in the trees
}

// indexSnapshot is one immutable version of the trees.
type indexSnapshot struct {
	grids, others *rtree.RTreeG[*indexEntry]
}

// indexEntry is one region's current boundary.
type indexEntry struct {
	region  Region
	version int64 // the boundary row's id: a later version is never replaced by an older one
	shape   orb.MultiPolygon
	bounds  []orb.Bound // of each part of shape
	bound   orb.Bound
	area    float64
}

// IndexItem is a region and its current boundary, for filling an Index.
type IndexItem struct {
	Region  Region
	Version int64 // the boundary version (row id); newer replaces older
	Shape   orb.MultiPolygon
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	ix := &Index{byID: map[int64]*indexEntry{}}
	ix.snap.Store(&indexSnapshot{grids: new(rtree.RTreeG[*indexEntry]), others: new(rtree.RTreeG[*indexEntry])})
	return ix
}

func newEntry(it IndexItem) *indexEntry {
	e := &indexEntry{region: it.Region, version: it.Version, shape: it.Shape, bound: it.Shape.Bound()}
	e.bounds = make([]orb.Bound, len(it.Shape))
	for i, p := range it.Shape {
		e.bounds[i] = p.Bound()
		e.area += polygonArea(p)
	}
	return e
}

// contains reports whether pt lies in the entry's shape (boundary included).
func (e *indexEntry) contains(pt orb.Point) bool {
	for i, p := range e.shape {
		if e.bounds[i].Contains(pt) && planar.PolygonContains(p, pt) {
			return true
		}
	}
	return false
}

// tree returns the snapshot's tree for a level.
func (s *indexSnapshot) tree(l Level) *rtree.RTreeG[*indexEntry] {
	if l == LevelGrid {
		return s.grids
	}
	return s.others
}

// Load replaces the whole index with items.
func (ix *Index) Load(items []IndexItem) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.loadLocked(items)
}

// loadLocked is Load with ix.mu held.
func (ix *Index) loadLocked(items []IndexItem) {
	next := &indexSnapshot{grids: new(rtree.RTreeG[*indexEntry]), others: new(rtree.RTreeG[*indexEntry])}
	byID := make(map[int64]*indexEntry, len(items))
	for _, it := range items {
		if old := byID[it.Region.ID]; old != nil {
			if old.version > it.Version {
				continue
			}
			next.tree(old.region.Level).Delete(old.bound.Min, old.bound.Max, old)
		}
		e := newEntry(it)
		next.tree(e.region.Level).Insert(e.bound.Min, e.bound.Max, e)
		byID[it.Region.ID] = e
	}
	ix.byID = byID
	ix.snap.Store(next)
}

// Put adds or replaces one region's boundary, unless the index already
// holds a newer version of it.
func (ix *Index) Put(it IndexItem) {
	e := newEntry(it)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	old := ix.byID[it.Region.ID]
	if old != nil && old.version > it.Version {
		return
	}
	cur := ix.snap.Load()
	next := &indexSnapshot{grids: cur.grids, others: cur.others}
	if old != nil {
		t := next.tree(old.region.Level).Copy()
		t.Delete(old.bound.Min, old.bound.Max, old)
		next.setTree(old.region.Level, t)
	}
	t := next.tree(e.region.Level)
	if old == nil || old.region.Level != e.region.Level {
		t = t.Copy()
	}
	t.Insert(e.bound.Min, e.bound.Max, e)
	next.setTree(e.region.Level, t)
	ix.byID[it.Region.ID] = e
	ix.snap.Store(next)
}

func (s *indexSnapshot) setTree(l Level, t *rtree.RTreeG[*indexEntry]) {
	if l == LevelGrid {
		s.grids = t
	} else {
		s.others = t
	}
}

// Rename replaces the region data (name, update time) of an indexed region,
// keeping its boundary; regions not in the index are ignored.
func (ix *Index) Rename(r Region) {
	ix.mu.Lock()
	old := ix.byID[r.ID]
	ix.mu.Unlock()
	if old == nil {
		return
	}
	ix.Put(IndexItem{Region: r, Version: old.version, Shape: old.shape})
}

// Len returns the number of regions indexed.
func (ix *Index) Len() int {
	s := ix.snap.Load()
	return s.grids.Len() + s.others.Len()
}

// GridAt returns the grid whose current boundary contains the point (lon,
// lat). A point on an edge shared by two grids goes to the one with the
// smaller id, so that the answer is stable.
func (ix *Index) GridAt(lon, lat float64) (Region, bool) {
	if e := ix.snap.Load().gridAt(orb.Point{lon, lat}); e != nil {
		return e.region, true
	}
	return Region{}, false
}

func (s *indexSnapshot) gridAt(pt orb.Point) *indexEntry {
	var found *indexEntry
	s.grids.Search(pt, pt, func(_, _ [2]float64, e *indexEntry) bool {
		if (found == nil || e.region.ID < found.region.ID) && e.contains(pt) {
			found = e
		}
		return true
	})
	return found
}

// RegionAt returns the smallest region of any level whose current boundary
// contains the point: its grid if it has one, else the deepest region
// (community, then street, …), the smaller by area among equals.
func (ix *Index) RegionAt(lon, lat float64) (Region, bool) {
	s := ix.snap.Load()
	pt := orb.Point{lon, lat}
	if e := s.gridAt(pt); e != nil {
		return e.region, true
	}
	var found *indexEntry
	s.others.Search(pt, pt, func(_, _ [2]float64, e *indexEntry) bool {
		if found != nil {
			de, df := e.region.Level.depth(), found.region.Level.depth()
			if de < df || (de == df && (e.area > found.area || (e.area == found.area && e.region.ID > found.region.ID))) {
				return true
			}
		}
		if e.contains(pt) {
			found = e
		}
		return true
	})
	if found == nil {
		return Region{}, false
	}
	return found.region, true
}
