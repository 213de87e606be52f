package web

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/territory"
)

// mapWidth is the width of a map's SVG coordinate space; the height follows
// the community's shape.
const mapWidth = 1000.0

// mapView is a community drawn as an inline SVG from its grids' own
// GeoJSON boundaries: no tiles, no script needed to see it. Coordinates are
// an equirectangular projection about the community's middle latitude,
// which is exact enough at the scale of a community.
type mapView struct {
	W, H      float64
	Label     string // the map's accessible name
	Grids     []mapShape
	Buildings []mapPoint
	Cases     []mapPoint
	Pin       *mapPoint // the point chosen for a report
	// The projection, for app.js to turn a tap into a longitude and
	// latitude: lon = Lon0 + x/KX, lat = Lat0 − y/KY.
	Lon0, Lat0, KX, KY string

	lon0, lat0, kx, ky float64
}

// mapShape is a grid's outline.
type mapShape struct {
	Path     string // SVG path data
	Name     string
	Mine     bool // the viewer's grid
	LX, LY   string
	Open     int // open cases (public map)
	Closed   int // closed cases (public map)
	regionID int64
}

// mapPoint is a building or a case on the map.
type mapPoint struct {
	X, Y  string
	Label string
	URL   string // a link, "" for none
	Open  bool
}

// ViewBox is the SVG viewBox.
func (m *mapView) ViewBox() string { return "0 0 " + num(m.W) + " " + num(m.H) }

func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// project returns the SVG coordinates of a point.
func (m *mapView) project(lon, lat float64) (float64, float64) {
	return (lon - m.lon0) * m.kx, (m.lat0 - lat) * m.ky
}

// point returns a map point at lon, lat.
func (m *mapView) point(lon, lat float64, label string) mapPoint {
	x, y := m.project(lon, lat)
	return mapPoint{X: num(x), Y: num(y), Label: label}
}

// inside reports whether lon, lat falls within the map's frame.
func (m *mapView) inside(lon, lat float64) bool {
	x, y := m.project(lon, lat)
	return x >= 0 && y >= 0 && x <= m.W && y <= m.H
}

// communityMap draws the grids of a community (a village-level region;
// given a grid, its community) with their boundaries valid today. It reads
// the region tree as the system: boundaries are public geography, and a
// resident holds no region.read. NotFound when no grid has a boundary.
func (s *Server) communityMap(ctx context.Context, communityID, mine int64, label string) (*mapView, error) {
	sys := auth.WithActor(ctx, auth.SystemActor())
	level := territory.LevelGrid
	grids, _, err := s.territory.FindRegions(sys, territory.RegionFilter{ParentID: &communityID, Level: &level, Limit: 200})
	if err != nil {
		return nil, err
	}
	today := s.now().In(s.zone)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	type shaped struct {
		r     *territory.Region
		shape orb.MultiPolygon
	}
	var shapes []shaped
	var bound orb.Bound
	for _, g := range grids {
		b, err := s.territory.BoundaryAt(sys, g.ID, today)
		if apperr.CodeOf(err) == apperr.NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(shapes) == 0 {
			bound = b.Bound
		} else {
			bound = bound.Union(b.Bound)
		}
		shapes = append(shapes, shaped{g, b.Shape})
	}
	if len(shapes) == 0 {
		return nil, apperr.NotFoundf("该社区还没有网格边界", "the community has no grid boundaries yet")
	}
	// A margin of 4 % around the community.
	padX, padY := (bound.Max[0]-bound.Min[0])*0.04, (bound.Max[1]-bound.Min[1])*0.04
	bound.Min[0], bound.Max[0] = bound.Min[0]-padX, bound.Max[0]+padX
	bound.Min[1], bound.Max[1] = bound.Min[1]-padY, bound.Max[1]+padY
	cos := math.Cos((bound.Min[1] + bound.Max[1]) / 2 * math.Pi / 180)
	k := mapWidth / ((bound.Max[0] - bound.Min[0]) * cos)
	m := &mapView{W: mapWidth, H: math.Round((bound.Max[1] - bound.Min[1]) * k), Label: label,
		lon0: bound.Min[0], lat0: bound.Max[1], kx: k * cos, ky: k}
	m.Lon0, m.Lat0 = strconv.FormatFloat(m.lon0, 'f', 7, 64), strconv.FormatFloat(m.lat0, 'f', 7, 64)
	m.KX, m.KY = strconv.FormatFloat(m.kx, 'f', 3, 64), strconv.FormatFloat(m.ky, 'f', 3, 64)
	for _, sh := range shapes {
		var d strings.Builder
		for _, poly := range sh.shape {
			for _, ring := range poly {
				for i, pt := range ring {
					x, y := m.project(pt[0], pt[1])
					if i == 0 {
						fmt.Fprintf(&d, "M%.1f %.1f", x, y)
					} else {
						fmt.Fprintf(&d, "L%.1f %.1f", x, y)
					}
				}
				d.WriteString("Z")
			}
		}
		c := sh.shape.Bound().Center()
		lx, ly := m.project(c[0], c[1])
		m.Grids = append(m.Grids, mapShape{Path: d.String(), Name: sh.r.Name, Mine: sh.r.ID == mine, LX: num(lx), LY: num(ly), regionID: sh.r.ID})
	}
	return m, nil
}

// communityOf returns the community (village-level region) of a region: the
// region itself, or the nearest ancestor at that level, read as the
// system. A region above the village level has none (NotFound).
func (s *Server) communityOf(ctx context.Context, regionID int64) (*territory.Region, error) {
	sys := auth.WithActor(ctx, auth.SystemActor())
	for id := regionID; id != 0; {
		r, err := s.territory.FindRegionByID(sys, id)
		if err != nil {
			return nil, err
		}
		if r.Level == territory.LevelVillage {
			return r, nil
		}
		if r.Level != territory.LevelGrid {
			break
		}
		id = r.ParentID
	}
	return nil, apperr.NotFoundf("没有找到所属社区", "no community found")
}
