package web

// statsExportRoutes are the KPI files: a KPI table as .xlsx or CSV and the
// monthly report of a region as .xlsx.
func (s *Server) statsExportRoutes() []route {
	region := param{name: "region_id", typ: "integer", required: true, desc: "region; the actor needs case.read over it"}
	return []route{
		{method: "GET", path: "/api/v1/stats/export", tag: "stats",
			summary: "A KPI table (every KPI of DESIGN §3, counts and rates) with a row per child region, category, channel, department or person and a total row, over the local days [from, to); .xlsx (Chinese and English headers) or CSV (UTF-8 with BOM, headers in the request's language)",
			query: []param{region,
				{name: "from", typ: "string", required: true, desc: "first day, YYYY-MM-DD"},
				{name: "to", typ: "string", required: true, desc: "day after the last, YYYY-MM-DD (exclusive)"},
				strParam("by", "rows: region (child regions, default), category, channel, department or person"),
				strParam("format", "xlsx (default) or csv"),
				{name: "limit", typ: "integer", desc: "most rows, up to 1000 (default: all, up to 1000)"},
				strParam("lang", "zh (default) or en: the language first in titles and headers")},
			responseType: xlsxType + ", text/csv", handle: s.handleStatsExport},
		{method: "GET", path: "/api/v1/stats/monthly", tag: "stats",
			summary: "The monthly report of a region (月度网格化服务管理工作报表) as .xlsx: 总体指标 (this month, last month, the same month last year, reference values), 分区域 (child regions ranked), 分类别, 分渠道, 每日趋势, 超期未结 (counts only)",
			query: []param{region,
				{name: "month", typ: "string", required: true, desc: "YYYY-MM, not after the current month"},
				strParam("lang", "zh (default) or en: the language first in titles and headers")},
			responseType: xlsxType, handle: s.handleStatsMonthly},
	}
}
