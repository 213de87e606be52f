package web

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// svgMap is an inline SVG map drawn from GeoJSON boundaries and points: no
// tiles, no script, nothing from another site. Coordinates are projected
// equirectangularly around the map's middle latitude, which is exact
// enough at the size of a community.
type svgMap struct {
	W, H   int
	Label  string // what the map shows, for screen readers
	Shapes []svgShape
	Points []svgPoint
	Marks  []svgPoint // problems found in an uploaded boundary
}

// svgShape is a polygon (with holes) as an SVG path.
type svgShape struct {
	D, Class, Title string
	LX, LY          float64 // where its label goes
	Label           string
}

// svgPoint is a dot on the map, optionally a link; R is in map units.
type svgPoint struct {
	X, Y         float64
	R            float64
	Class, Title string
	Href         string
}

// mapFrame projects WGS84 points into a map of a given width.
type mapFrame struct {
	b          orb.Bound
	kx, scale  float64
	pad        float64
	w, h       int
	maxH, minH float64
}

// newMapFrame fits bound b into a map at most width wide and one and a
// half times that high; the map takes the shape's proportions, at least a
// third of the width high.
func newMapFrame(b orb.Bound, width int) *mapFrame {
	f := &mapFrame{b: b, pad: 12}
	mid := (b.Min[1] + b.Max[1]) / 2
	f.kx = math.Cos(mid * math.Pi / 180)
	dx, dy := (b.Max[0]-b.Min[0])*f.kx, b.Max[1]-b.Min[1]
	if dx <= 0 {
		dx = 1e-4
	}
	if dy <= 0 {
		dy = 1e-4
	}
	inner := float64(width) - 2*f.pad
	f.scale = inner / dx
	if h := dy * f.scale; h > 1.5*inner {
		f.scale = 1.5 * inner / dy // a tall shape: fit the height, narrow the map
	}
	f.w = int(math.Ceil(dx*f.scale + 2*f.pad))
	f.h = int(math.Ceil(dy*f.scale + 2*f.pad))
	if min := width / 3; f.h < min {
		f.pad += float64(min-f.h) / 2 // a flat shape: centre it vertically
		f.h = min
	}
	return f
}

func (f *mapFrame) xy(p orb.Point) (float64, float64) {
	return f.pad + (p[0]-f.b.Min[0])*f.kx*f.scale, f.pad + (f.b.Max[1]-p[1])*f.scale
}

// path writes polygons as SVG path data.
func (f *mapFrame) path(mp orb.MultiPolygon) string {
	var sb strings.Builder
	for _, poly := range mp {
		for _, ring := range poly {
			for i, pt := range ring {
				x, y := f.xy(pt)
				if i == 0 {
					sb.WriteString("M")
				} else {
					sb.WriteString("L")
				}
				sb.WriteString(strconv.FormatFloat(x, 'f', 1, 64))
				sb.WriteByte(',')
				sb.WriteString(strconv.FormatFloat(y, 'f', 1, 64))
			}
			sb.WriteString("Z")
		}
	}
	return sb.String()
}

// mapBuilder collects what a map shows, then fits the frame around it.
type mapBuilder struct {
	shapes []struct {
		mp                  orb.MultiPolygon
		class, title, label string
	}
	points []struct {
		p                  orb.Point
		class, title, href string
		r                  float64
	}
	marks []orb.Point
}

func (m *mapBuilder) shape(mp orb.MultiPolygon, class, title, label string) {
	if len(mp) == 0 {
		return
	}
	m.shapes = append(m.shapes, struct {
		mp                  orb.MultiPolygon
		class, title, label string
	}{mp, class, title, label})
}

// point adds a dot of radius r, in hundredths of the map's larger side.
func (m *mapBuilder) point(p orb.Point, r float64, class, title, href string) {
	m.points = append(m.points, struct {
		p                  orb.Point
		class, title, href string
		r                  float64
	}{p, class, title, href, r})
}

func (m *mapBuilder) mark(p orb.Point) { m.marks = append(m.marks, p) }

// empty reports whether there is nothing to draw.
func (m *mapBuilder) empty() bool {
	return len(m.shapes) == 0 && len(m.points) == 0 && len(m.marks) == 0
}

