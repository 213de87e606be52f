package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/stats"
	"github.com/gridwork/gridwork/internal/territory"
)

// The stats API under /api/v1/stats: the KPIs of DESIGN §3 from the
// rollups, per region subtree, dimension and period, and what the big
// screen draws. The stats service checks case.read over the region on each
// call; the dates are local dates in the display zone, to exclusive.

// feedSize is how many new cases the live feed shows, and feedWindow how
// far back it looks (which bounds the query on a busy region).
const (
	feedSize   = 12
	feedWindow = 48 * time.Hour
)

// breakdownJSON is a breakdown of a period's KPIs by one dimension.
type breakdownJSON struct {
	By    stats.Dim   `json:"by"`
	Items []stats.Row `json:"items"`
}

// seriesJSON is the counters of each day of a period.
type seriesJSON struct {
	Items []stats.Point `json:"items"`
}

// loadJSON is the open cases of each child region and grid.
type loadJSON struct {
	Items []stats.RegionLoad `json:"items"`
}

// liveJSON is what the big screen refreshes on each case event: today's
// counters, the open cases, and the newest cases of the region — without
// personal data (no reporter, title, description or place).
type liveJSON struct {
	stats.Live
	Feed []feedItemJSON `json:"feed"`
}

// feedItemJSON is one new case in the live feed.
type feedItemJSON struct {
	Number       string    `json:"number"`
	Category     string    `json:"category"`
	CategoryName string    `json:"category_name"`
	GridName     string    `json:"grid_name"`
	State        string    `json:"state"`
	StateLabel   string    `json:"state_label"`
	ReportedAt   time.Time `json:"reported_at"`
}

// mapJSON is a GeoJSON FeatureCollection of the region's child regions
// and the grids below it, each with its open cases.
type mapJSON struct {
	Type     string        `json:"type"` // "FeatureCollection"
	Features []featureJSON `json:"features"`
}

// featureJSON is one region of the map.
type featureJSON struct {
	Type       string          `json:"type"` // "Feature"
	ID         string          `json:"id"`   // "r12": the region's id, a string as ECharts names its areas
	Properties featurePropJSON `json:"properties"`
	Geometry   json.RawMessage `json:"geometry"` // a GeoJSON Polygon or MultiPolygon
}

// featurePropJSON are a map region's properties.
type featurePropJSON struct {
	Name        string `json:"name"` // as the feature's id, for ECharts
	RegionID    int64  `json:"region_id"`
	Label       string `json:"label"`
	Code        string `json:"code"`
	Level       string `json:"level"`
	Layer       string `json:"layer"`    // "child" (a child region of the one shown) or "grid"
	ChildID     int64  `json:"child_id"` // the child region the feature lies in (itself for a child)
	Open        int    `json:"open"`
	OpenOverdue int    `json:"open_overdue"`
}

// parseDay reads a required local date query parameter (2026-10-01), as
// its midnight in the zone the KPI service counts days in.
func (s *Server) parseDay(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, apperr.Invalidf(name, "请指定 %s（日期，YYYY-MM-DD）", "%s is required (a date, YYYY-MM-DD)", name)
	}
	t, err := time.ParseInLocation(time.DateOnly, v, s.stats.Zone())
	if err != nil {
		return time.Time{}, apperr.Invalidf(name, "%s 应为日期（YYYY-MM-DD）", "%s must be a date (YYYY-MM-DD)", name)
	}
	return t, nil
}

// statsQuery reads region_id, from and to (and dim and key when allowed).
func (s *Server) statsQuery(r *http.Request, withDim bool) (stats.Query, error) {
	var q stats.Query
	var err error
	if q.RegionID, err = requiredID(r, "region_id"); err != nil {
		return q, err
	}
	if q.From, err = s.parseDay(r, "from"); err != nil {
		return q, err
	}
	if q.To, err = s.parseDay(r, "to"); err != nil {
		return q, err
	}
	if withDim {
		q.Dim, q.Key = stats.Dim(r.URL.Query().Get("dim")), r.URL.Query().Get("key")
	}
	return q, nil
}

