package territory

import (
	"testing"

	"github.com/paulmach/orb"
)

// rect returns the rectangle [x0,x1]×[y0,y1] as a closed ring.
func rect(x0, y0, x1, y1 float64) orb.Ring {
	return orb.Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
}

func TestPolygonsOverlap(t *testing.T) {
	square := orb.Polygon{rect(0, 0, 2, 2)}
	withHole := orb.Polygon{rect(0, 0, 4, 4), rect(1, 1, 3, 3)}
	tests := []struct {
		name string
		a, b orb.Polygon
		want bool
	}{
		{"shared edge", square, orb.Polygon{rect(2, 0, 4, 2)}, false},
		{"shared vertex", square, orb.Polygon{rect(2, 2, 4, 4)}, false},
		{"apart", square, orb.Polygon{rect(5, 5, 6, 6)}, false},
		{"edge with T-junction", orb.Polygon{rect(0, 0, 2, 1)}, orb.Polygon{rect(0, 1, 1, 2)}, false},
		{"shared edge, floating point", orb.Polygon{{{0, 0}, {0.3, 0}, {0.3, 0.1 + 0.2}, {0, 0.3}, {0, 0}}}, orb.Polygon{rect(0.3, 0, 0.6, 0.3)}, false},
		{"proper crossing", square, orb.Polygon{rect(1, 1, 3, 3)}, true},
		{"identical", square, orb.Polygon{rect(0, 0, 2, 2)}, true},
		{"identical, reversed", square, orb.Polygon{orb.Ring{{0, 0}, {0, 2}, {2, 2}, {2, 0}, {0, 0}}}, true},
		{"contained", square, orb.Polygon{rect(0.5, 0.5, 1, 1)}, true},
		{"contained touching edge", square, orb.Polygon{rect(0, 0.5, 1, 1)}, true},
		// Every vertex on the other's boundary and no crossing: only the
		// pieces of edges tell.
		{"half overlap, collinear edges", square, orb.Polygon{rect(1, 0, 3, 2)}, true},
		{"triangle on the diagonal", square, orb.Polygon{{{0, 0}, {2, 0}, {2, 2}, {0, 0}}}, true},
		{"in the hole", withHole, orb.Polygon{rect(1, 1, 3, 3)}, false},
		{"inside the hole", withHole, orb.Polygon{rect(1.5, 1.5, 2, 2)}, false},
		{"across the hole's edge", withHole, orb.Polygon{rect(2, 2, 3.5, 3.5)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := polygonsOverlap(tt.a, tt.b); got != tt.want {
				t.Errorf("overlap(a, b) = %v, want %v", got, tt.want)
			}
			if got := polygonsOverlap(tt.b, tt.a); got != tt.want {
				t.Errorf("overlap(b, a) = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOutsidePoint(t *testing.T) {
	// A U-shaped community: the notch [1,2]×[1,3] is not part of it.
	u := orb.MultiPolygon{{{{0, 0}, {3, 0}, {3, 3}, {2, 3}, {2, 1}, {1, 1}, {1, 3}, {0, 3}, {0, 0}}}}
	holed := orb.MultiPolygon{{rect(0, 0, 4, 4), rect(1, 1, 2, 2)}}
	tests := []struct {
		name  string
		outer orb.MultiPolygon
		inner orb.Polygon
		out   bool
	}{
		{"inside", u, orb.Polygon{rect(0, 0, 1, 1)}, false},
		{"equal to a part along the edges", u, orb.Polygon{rect(0, 0, 3, 1)}, false},
		{"the whole", u, u[0], false},
		{"vertex outside", u, orb.Polygon{rect(2.5, 2.5, 3.5, 3.5)}, true},
		{"edge across the notch", u, orb.Polygon{rect(0, 2, 3, 3)}, true},
		{"beside the hole", holed, orb.Polygon{rect(2, 0, 4, 4)}, false},
		{"covering the hole", holed, orb.Polygon{rect(0.5, 0.5, 2.5, 2.5)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, got := outsidePoint(tt.outer, tt.inner); got != tt.out {
				t.Errorf("outsidePoint = %v, want %v", got, tt.out)
			}
		})
	}
}

func TestInteriorPoint(t *testing.T) {
	for _, p := range []orb.Polygon{
		{rect(0, 0, 1, 1)},
		{{{0, 0}, {4, 0}, {4, 1}, {1, 1}, {1, 4}, {0, 4}, {0, 0}}}, // an L: its centroid is outside
		{rect(0, 0, 4, 4), rect(1, 1, 3, 3)},
		{{{116.1, 39.9}, {116.2, 39.9}, {116.15, 39.95}, {116.1, 39.9}}},
	} {
		if pt := interiorPoint(p); !strictlyInside(pt, p) {
			t.Errorf("interiorPoint(%v) = %v, not strictly inside", p, pt)
		}
	}
}
