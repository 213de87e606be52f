package territory

import (
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// Planar geometry that orb does not have: segment intersection, polygon
// overlap and containment. Coordinates are degrees; for the small regions of
// a county a planar treatment is exact enough, and both tests and the demo
// generator build their tilings from shared vertices.

// eps is the distance, in degrees (about 0.1 mm), within which a point
// counts as lying on a line: shared edges computed in floating point must
// not count as overlaps.
const eps = 1e-9

// orient is twice the signed area of triangle abc: > 0 when c lies left of
// the line a→b.
func orient(a, b, c orb.Point) float64 {
	return (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
}

// side returns -1, 0 or +1: which side of line a→b point p lies on, 0 when
// it is within eps of the line.
func side(a, b, p orb.Point) int {
	d := orient(a, b, p)
	if math.Abs(d) <= eps*math.Hypot(b[0]-a[0], b[1]-a[1]) {
		return 0
	}
	if d > 0 {
		return 1
	}
	return -1
}

// properCross reports whether segments p1p2 and q1q2 cross at a single
// point inside both, each passing from one side of the other to the other
// side by more than eps. Touching, collinear overlap and shared endpoints
// are not proper crossings.
func properCross(p1, p2, q1, q2 orb.Point) bool {
	return side(q1, q2, p1)*side(q1, q2, p2) < 0 && side(p1, p2, q1)*side(p1, p2, q2) < 0
}

// onSegment reports whether p, known to be collinear with ab, lies within
// the segment's bounding box.
func onSegment(a, b, p orb.Point) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsIntersect reports whether segments p1p2 and q1q2 share any point
// (exact orientation signs, used for self-intersection).
func segmentsIntersect(p1, p2, q1, q2 orb.Point) bool {
	d1, d2 := orient(q1, q2, p1), orient(q1, q2, p2)
	d3, d4 := orient(p1, p2, q1), orient(p1, p2, q2)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	return (d1 == 0 && onSegment(q1, q2, p1)) || (d2 == 0 && onSegment(q1, q2, p2)) ||
		(d3 == 0 && onSegment(p1, p2, q1)) || (d4 == 0 && onSegment(p1, p2, q2))
}

// crossingPoint returns where the lines through p1p2 and q1q2 meet, or p1
// when they are parallel; for messages only.
func crossingPoint(p1, p2, q1, q2 orb.Point) orb.Point {
	d := (p2[0]-p1[0])*(q2[1]-q1[1]) - (p2[1]-p1[1])*(q2[0]-q1[0])
	if d == 0 {
		return p1
	}
	t := ((q1[0]-p1[0])*(q2[1]-q1[1]) - (q1[1]-p1[1])*(q2[0]-q1[0])) / d
	return orb.Point{p1[0] + t*(p2[0]-p1[0]), p1[1] + t*(p2[1]-p1[1])}
}

// dedupe returns r without consecutive repeated positions.
func dedupe(r orb.Ring) orb.Ring {
	out := make(orb.Ring, 0, len(r))
	for i, p := range r {
		if i > 0 && p == r[i-1] {
			continue
		}
		out = append(out, p)
	}
	return out
}

// ringArea is the signed area of r, computed relative to its first point so
// that large absolute coordinates lose no precision.
func ringArea(r orb.Ring) float64 {
	if len(r) < 3 {
		return 0
	}
	o := r[0]
	var s float64
	for i := 1; i+1 < len(r); i++ {
		s += (r[i][0]-o[0])*(r[i+1][1]-o[1]) - (r[i+1][0]-o[0])*(r[i][1]-o[1])
	}
	return s / 2
}

// ringAreaZero reports whether r encloses no area: its area is negligible
// against the square of its extent (collinear or nearly so).
func ringAreaZero(r orb.Ring) bool {
	b := r.Bound()
	w, h := b.Max[0]-b.Min[0], b.Max[1]-b.Min[1]
	d2 := w*w + h*h
	return d2 == 0 || math.Abs(ringArea(r)) <= 1e-12*d2
}

// collinear reports whether every position of r lies on one line (within a
// tiny fraction of the ring's extent).
func collinear(r orb.Ring) bool {
	far, d := r[0], 0.0
	for _, p := range r {
		if dd := planar.DistanceSquared(r[0], p); dd > d {
			far, d = p, dd
		}
	}
	if d == 0 {
		return true
	}
	for _, p := range r {
		// |orient| / |far - r[0]| is p's distance to the line.
		if math.Abs(orient(r[0], far, p)) > 1e-9*d {
			return false
		}
	}
	return true
}

// polygonArea is the area of p's outer ring less its holes.
func polygonArea(p orb.Polygon) float64 {
	a := math.Abs(ringArea(p[0]))
	for _, h := range p[1:] {
		a -= math.Abs(ringArea(h))
	}
	return a
}

// edge is a segment of a ring, for the sweep in selfIntersection.
type edge struct {
	a, b       orb.Point
	ring, i, n int // ring index, index of the edge in the ring, edges in the ring
	minX, maxX float64
}

// selfIntersection finds two edges of p's rings that meet where they
// should not: non-adjacent edges sharing any point, or adjacent edges
// folding back on each other. It returns the rings concerned and a point
// near the problem. Edges are swept by x so large rings stay fast.
func selfIntersection(p orb.Polygon) (r1, r2 int, at orb.Point, found bool) {
	var edges []edge
	for ri, r := range p {
		c := dedupe(r)
		n := len(c) - 1
		for i := 0; i < n; i++ {
			edges = append(edges, edge{a: c[i], b: c[i+1], ring: ri, i: i, n: n,
				minX: math.Min(c[i][0], c[i+1][0]), maxX: math.Max(c[i][0], c[i+1][0])})
		}
	}
	sort.Slice(edges, func(i, j int) bool { return edges[i].minX < edges[j].minX })
	for i := range edges {
		e := &edges[i]
		for j := i + 1; j < len(edges) && edges[j].minX <= e.maxX; j++ {
			f := &edges[j]
			if math.Max(e.a[1], e.b[1]) < math.Min(f.a[1], f.b[1]) || math.Max(f.a[1], f.b[1]) < math.Min(e.a[1], e.b[1]) {
				continue
			}
			if e.ring == f.ring {
				if d := e.i - f.i; d == 1 || d == -1 || d == e.n-1 || d == 1-e.n {
					if pt, bad := foldsBack(e, f); bad {
						return e.ring, f.ring, pt, true
					}
					continue
				}
			}
			if segmentsIntersect(e.a, e.b, f.a, f.b) {
				return e.ring, f.ring, crossingPoint(e.a, e.b, f.a, f.b), true
			}
		}
	}
	return 0, 0, orb.Point{}, false
}

// foldsBack reports whether adjacent edges e and f, sharing a vertex, run
// back along each other (a spike), which makes the ring touch itself.
func foldsBack(e, f *edge) (orb.Point, bool) {
	var a, b, c orb.Point
	switch {
	case e.b == f.a:
		a, b, c = e.a, e.b, f.b
	case f.b == e.a:
		a, b, c = f.a, f.b, e.b
	default:
		return orb.Point{}, false
	}
	if orient(a, b, c) != 0 {
		return orb.Point{}, false
	}
	return b, (b[0]-a[0])*(c[0]-b[0])+(b[1]-a[1])*(c[1]-b[1]) < 0
}

// planarRingContainsRing reports whether every vertex of inner lies in or on
// outer; with no crossing rings (checked before) that means inside.
func planarRingContainsRing(outer, inner orb.Ring) bool {
	for _, pt := range inner {
		if !planar.RingContains(outer, pt) {
			return false
		}
	}
	return true
}

// nearBoundary reports whether pt lies within eps of any ring of p.
func nearBoundary(pt orb.Point, p orb.Polygon) bool {
	for _, r := range p {
		for i := 0; i+1 < len(r); i++ {
			if planar.DistanceFromSegmentSquared(r[i], r[i+1], pt) <= eps*eps {
				return true
			}
		}
	}
	return false
}

// strictlyInside reports whether pt lies in p's interior, farther than eps
// from its boundary.
func strictlyInside(pt orb.Point, p orb.Polygon) bool {
	return planar.PolygonContains(p, pt) && !nearBoundary(pt, p)
}

// insideOrOn reports whether pt lies in some part of mp or within eps of
// its boundary.
func insideOrOn(pt orb.Point, mp orb.MultiPolygon) bool {
	for _, p := range mp {
		if planar.PolygonContains(p, pt) || nearBoundary(pt, p) {
			return true
		}
	}
	return false
}

// vertices returns every position of every ring of the polygons.
func vertices(ps ...orb.Polygon) []orb.Point {
	var out []orb.Point
	for _, p := range ps {
		for _, r := range p {
			out = append(out, r...)
		}
	}
	return out
}

// subSegmentMidpoints calls fn with the midpoint of each piece of segment
// ab once it is cut at every point of cuts lying on it (within eps). Each
// piece then touches the other polygon's boundary only at its ends or runs
// along it, so its midpoint tells on which side the whole piece lies.
func subSegmentMidpoints(a, b orb.Point, cuts []orb.Point, fn func(orb.Point) bool) bool {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return false
	}
	ts := []float64{0, 1}
	for _, c := range cuts {
		if planar.DistanceFromSegmentSquared(a, b, c) > eps*eps {
			continue
		}
		t := ((c[0]-a[0])*dx + (c[1]-a[1])*dy) / l2
		if t > 0 && t < 1 {
			ts = append(ts, t)
		}
	}
	slices.Sort(ts)
	for i := 0; i+1 < len(ts); i++ {
		if ts[i+1]-ts[i] <= 0 {
			continue
		}
		m := (ts[i] + ts[i+1]) / 2
		if fn(orb.Point{a[0] + m*dx, a[1] + m*dy}) {
			return true
		}
	}
	return false
}

// interiorPoint returns a point strictly inside p (which has positive
// area): the middle of the widest inside stretch of a horizontal line drawn
// between two vertex heights, chosen among the widest bands for the
// greatest distance from the boundary.
func interiorPoint(p orb.Polygon) orb.Point {
	var ys []float64
	for _, r := range p {
		for _, pt := range r {
			ys = append(ys, pt[1])
		}
	}
	slices.Sort(ys)
	ys = slices.Compact(ys)
	type band struct{ y, gap float64 }
	bands := make([]band, 0, len(ys))
	for i := 0; i+1 < len(ys); i++ {
		bands = append(bands, band{(ys[i] + ys[i+1]) / 2, ys[i+1] - ys[i]})
	}
	sort.Slice(bands, func(i, j int) bool { return bands[i].gap > bands[j].gap })
	best, bestDist := p[0][0], -1.0
	var xs []float64
	for k, bd := range bands {
		if k == 5 {
			break
		}
		xs = xs[:0]
		for _, r := range p {
			for i := 0; i+1 < len(r); i++ {
				a, b := r[i], r[i+1]
				if (a[1] > bd.y) != (b[1] > bd.y) {
					xs = append(xs, a[0]+(bd.y-a[1])*(b[0]-a[0])/(b[1]-a[1]))
				}
			}
		}
		slices.Sort(xs)
		for i := 0; i+1 < len(xs); i += 2 {
			c := orb.Point{(xs[i] + xs[i+1]) / 2, bd.y}
			if d := planar.DistanceFrom(p, c); d > bestDist && planar.PolygonContains(p, c) {
				best, bestDist = c, d
			}
		}
	}
	return best
}

// polygonsOverlap reports whether a and b share a region of non-zero area.
// Polygons that only share edges or vertices do not overlap. Without a
// proper crossing of their boundaries, a vertex or a piece of an edge of one
// strictly inside the other, or an interior point of one inside the other
// (identical polygons), two valid polygons cannot overlap.
func polygonsOverlap(a, b orb.Polygon) bool {
	ba, bb := a.Bound(), b.Bound()
	if ba.Max[0] <= bb.Min[0]+eps || bb.Max[0] <= ba.Min[0]+eps || ba.Max[1] <= bb.Min[1]+eps || bb.Max[1] <= ba.Min[1]+eps {
		return false
	}
	for _, ra := range a {
		for i := 0; i+1 < len(ra); i++ {
			for _, rb := range b {
				for j := 0; j+1 < len(rb); j++ {
					if properCross(ra[i], ra[i+1], rb[j], rb[j+1]) {
						return true
					}
				}
			}
		}
	}
	va, vb := vertices(a), vertices(b)
	for _, v := range va {
		if strictlyInside(v, b) {
			return true
		}
	}
	for _, v := range vb {
		if strictlyInside(v, a) {
			return true
		}
	}
	edgesInside := func(p orb.Polygon, cuts []orb.Point, other orb.Polygon) bool {
		for _, r := range p {
			for i := 0; i+1 < len(r); i++ {
				if subSegmentMidpoints(r[i], r[i+1], cuts, func(m orb.Point) bool { return strictlyInside(m, other) }) {
					return true
				}
			}
		}
		return false
	}
	if edgesInside(a, vb, b) || edgesInside(b, va, a) {
		return true
	}
	return strictlyInside(interiorPoint(a), b) || strictlyInside(interiorPoint(b), a)
}

// outsidePoint returns a point of inner that lies outside outer (beyond eps),
// if any: a vertex, a piece of an edge, a crossing of the boundaries, or a
// vertex of outer's boundary reaching into inner (a hole or a gap between
// outer's parts). ok is false when inner lies within outer.
func outsidePoint(outer orb.MultiPolygon, inner orb.Polygon) (pt orb.Point, ok bool) {
	ring := inner[0]
	for _, v := range ring {
		if !insideOrOn(v, outer) {
			return v, true
		}
	}
	cuts := vertices(outer...)
	for i := 0; i+1 < len(ring); i++ {
		var out orb.Point
		if subSegmentMidpoints(ring[i], ring[i+1], cuts, func(m orb.Point) bool {
			out = m
			return !insideOrOn(m, outer)
		}) {
			return out, true
		}
	}
	for i := 0; i+1 < len(ring); i++ {
		for _, p := range outer {
			for _, r := range p {
				for j := 0; j+1 < len(r); j++ {
					if properCross(ring[i], ring[i+1], r[j], r[j+1]) {
						return crossingPoint(ring[i], ring[i+1], r[j], r[j+1]), true
					}
				}
			}
		}
	}
	shell := orb.Polygon{ring}
	for _, w := range cuts {
		if strictlyInside(w, shell) {
			return w, true
		}
	}
	return orb.Point{}, false
}
