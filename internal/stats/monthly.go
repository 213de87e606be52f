package stats

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/territory"
	"github.com/xuri/excelize/v2"
)

// MonthlyOptions choose a monthly report: a region subtree and a month.
type MonthlyOptions struct {
	RegionID int64
	// Month is the first day of the month, a local midnight (ParseMonth).
	Month time.Time
	// TopCategories is how many categories the 分类别 sheet lists (20 if 0).
	TopCategories int
	// Lang puts English first when "en"; Chinese first otherwise.
	Lang string
}

// Monthly is the monthly report of a region (月度网格化服务管理工作报表):
// the figures a county sends upward, ready to be written as a workbook.
type Monthly struct {
	Region RegionRef
	Month  time.Time // first day, local midnight
	Lang   string
	At     time.Time // when the report was made, in the service's zone
	// This, Last and LastYear are the KPIs of the month, of the month
	// before and of the same month a year before.
	This, Last, LastYear *KPIs
	Regions              []Row // child regions, ranked (see RankRegions)
	Categories           []Row // the top categories by cases reported
	Channels             []Row
	Days                 []Point
	// Overdue is the open and overdue cases now, per child region and per
	// grid below: counts only.
	Overdue []RegionLoad
}

// ParseMonth reads a month "2026-10" as the local midnight of its first day.
// Anything else, or a month after the current one, is an invalid error
// naming "month".
func (s *Service) ParseMonth(v string) (time.Time, error) {
	m, err := time.ParseInLocation("2006-01", v, s.opt.Zone)
	if err != nil || len(v) != len("2006-01") {
		return time.Time{}, apperr.Invalidf("month", "月份应为 YYYY-MM 格式，如 2026-10", "month must be YYYY-MM, e.g. 2026-10")
	}
	now := s.opt.Now().In(s.opt.Zone)
	if m.After(time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, s.opt.Zone)) {
		return time.Time{}, apperr.Invalidf("month", "月份 %s 尚未开始", "month %s has not begun", v)
	}
	return m, nil
}

// Monthly gathers the monthly report of a region. The actor needs
// case.read over the region.
func (s *Service) Monthly(ctx context.Context, opt MonthlyOptions) (*Monthly, error) {
	zone := s.opt.Zone
	mo := opt.Month.In(zone)
	if opt.Month.IsZero() || !mo.Equal(time.Date(mo.Year(), mo.Month(), 1, 0, 0, 0, 0, zone)) {
		return nil, apperr.Invalidf("month", "请指定月份（YYYY-MM）", "month is required (YYYY-MM)")
	}
	top := opt.TopCategories
	if top <= 0 {
		top = 20
	}
	month := func(offset int) Query {
		from := mo.AddDate(0, offset, 0)
		return Query{RegionID: opt.RegionID, From: from, To: from.AddDate(0, 1, 0)}
	}
	q := month(0)
	m := &Monthly{Month: mo, Lang: lang(opt.Lang), At: s.opt.Now().In(zone)}
	var err error
	if m.This, err = s.KPIs(ctx, q); err != nil {
		return nil, fmt.Errorf("stats: monthly: %w", err)
	}
	if m.Last, err = s.KPIs(ctx, month(-1)); err != nil {
		return nil, fmt.Errorf("stats: monthly: %w", err)
	}
	if m.LastYear, err = s.KPIs(ctx, month(-12)); err != nil {
		return nil, fmt.Errorf("stats: monthly: %w", err)
	}
	if m.Regions, err = s.Breakdown(ctx, q, DimRegion, maxRows); err != nil {
		return nil, fmt.Errorf("stats: monthly: %w", err)
	}
	if err := s.regionCodes(ctx, opt.RegionID, m.Regions); err != nil {
		return nil, fmt.Errorf("stats: monthly: %w", err)
	}
	RankRegions(m.Regions)
	// Breakdown lists the most reported first.
	if m.Categories, err = s.Breakdown(ctx, q, DimCategory, top); err != nil {
		return nil, fmt.Errorf("stats: monthly: %w", err)
	}
	if m.Channels, err = s.Breakdown(ctx, q, DimChannel, maxRows); err != nil {
		return nil, fmt.Errorf("stats: monthly: %w", err)
	}
	if m.Days, err = s.Series(ctx, q); err != nil {
		return nil, fmt.Errorf("stats: monthly: %w", err)
	}
	if m.Overdue, err = s.Load(ctx, opt.RegionID); err != nil {
		return nil, fmt.Errorf("stats: monthly: %w", err)
	}
	if m.Region, err = s.regionRef(ctx, opt.RegionID); err != nil {
		return nil, fmt.Errorf("stats: monthly: %w", err)
	}
	return m, nil
}

