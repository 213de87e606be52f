package web

import "github.com/gridwork/gridwork/internal/stats"

// statsRoutes are the KPIs and what the big screen draws (api_stats.go).
// Dates are local dates (2026-10-01), to exclusive; the actor needs
// case.read over the region.
func (s *Server) statsRoutes() []route {
	region := param{name: "region_id", typ: "integer", required: true, desc: "region; the actor needs case.read over it"}
	from := param{name: "from", typ: "string", required: true, desc: "first day, YYYY-MM-DD"}
	to := param{name: "to", typ: "string", required: true, desc: "day after the last, YYYY-MM-DD (exclusive); at most 400 days after from"}
	return []route{
		{method: "GET", path: "/api/v1/stats/kpis", tag: "stats", summary: "KPIs of a region subtree over the local days [from, to), from the rollups of the case events (open overdue cases count as late); of one key of a dimension with dim and key",
			query:    []param{region, from, to, strParam("dim", "category, channel, department or person"), strParam("key", "the dimension's key: category code, channel, department or user id")},
			response: stats.KPIs{}, handle: s.handleKPIs},
		{method: "GET", path: "/api/v1/stats/breakdown", tag: "stats", summary: "KPIs of a period by category, channel, department, person or child region, the most reported first",
			query:    []param{region, from, to, {name: "by", typ: "string", required: true, desc: "category, channel, department, person or region (child regions)"}, {name: "limit", typ: "integer", desc: "most rows, 1–500 (default 10)"}},
			response: breakdownJSON{}, handle: s.handleBreakdown},
		{method: "GET", path: "/api/v1/stats/series", tag: "stats", summary: "Counters of each local day of [from, to), days without events included",
			query: []param{region, from, to}, response: seriesJSON{}, handle: s.handleSeries},
		{method: "GET", path: "/api/v1/stats/live", tag: "stats", summary: "Today's counters and the open cases of a region subtree now, with its newest cases (number, category, grid, state, time: no personal data)",
			query: []param{region}, response: liveJSON{}, handle: s.handleLive},
		{method: "GET", path: "/api/v1/stats/load", tag: "stats", summary: "Open and open overdue cases of each child region and of each grid below a region",
			query: []param{region}, response: loadJSON{}, handle: s.handleLoad},
		{method: "GET", path: "/api/v1/stats/map", tag: "stats", summary: "GeoJSON FeatureCollection of a region's child regions and the grids below it (boundaries in force today) with their open and open overdue cases in properties",
			query: []param{region}, response: mapJSON{}, handle: s.handleStatsMap},
	}
}