// build draws the map width pixels wide; nil when there is nothing to draw.
func (m *mapBuilder) build(width int, label string) *svgMap {
	if m.empty() {
		return nil
	}
	var b orb.Bound
	first := true
	grow := func(p orb.Point) {
		if first {
			b, first = orb.Bound{Min: p, Max: p}, false
			return
		}
		b = b.Extend(p)
	}
	for _, s := range m.shapes {
		for _, poly := range s.mp {
			for _, ring := range poly {
				for _, p := range ring {
					grow(p)
				}
			}
		}
	}
	for _, p := range m.points {
		grow(p.p)
	}
	for _, p := range m.marks {
		grow(p)
	}
	if b.Max[0]-b.Min[0] < 1e-4 { // a lone point: show about 100 m around it
		b.Min[0], b.Max[0] = b.Min[0]-5e-4, b.Max[0]+5e-4
	}
	if b.Max[1]-b.Min[1] < 1e-4 {
		b.Min[1], b.Max[1] = b.Min[1]-5e-4, b.Max[1]+5e-4
	}
	f := newMapFrame(b, width)
	out := &svgMap{W: f.w, H: f.h, Label: label}
	for _, s := range m.shapes {
		c := s.mp.Bound().Center()
		x, y := f.xy(c)
		out.Shapes = append(out.Shapes, svgShape{D: f.path(s.mp), Class: s.class, Title: s.title, Label: s.label, LX: x, LY: y})
	}
	// Radii are in hundredths of the map's width, so that a dot stays big
	// enough to tap however the map is scaled to the screen.
	// Many dots shrink to about a third of their spacing (a village grid
	// has hundreds of courtyards), never below 0.6.
	unit := float64(max(f.w, f.h)) / 100
	maxR := math.Inf(1)
	if n := len(m.points); n > 0 {
		area := float64(f.w) * float64(f.h) / (unit * unit)
		maxR = max(0.6, 0.35*math.Sqrt(area/float64(n)))
	}
	for _, p := range m.points {
		x, y := f.xy(p.p)
		out.Points = append(out.Points, svgPoint{X: x, Y: y, R: min(p.r, maxR) * unit, Class: p.class, Title: p.title, Href: p.href})
	}
	for _, p := range m.marks {
		x, y := f.xy(p)
		out.Marks = append(out.Marks, svgPoint{X: x, Y: y, R: 2.2 * unit, Class: "mark"})
	}
	return out
}

// looseShape reads the polygons of GeoJSON text without validating them,
// so that a boundary the territory service refuses can still be drawn
// with its problem marked. It returns nil when the text is not GeoJSON or
// holds no polygon.
func looseShape(text []byte) orb.MultiPolygon {
	var head struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(text, &head) != nil {
		return nil
	}
	var geoms []orb.Geometry
	switch head.Type {
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(text)
		if err != nil {
			return nil
		}
		for _, f := range fc.Features {
			geoms = append(geoms, f.Geometry)
		}
	case "Feature":
		f, err := geojson.UnmarshalFeature(text)
		if err != nil {
			return nil
		}
		geoms = append(geoms, f.Geometry)
	default:
		g, err := geojson.UnmarshalGeometry(text)
		if err != nil {
			return nil
		}
		geoms = append(geoms, g.Geometry())
	}
	var mp orb.MultiPolygon
	for _, g := range geoms {
		switch x := g.(type) {
		case orb.Polygon:
			mp = append(mp, x)
		case orb.MultiPolygon:
			mp = append(mp, x...)
		}
	}
	// Drop what cannot be drawn: coordinates that are not numbers or out of range.
	for _, poly := range mp {
		for _, ring := range poly {
			for _, p := range ring {
				if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.Abs(p[0]) > 180 || math.Abs(p[1]) > 90 {
					return nil
				}
			}
		}
	}
	return mp
}

// nearRe finds the place a boundary error names: "(near 120.0312345,
// 30.0456789)" in the English message of the territory service.
var nearRe = regexp.MustCompile(`near (-?[0-9.]+), (-?[0-9.]+)`)

// errorPoint returns the point a boundary error message names, if any.
func errorPoint(msg string) (orb.Point, bool) {
	m := nearRe.FindStringSubmatch(msg)
	if m == nil {
		return orb.Point{}, false
	}
	x, err1 := strconv.ParseFloat(m[1], 64)
	y, err2 := strconv.ParseFloat(m[2], 64)
	if err1 != nil || err2 != nil {
		return orb.Point{}, false
	}
	return orb.Point{x, y}, true
}

// overlapRe finds the grid code an overlap error names.
var overlapRe = regexp.MustCompile(`overlaps grid ([0-9]{15})`)