// RankRegions orders child regions for the ranking: on-time closure first
// (a region without cases due last), then closure rate, satisfaction, and
// more cases reported.
func RankRegions(rows []Row) {
	rate := func(v *float64) float64 {
		if v == nil {
			return -1
		}
		return *v
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		return cmp.Or(
			cmp.Compare(rate(b.OnTimeClosure), rate(a.OnTimeClosure)),
			cmp.Compare(rate(b.ClosureRate), rate(a.ClosureRate)),
			cmp.Compare(rate(b.Satisfaction), rate(a.Satisfaction)),
			cmp.Compare(b.Reported, a.Reported),
			cmp.Compare(a.Label, b.Label))
	})
}

// reference is a DESIGN §3 reference value (mature cities) of a KPI.
type reference struct {
	text apperr.Text
	met  func(v float64) bool
}

// references are the reference values, by KPI column key.
var references = map[string]reference{
	"closure_rate":    {apperr.Text{ZH: "≥ 99.9%", EN: "≥ 99.9%"}, func(v float64) bool { return v >= 0.999 }},
	"on_time_closure": {apperr.Text{ZH: "≥ 99.8%", EN: "≥ 99.8%"}, func(v float64) bool { return v >= 0.998 }},
	"rework_rate":     {apperr.Text{ZH: "≤ 0.1%", EN: "≤ 0.1%"}, func(v float64) bool { return v <= 0.001 }},
	"satisfaction":    {apperr.Text{ZH: "91% – 94%", EN: "91% – 94%"}, func(v float64) bool { return v >= 0.91 }},
}

// summaryColumns are the KPIs of the ranking and breakdown sheets.
var summaryColumns = func() []column {
	var out []column
	for _, k := range []string{"reported", "registered", "closed", "due_to_close", "closure_rate", "on_time_closure",
		"rework_rate", "satisfaction", "grid_share", "overtime_multiple", "avg_handle_hours"} {
		out = append(out, columnByKey(k))
	}
	return out
}()

// dayColumns are the counters of the daily sheet.
var dayColumns = func() []column {
	var out []column
	for _, k := range []string{"reported", "registered", "rejected", "dispatched", "handled", "rework", "closed",
		"closed_on_time", "reopened", "escalated", "ratings", "satisfied"} {
		out = append(out, columnByKey(k))
	}
	return out
}()

// The monthly report's sheets.
var (
	sheetOverview   = apperr.Text{ZH: "总体指标", EN: "Overview"}
	sheetRegions    = apperr.Text{ZH: "分区域", EN: "By region"}
	sheetCategories = apperr.Text{ZH: "分类别", EN: "By category"}
	sheetChannels   = apperr.Text{ZH: "分渠道", EN: "By channel"}
	sheetDaily      = apperr.Text{ZH: "每日趋势", EN: "Daily"}
	sheetOverdue    = apperr.Text{ZH: "超期未结", EN: "Overdue"}
)

// Title is the report's heading: "临江区月度网格化服务管理工作报表（2026年10月）".
func (m *Monthly) Title() string {
	if m.Lang == "en" {
		return fmt.Sprintf("%s — monthly report of grid-based service and management, %s", m.Region.Name, m.Month.Format("January 2006"))
	}
	return fmt.Sprintf("%s月度网格化服务管理工作报表（%d年%d月）", m.Region.Name, m.Month.Year(), int(m.Month.Month()))
}

// FileName is a name for the report's file, in UTF-8:
// "临江区_月度网格化服务管理工作报表_2026-10.xlsx".
func (m *Monthly) FileName() string {
	name := "月度网格化服务管理工作报表"
	if m.Lang == "en" {
		name = "monthly-report"
	}
	return fmt.Sprintf("%s_%s_%s.xlsx", m.Region.Name, name, m.Month.Format("2006-01"))
}

// subtitle is a sheet's second line: the sheet, region, month and the
// generation time.
func (m *Monthly) subtitle(sheet apperr.Text) string {
	if m.Lang == "en" {
		return fmt.Sprintf("%s    Region: %s (%s)    Month: %s    Generated: %s", sheet.EN, m.Region.Name, m.Region.Code,
			m.Month.Format("2006-01"), m.At.Format("2006-01-02 15:04"))
	}
	return fmt.Sprintf("%s    统计区域：%s（%s）    统计月份：%d年%d月    生成时间：%s", sheet.ZH, m.Region.Name, m.Region.Code,
		m.Month.Year(), int(m.Month.Month()), m.At.Format("2006-01-02 15:04"))
}

