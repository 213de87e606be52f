package demo

import (
	"math"
	"math/rand/v2"

	"github.com/paulmach/orb"
)

// The map is drawn on a lattice of jittered vertices: every region is a
// rectangle of lattice cells, so neighbouring regions share the very same
// vertices along their common edge, children tile their parent exactly and
// every outline is a simple polygon (each jittered cell stays convex).

// Lattice geometry near 120.2°E 30.2°N. A cell is about 150 m square: one
// degree of longitude there is about 96.2 km, one of latitude 111 km.
const (
	originLon  = 120.10
	originLat  = 30.12
	cellLon    = 0.00156
	cellLat    = 0.00135
	jitterFrac = 0.2 // of a cell, in each axis: small enough that cells stay convex
	coordScale = 1e6 // coordinates are rounded to 1e-6° (about 0.1 m)
)

// cellRect is a rectangle of lattice cells [x0,x1) × [y0,y1).
type cellRect struct{ x0, y0, x1, y1 int }

func (r cellRect) w() int    { return r.x1 - r.x0 }
func (r cellRect) h() int    { return r.y1 - r.y0 }
func (r cellRect) area() int { return r.w() * r.h() }

// lattice holds the jittered vertices of nx × ny cells.
type lattice struct {
	nx, ny int
	pts    []orb.Point // (nx+1)*(ny+1), row-major from the south-west corner
}

func newLattice(rng *rand.Rand, nx, ny int) *lattice {
	l := &lattice{nx: nx, ny: ny, pts: make([]orb.Point, (nx+1)*(ny+1))}
	for j := 0; j <= ny; j++ {
		for i := 0; i <= nx; i++ {
			jx := (rng.Float64()*2 - 1) * jitterFrac
			jy := (rng.Float64()*2 - 1) * jitterFrac
			l.pts[j*(nx+1)+i] = orb.Point{
				round6(originLon + (float64(i)+jx)*cellLon),
				round6(originLat + (float64(j)+jy)*cellLat),
			}
		}
	}
	return l
}

func round6(v float64) float64 { return math.Round(v*coordScale) / coordScale }

func (l *lattice) at(i, j int) orb.Point { return l.pts[j*(l.nx+1)+i] }

// polygon returns the outline of r: every lattice vertex on its border,
// counter-clockwise from the south-west corner, closed.
func (l *lattice) polygon(r cellRect) orb.Polygon {
	ring := make(orb.Ring, 0, 2*(r.w()+r.h())+1)
	for i := r.x0; i < r.x1; i++ { // south edge, west to east
		ring = append(ring, l.at(i, r.y0))
	}
	for j := r.y0; j < r.y1; j++ { // east edge, south to north
		ring = append(ring, l.at(r.x1, j))
	}
	for i := r.x1; i > r.x0; i-- { // north edge, east to west
		ring = append(ring, l.at(i, r.y1))
	}
	for j := r.y1; j > r.y0; j-- { // west edge, north to south
		ring = append(ring, l.at(r.x0, j))
	}
	ring = append(ring, ring[0])
	return orb.Polygon{ring}
}

// pointIn returns a point strictly inside cell (i, j), at fractions u, v in
// (0, 1) of the way across it; since the cell is convex the bilinear blend
// of its corners lies inside it.
func (l *lattice) pointIn(i, j int, u, v float64) orb.Point {
	a, b, c, d := l.at(i, j), l.at(i+1, j), l.at(i+1, j+1), l.at(i, j+1)
	x := (1-u)*(1-v)*a[0] + u*(1-v)*b[0] + u*v*c[0] + (1-u)*v*d[0]
	y := (1-u)*(1-v)*a[1] + u*(1-v)*b[1] + u*v*c[1] + (1-u)*v*d[1]
	return orb.Point{round6(x), round6(y)}
}

// randomPoint returns a point well inside a random cell of r.
func (l *lattice) randomPoint(rng *rand.Rand, r cellRect) orb.Point {
	i := r.x0 + rng.IntN(r.w())
	j := r.y0 + rng.IntN(r.h())
	return l.pointIn(i, j, 0.15+0.7*rng.Float64(), 0.15+0.7*rng.Float64())
}

// center returns the middle of the central cell of r.
func (l *lattice) center(r cellRect) orb.Point {
	return l.pointIn(r.x0+r.w()/2, r.y0+r.h()/2, 0.5, 0.5)
}

// partition cuts r into len(weights) rectangles with areas roughly in
// proportion to weights, the i-th holding at least need[i] cells, by
// recursive guillotine cuts across the longer side. It reports false when
// r is too small.
func partition(r cellRect, weights []float64, need []int) ([]cellRect, bool) {
	n := len(weights)
	if n == 1 {
		return []cellRect{r}, r.area() >= need[0]
	}
	total := 0.0
	for _, w := range weights {
		total += w
	}
	// Split the children into two runs of about equal weight.
	m, acc, best := 1, 0.0, math.Inf(1)
	for i := 1; i < n; i++ {
		acc += weights[i-1]
		if d := math.Abs(acc - total/2); d < best {
			m, best = i, d
		}
	}
	left := 0.0
	needL, needR := 0, 0
	for i := 0; i < m; i++ {
		left += weights[i]
		needL += need[i]
	}
	for i := m; i < n; i++ {
		needR += need[i]
	}
	var a, b cellRect
	if r.w() >= r.h() {
		c := clampCut(r.w(), r.h(), left/total, needL, needR)
		if c < 0 {
			return nil, false
		}
		a, b = cellRect{r.x0, r.y0, r.x0 + c, r.y1}, cellRect{r.x0 + c, r.y0, r.x1, r.y1}
	} else {
		c := clampCut(r.h(), r.w(), left/total, needL, needR)
		if c < 0 {
			return nil, false
		}
		a, b = cellRect{r.x0, r.y0, r.x1, r.y0 + c}, cellRect{r.x0, r.y0 + c, r.x1, r.y1}
	}
	ra, ok := partition(a, weights[:m], need[:m])
	if !ok {
		return nil, false
	}
	rb, ok := partition(b, weights[m:], need[m:])
	if !ok {
		return nil, false
	}
	return append(ra, rb...), true
}

// clampCut picks where to cut a side of length long (the other side being
// short) so the first part gets about frac of it and both parts hold their
// needed cells; -1 if impossible.
func clampCut(long, short int, frac float64, needA, needB int) int {
	c := int(math.Round(float64(long) * frac))
	lo := max(1, (needA+short-1)/short)
	hi := min(long-1, long-(needB+short-1)/short)
	if lo > hi {
		return -1
	}
	return min(max(c, lo), hi)
}