// handleKPIs answers the KPIs of a region subtree over [from, to), of one
// key of a dimension when dim and key are given.
func (s *Server) handleKPIs(w http.ResponseWriter, r *http.Request) error {
	q, err := s.statsQuery(r, true)
	if err != nil {
		return err
	}
	k, err := s.stats.KPIs(r.Context(), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, k)
	return nil
}

// handleBreakdown answers the KPIs of a period by category, channel,
// department, person or child region, the most reported first.
func (s *Server) handleBreakdown(w http.ResponseWriter, r *http.Request) error {
	q, err := s.statsQuery(r, false)
	if err != nil {
		return err
	}
	by := stats.Dim(r.URL.Query().Get("by"))
	if by == stats.DimTotal || !by.Valid() {
		return apperr.Invalidf("by", "by 应为 category、channel、department、person 或 region", "by must be category, channel, department, person or region")
	}
	limit := 10
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return apperr.Invalidf("limit", "limit 应为 1 到 500 的整数", "limit must be an integer from 1 to 500")
		}
		limit = n
	}
	rows, err := s.stats.Breakdown(r.Context(), q, by, limit)
	if err != nil {
		return err
	}
	if lang := langOf(r); lang != "zh" { // the stats service labels in Chinese
		for i := range rows {
			switch by {
			case stats.DimCategory:
				rows[i].Label = s.categoryLabel(r.Context(), lang, rows[i].Key)
			case stats.DimChannel:
				if key := "staff.channel_" + rows[i].Key; s.views.cat.has(key) {
					rows[i].Label = s.views.cat.text(lang, key)
				}
			}
		}
	}
	writeJSON(w, http.StatusOK, breakdownJSON{By: by, Items: nonNil(rows)})
	return nil
}

// handleSeries answers the counters of each day of [from, to).
func (s *Server) handleSeries(w http.ResponseWriter, r *http.Request) error {
	q, err := s.statsQuery(r, false)
	if err != nil {
		return err
	}
	pts, err := s.stats.Series(r.Context(), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, seriesJSON{Items: nonNil(pts)})
	return nil
}