// WriteXLSX writes the report as a workbook of six sheets: 总体指标 (this
// month, last month and the same month last year, the changes, and the
// reference values), 分区域 (child regions ranked), 分类别 (top categories),
// 分渠道, 每日趋势 and 超期未结 (open and overdue counts now, no personal
// data).
func (m *Monthly) WriteXLSX(w io.Writer) error {
	b, err := newBook(m.Lang)
	if err != nil {
		return fmt.Errorf("stats: monthly: %w", err)
	}
	defer b.close()
	for _, write := range []func(*book) error{m.writeOverview, m.writeRegions, m.writeCategories, m.writeChannels, m.writeDaily, m.writeOverdue} {
		if err := write(b); err != nil {
			return fmt.Errorf("stats: monthly: %w", err)
		}
	}
	return b.write(w)
}

// writeOverview writes 总体指标: a line per KPI of the period (the live
// backlog is on 超期未结).
func (m *Monthly) writeOverview(b *book) error {
	cols := []sheetCol{
		{title: apperr.Text{ZH: "指标", EN: "Indicator"}, width: 28, kind: kindLabel},
		{title: apperr.Text{ZH: "本月", EN: "This month"}, width: 12, kind: kindLabel},
		{title: apperr.Text{ZH: "上月", EN: "Last month"}, width: 12, kind: kindLabel},
		{title: apperr.Text{ZH: "较上月", EN: "Change on last month"}, width: 12, kind: kindLabel},
		{title: apperr.Text{ZH: "去年同月", EN: "Same month last year"}, width: 12, kind: kindLabel},
		{title: apperr.Text{ZH: "较去年同月", EN: "Change on last year"}, width: 12, kind: kindLabel},
		{title: apperr.Text{ZH: "参考值", EN: "Reference"}, width: 12, kind: kindLabel},
		{title: apperr.Text{ZH: "本月是否达到", EN: "Reached this month"}, width: 12, kind: kindLabel},
	}
	sh, err := b.sheet(sheetOverview, cols, 1)
	if err != nil {
		return err
	}
	if err := sh.heading(m.Title(), m.subtitle(sheetOverview)); err != nil {
		return err
	}
	if err := sh.headers(); err != nil {
		return err
	}
	st := &b.st
	for _, c := range kpiColumns {
		if c.live {
			continue
		}
		num := func(k *KPIs) excelize.Cell { return excelize.Cell{StyleID: st.num[c.kind], Value: c.cell(k)} }
		diff := func(a, o *KPIs) excelize.Cell {
			x, ok1 := c.value(a)
			y, ok2 := c.value(o)
			if !ok1 || !ok2 {
				return excelize.Cell{StyleID: st.diff[c.kind]}
			}
			if c.kind == kindCount {
				return excelize.Cell{StyleID: st.diff[c.kind], Value: int64(x) - int64(y)}
			}
			return excelize.Cell{StyleID: st.diff[c.kind], Value: x - y}
		}
		var ref, reached any
		if r, ok := references[c.key]; ok {
			ref = r.text.In(m.Lang)
			if v, ok := c.value(m.This); ok {
				reached = apperr.Text{ZH: "否", EN: "no"}.In(m.Lang)
				if r.met(v) {
					reached = apperr.Text{ZH: "是", EN: "yes"}.In(m.Lang)
				}
			}
		}
		if err := sh.row([]any{c.title.In(m.Lang), num(m.This), num(m.Last), diff(m.This, m.Last), num(m.LastYear),
			diff(m.This, m.LastYear), ref, reached}, false); err != nil {
			return err
		}
	}
	return nil
}

// breakdownSheet writes one of the breakdown sheets: rank, key, label and
// the summary KPIs per row, then the month's total.
func (m *Monthly) breakdownSheet(b *book, name apperr.Text, dim Dim, rows []Row, total bool) error {
	kt := keyTitles[dim]
	cols := []sheetCol{{title: apperr.Text{ZH: "序号", EN: "Rank"}, width: 6, kind: kindCount},
		{title: kt[0], width: 14, kind: kindKey}, {title: kt[1], width: 22, kind: kindLabel}}
	for _, c := range summaryColumns {
		cols = append(cols, sheetCol{title: c.title, width: c.width(), kind: c.kind})
	}
	if dim == DimRegion {
		c := columnByKey("open_overdue")
		cols = append(cols, sheetCol{title: c.title, width: c.width(), kind: c.kind})
	}
	sh, err := b.sheet(name, cols, 3)
	if err != nil {
		return err
	}
	if err := sh.heading(m.Title(), m.subtitle(name)); err != nil {
		return err
	}
	if err := sh.headers(); err != nil {
		return err
	}
	line := func(rank any, key, label string, k *KPIs, isTotal bool) error {
		cells := []any{rank, key, label}
		for _, c := range summaryColumns {
			cells = append(cells, c.cell(k))
		}
		if dim == DimRegion {
			cells = append(cells, int64(k.OpenOverdue))
		}
		return sh.row(cells, isTotal)
	}
	for i := range rows {
		if err := line(int64(i+1), rows[i].Key, rows[i].Label, &rows[i].KPIs, false); err != nil {
			return err
		}
	}
	if !total {
		return nil
	}
	return line(nil, "", totalTitle.In(m.Lang), m.This, true)
}

func (m *Monthly) writeRegions(b *book) error {
	return m.breakdownSheet(b, sheetRegions, DimRegion, m.Regions, true)
}

// writeCategories lists the top categories only: no total row, which
// would not be theirs.
func (m *Monthly) writeCategories(b *book) error {
	return m.breakdownSheet(b, sheetCategories, DimCategory, m.Categories, false)
}

func (m *Monthly) writeChannels(b *book) error {
	return m.breakdownSheet(b, sheetChannels, DimChannel, m.Channels, true)
}

// writeDaily writes 每日趋势: the counters of every day of the month.
func (m *Monthly) writeDaily(b *book) error {
	cols := []sheetCol{{title: apperr.Text{ZH: "日期", EN: "Date"}, width: 12, kind: kindLabel}}
	for _, c := range dayColumns {
		cols = append(cols, sheetCol{title: c.title, width: c.width(), kind: c.kind})
	}
	sh, err := b.sheet(sheetDaily, cols, 1)
	if err != nil {
		return err
	}
	if err := sh.heading(m.Title(), m.subtitle(sheetDaily)); err != nil {
		return err
	}
	if err := sh.headers(); err != nil {
		return err
	}
	sum := make([]int64, len(dayColumns))
	for _, p := range m.Days {
		k := KPIs{Counters: p.Counters}
		d := p.Day.In(m.Month.Location())
		// A date cell is a calendar day: excelize writes a time's wall clock.
		cells := []any{time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)}
		for j, c := range dayColumns {
			v, _ := c.value(&k)
			sum[j] += int64(v)
			cells = append(cells, int64(v))
		}
		if err := sh.row(cells, false); err != nil {
			return err
		}
	}
	cells := []any{totalTitle.In(m.Lang)}
	for _, v := range sum {
		cells = append(cells, v)
	}
	return sh.row(cells, true)
}

// writeOverdue writes 超期未结: the open and overdue cases now, in the
// whole region and per child region and grid below — counts only.
func (m *Monthly) writeOverdue(b *book) error {
	cols := []sheetCol{
		{title: apperr.Text{ZH: "区域编码", EN: "Region code"}, width: 18, kind: kindKey},
		{title: apperr.Text{ZH: "区域", EN: "Region"}, width: 22, kind: kindLabel},
		{title: apperr.Text{ZH: "类型", EN: "Kind"}, width: 8, kind: kindLabel},
		{title: columnByKey("open").title, width: 10, kind: kindCount},
		{title: columnByKey("open_overdue").title, width: 10, kind: kindCount},
		{title: apperr.Text{ZH: "超期占比", EN: "Overdue share"}, width: 10, kind: kindRate},
	}
	sh, err := b.sheet(sheetOverdue, cols, 2)
	if err != nil {
		return err
	}
	if err := sh.heading(m.Title(), m.subtitle(sheetOverdue)); err != nil {
		return err
	}
	if err := sh.headers(); err != nil {
		return err
	}
	share := func(overdue, open int) any {
		if open <= 0 {
			return nil
		}
		return float64(overdue) / float64(open)
	}
	rows := slices.Clone(m.Overdue)
	// Child regions first, in their order; then the grids, the most
	// overdue first.
	slices.SortStableFunc(rows, func(a, b RegionLoad) int {
		ga, gb := a.Kind == "grid", b.Kind == "grid"
		switch {
		case ga != gb && ga:
			return 1
		case ga != gb:
			return -1
		case !ga:
			return 0
		}
		return cmp.Or(cmp.Compare(b.OpenOverdue, a.OpenOverdue), cmp.Compare(b.Open, a.Open), cmp.Compare(a.Code, b.Code))
	})
	seen := map[int64]bool{}
	for _, r := range rows {
		if seen[r.RegionID] {
			continue
		}
		seen[r.RegionID] = true
		if err := sh.row([]any{r.Code, r.Name, territory.Kind(r.Kind).Label().In(m.Lang), int64(r.Open), int64(r.OpenOverdue), share(r.OpenOverdue, r.Open)}, false); err != nil {
			return err
		}
	}
	return sh.row([]any{m.Region.Code, totalTitle.In(m.Lang) + "（" + m.Region.Name + "）", "", int64(m.This.Open), int64(m.This.OpenOverdue),
		share(m.This.OpenOverdue, m.This.Open)}, true)
}