// handleLive answers today's counters and open cases of a region subtree,
// with its newest cases.
func (s *Server) handleLive(w http.ResponseWriter, r *http.Request) error {
	id, err := requiredID(r, "region_id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	live, err := s.stats.Live(ctx, id)
	if err != nil {
		return err
	}
	feed, err := s.liveFeed(ctx, id, langOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, liveJSON{Live: *live, Feed: feed})
	return nil
}

// liveFeed returns the newest cases reported in the region's subtree in the
// last feedWindow, with the names of their category and grid.
func (s *Server) liveFeed(ctx context.Context, regionID int64, lang string) ([]feedItemJSON, error) {
	since := s.now().Add(-feedWindow)
	list, _, err := s.cases.FindCases(ctx, cases.CaseFilter{RegionOf: &regionID, From: &since, Order: cases.OrderNewest, Limit: feedSize})
	if err != nil {
		return nil, err
	}
	cats, grids := map[string]string{}, map[int64]string{}
	out := make([]feedItemJSON, 0, len(list))
	for _, c := range list {
		name, ok := cats[c.Category]
		if !ok {
			name = s.categoryLabel(ctx, lang, c.Category)
			cats[c.Category] = name
		}
		gid := c.GridID
		if gid == 0 {
			gid = c.RegionID
		}
		grid, ok := grids[gid]
		if !ok {
			if g, err := s.territory.FindRegionByID(ctx, gid); err == nil {
				grid = g.Name
			}
			grids[gid] = grid
		}
		out = append(out, feedItemJSON{Number: c.Number, Category: c.Category, CategoryName: name, GridName: grid,
			State: string(c.State), StateLabel: c.State.Label().In(lang), ReportedAt: c.ReportedAt})
	}
	return out, nil
}

// categoryLabel returns a category's name in lang, its code when unknown.
func (s *Server) categoryLabel(ctx context.Context, lang, code string) string {
	if s.category == nil || code == "" {
		return code
	}
	c, err := s.category.FindCategoryByCode(ctx, code)
	if err != nil {
		return code
	}
	if lang == "en" && c.NameEN != "" {
		return c.NameEN
	}
	return c.NameZH
}

// handleLoad answers the open and open overdue cases of each child region
// of a region and of each grid below it.
func (s *Server) handleLoad(w http.ResponseWriter, r *http.Request) error {
	id, err := requiredID(r, "region_id")
	if err != nil {
		return err
	}
	load, err := s.stats.Load(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, loadJSON{Items: nonNil(load)})
	return nil
}

// handleStatsMap answers the region's map: its child regions and the grids
// below it (the region itself when it is a grid), with the boundary in
// force today and the open cases of each.
func (s *Server) handleStatsMap(w http.ResponseWriter, r *http.Request) error {
	id, err := requiredID(r, "region_id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	load, err := s.stats.Load(ctx, id) // checks case.read over the region
	if err != nil {
		return err
	}
	reg, err := s.territory.FindRegionByID(ctx, id)
	if err != nil {
		return err
	}
	byID := make(map[int64]stats.RegionLoad, len(load))
	for _, l := range load {
		byID[l.RegionID] = l
	}
	var children, grids []*territory.Region
	if reg.Level == territory.LevelGrid {
		grids = []*territory.Region{reg}
	} else {
		if children, err = s.regionsWhere(ctx, territory.RegionFilter{ParentID: &reg.ID}); err != nil {
			return err
		}
		level := territory.LevelGrid
		if grids, err = s.regionsWhere(ctx, territory.RegionFilter{SubtreeOf: &reg.ID, Level: &level}); err != nil {
			return err
		}
	}
	today := s.now()
	out := mapJSON{Type: "FeatureCollection", Features: []featureJSON{}}
	add := func(x *territory.Region, layer string, child int64) error {
		b, err := s.territory.BoundaryAt(ctx, x.ID, today)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil // a region without a boundary is not drawn
		}
		if err != nil {
			return err
		}
		name := "r" + strconv.FormatInt(x.ID, 10)
		l := byID[x.ID]
		out.Features = append(out.Features, featureJSON{Type: "Feature", ID: name, Geometry: b.GeoJSON,
			Properties: featurePropJSON{Name: name, RegionID: x.ID, Label: x.Name, Code: x.Code, Level: string(x.Level),
				Layer: layer, ChildID: child, Open: l.Open, OpenOverdue: l.OpenOverdue}})
		return nil
	}
	for _, c := range children {
		if c.Level == territory.LevelGrid {
			continue // drawn as a grid
		}
		if err := add(c, "child", c.ID); err != nil {
			return err
		}
	}
	for _, g := range grids {
		if err := add(g, "grid", childOf(reg, g)); err != nil {
			return err
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
	return nil
}

// regionsWhere returns every region matching f, page by page.
func (s *Server) regionsWhere(ctx context.Context, f territory.RegionFilter) ([]*territory.Region, error) {
	var out []*territory.Region
	f.Limit = 1000
	for {
		list, total, err := s.territory.FindRegions(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
		if len(list) == 0 || len(out) >= total {
			return out, nil
		}
		f.Offset += len(list)
	}
}

// childOf returns the id of the child of parent on the way down to x (x's
// own id when x is a child, or parent itself).
func childOf(parent, x *territory.Region) int64 {
	rest := strings.TrimPrefix(x.Path, parent.Path)
	head, _, _ := strings.Cut(rest, "/")
	id, err := strconv.ParseInt(head, 10, 64)
	if err != nil {
		return x.ID
	}
	return id
}
