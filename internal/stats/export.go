package stats

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/xuri/excelize/v2"
)

// Format is the file format of a KPI table.
type Format string

// The formats a KPI table is written in.
const (
	FormatXLSX Format = "xlsx"
	FormatCSV  Format = "csv"
)

// ParseFormat reads a format name; empty means .xlsx.
func ParseFormat(v string) (Format, error) {
	switch Format(strings.ToLower(v)) {
	case "", FormatXLSX:
		return FormatXLSX, nil
	case FormatCSV:
		return FormatCSV, nil
	}
	return "", apperr.Invalidf("format", "文件格式应为 xlsx 或 csv", "format must be xlsx or csv")
}

// utf8BOM starts the CSV files, so that Excel reads Chinese text as UTF-8.
const utf8BOM = "\ufeff"

// TableOptions choose a KPI table: one row per key of By (child regions by
// default) in the subtree of RegionID over the local days [From, To), and a
// total row.
type TableOptions struct {
	RegionID int64
	From, To time.Time
	// By is the dimension of the rows: DimRegion (the child regions, the
	// default), DimCategory, DimChannel, DimDepartment or DimPerson.
	By Dim
	// Limit caps the rows (0: every key the period has, up to 1,000).
	Limit int
	// Lang puts English first in titles and headers when "en"; Chinese
	// first otherwise. Both languages are in the .xlsx header.
	Lang string
}

// Table is a KPI table ready to be written as .xlsx or CSV: the KPIs of
// DESIGN §3, counts and rates, per row and in total.
type Table struct {
	Region   RegionRef
	From, To time.Time // local midnights, To exclusive
	By       Dim
	Lang     string
	At       time.Time // when the table was made, in the service's zone
	Rows     []Row
	Total    *KPIs
}

// RegionRef names the region a table or report is about.
type RegionRef struct {
	ID   int64
	Code string
	Name string
}

// Table gathers a KPI table. The actor needs case.read over the region;
// a bad dimension or period is an invalid error naming "by", "from" or
// "to", and nothing is read.
func (s *Service) Table(ctx context.Context, opt TableOptions) (*Table, error) {
	by := opt.By
	if by == DimTotal {
		by = DimRegion
	}
	if !by.Valid() {
		return nil, apperr.Invalidf("by", "分组维度应为 region、category、channel、department 或 person", "by must be region, category, channel, department or person")
	}
	if opt.Limit < 0 {
		return nil, apperr.Invalidf("limit", "行数上限不能为负数", "limit must not be negative")
	}
	q := Query{RegionID: opt.RegionID, From: opt.From, To: opt.To}
	total, err := s.KPIs(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("stats: table: %w", err)
	}
	limit := opt.Limit
	if limit == 0 {
		limit = maxRows
	}
	rows, err := s.Breakdown(ctx, q, by, limit)
	if err != nil {
		return nil, fmt.Errorf("stats: table: %w", err)
	}
	if by == DimRegion {
		if err := s.regionCodes(ctx, opt.RegionID, rows); err != nil {
			return nil, fmt.Errorf("stats: table: %w", err)
		}
	}
	rg, err := s.regionRef(ctx, opt.RegionID)
	if err != nil {
		return nil, fmt.Errorf("stats: table: %w", err)
	}
	return &Table{Region: rg, From: total.From.In(s.opt.Zone), To: total.To.In(s.opt.Zone), By: by, Lang: lang(opt.Lang),
		At: s.opt.Now().In(s.opt.Zone), Rows: rows, Total: total}, nil
}

// regionRef reads a region's code and name.
func (s *Service) regionRef(ctx context.Context, id int64) (RegionRef, error) {
	r := RegionRef{ID: id}
	if err := s.db.QueryRow(ctx, `SELECT code, name FROM regions WHERE id = $1`, id).Scan(&r.Code, &r.Name); err != nil {
		return r, fmt.Errorf("region %d: %w", id, sqldb.Translate(err))
	}
	return r, nil
}

// maxRows is the most rows a breakdown gives.
const maxRows = 1000

// regionCodes puts the division codes of child regions in the keys of
// their rows, in place of their ids: people who read a file know the codes.
func (s *Service) regionCodes(ctx context.Context, parent int64, rows []Row) error {
	codes := map[string]string{}
	rs, err := s.db.Query(ctx, `SELECT id, code FROM regions WHERE parent_id = $1`, parent)
	if err != nil {
		return fmt.Errorf("child regions: %w", sqldb.Translate(err))
	}
	defer rs.Close()
	for rs.Next() {
		var id int64
		var code string
		if err := rs.Scan(&id, &code); err != nil {
			return fmt.Errorf("child regions: %w", sqldb.Translate(err))
		}
		codes[strconv.FormatInt(id, 10)] = code
	}
	if err := rs.Err(); err != nil {
		return fmt.Errorf("child regions: %w", sqldb.Translate(err))
	}
	for i := range rows {
		if c, ok := codes[rows[i].Key]; ok {
			rows[i].Key = c
		}
	}
	return nil
}

// lang is "en" or "zh".
func lang(v string) string {
	if v == "en" {
		return "en"
	}
	return "zh"
}

// dimTitles name the dimensions of a table's rows.
var dimTitles = map[Dim]apperr.Text{
	DimRegion:     {ZH: "分区域", EN: "by region"},
	DimCategory:   {ZH: "分类别", EN: "by category"},
	DimChannel:    {ZH: "分渠道", EN: "by channel"},
	DimDepartment: {ZH: "分部门", EN: "by department"},
	DimPerson:     {ZH: "分人员", EN: "by person"},
}

// keyTitles name a table's first two columns for each dimension.
var keyTitles = map[Dim][2]apperr.Text{
	DimRegion:     {{ZH: "区域编码", EN: "Region code"}, {ZH: "区域", EN: "Region"}},
	DimCategory:   {{ZH: "类别编码", EN: "Category code"}, {ZH: "类别", EN: "Category"}},
	DimChannel:    {{ZH: "渠道代码", EN: "Channel code"}, {ZH: "渠道", EN: "Channel"}},
	DimDepartment: {{ZH: "部门编号", EN: "Department ID"}, {ZH: "部门", EN: "Department"}},
	DimPerson:     {{ZH: "人员编号", EN: "Person ID"}, {ZH: "人员", EN: "Person"}},
}

var totalTitle = apperr.Text{ZH: "合计", EN: "Total"}

// Title is the table's heading, e.g. "临江区 KPI 指标表（分区域）".
func (t *Table) Title() string {
	if t.Lang == "en" {
		return fmt.Sprintf("%s KPIs (%s)", t.Region.Name, dimTitles[t.By].EN)
	}
	return fmt.Sprintf("%s KPI 指标表（%s）", t.Region.Name, dimTitles[t.By].ZH)
}

// FileName is a name for the file of the table in format f, in UTF-8:
// "临江区_KPI_分区域_20261001-20261031.xlsx".
func (t *Table) FileName(f Format) string {
	return fmt.Sprintf("%s_KPI_%s_%s-%s.%s", t.Region.Name, strings.ReplaceAll(dimTitles[t.By].In(t.Lang), " ", "-"),
		t.From.Format("20060102"), t.To.AddDate(0, 0, -1).Format("20060102"), f)
}

// Write writes the table in format f.
func (t *Table) Write(w io.Writer, f Format) error {
	if f == FormatCSV {
		return t.WriteCSV(w)
	}
	return t.WriteXLSX(w)
}

// WriteCSV writes the table as CSV in UTF-8 with a byte-order mark: one
// header row in the table's language, a row per key, then the total row
// (empty key). Rates are percentages ("99.85%"), hours have one decimal, an
// empty cell is a rate without a denominator.
func (t *Table) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return fmt.Errorf("stats: csv: %w", err)
	}
	cw := csv.NewWriter(w)
	kt := keyTitles[t.By]
	header := []string{kt[0].In(t.Lang), kt[1].In(t.Lang)}
	for _, c := range kpiColumns {
		header = append(header, c.title.In(t.Lang))
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("stats: csv: %w", err)
	}
	line := func(key, label string, k *KPIs) error {
		rec := []string{csvText(key), csvText(label)}
		for _, c := range kpiColumns {
			rec = append(rec, c.text(k))
		}
		return cw.Write(rec)
	}
	for i := range t.Rows {
		if err := line(t.Rows[i].Key, t.Rows[i].Label, &t.Rows[i].KPIs); err != nil {
			return fmt.Errorf("stats: csv: %w", err)
		}
	}
	if err := line("", totalTitle.In(t.Lang), t.Total); err != nil {
		return fmt.Errorf("stats: csv: %w", err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("stats: csv: %w", err)
	}
	return nil
}

// csvText keeps a text cell from being taken for a formula by a
// spreadsheet program (CSV injection): a leading = + - @ or control
// character gets a quote before it.
func csvText(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// WriteXLSX writes the table as a one-sheet workbook: a title row (region,
// period), the generation time, the column titles in both languages (the
// table's first), a row per key and the total row; the titles and the key
// columns stay frozen, rates are formatted 0.0%.
func (t *Table) WriteXLSX(w io.Writer) error {
	b, err := newBook(t.Lang)
	if err != nil {
		return fmt.Errorf("stats: xlsx: %w", err)
	}
	defer b.close()
	kt := keyTitles[t.By]
	cols := []sheetCol{{title: kt[0], width: 14, kind: kindKey}, {title: kt[1], width: 22, kind: kindLabel}}
	for _, c := range kpiColumns {
		cols = append(cols, sheetCol{title: c.title, width: c.width(), kind: c.kind})
	}
	sh, err := b.sheet(apperr.Text{ZH: "KPI指标", EN: "KPIs"}, cols, 2)
	if err != nil {
		return fmt.Errorf("stats: xlsx: %w", err)
	}
	if err := sh.heading(t.Title(), b.periodLine(t.From, t.To, t.At)); err != nil {
		return fmt.Errorf("stats: xlsx: %w", err)
	}
	if err := sh.headers(); err != nil {
		return fmt.Errorf("stats: xlsx: %w", err)
	}
	line := func(key, label string, k *KPIs, total bool) error {
		cells := []any{key, label}
		for _, c := range kpiColumns {
			cells = append(cells, c.cell(k))
		}
		return sh.row(cells, total)
	}
	for i := range t.Rows {
		if err := line(t.Rows[i].Key, t.Rows[i].Label, &t.Rows[i].KPIs, false); err != nil {
			return fmt.Errorf("stats: xlsx: %w", err)
		}
	}
	if err := line("", totalTitle.In(t.Lang), t.Total, true); err != nil {
		return fmt.Errorf("stats: xlsx: %w", err)
	}
	return b.write(w)
}

// kind is how a KPI column's values read and are formatted.
type kind int

const (
	kindCount    kind = iota // a number of cases or events: #,##0
	kindRate                 // a share: 0.0%
	kindHours                // a duration in hours: 0.0
	kindMultiple             // time used / time limit: 0.00
	kindKey                  // a code or id, kept as text
	kindLabel                // a name
)

// column is one KPI of the exports: its titles, how it is formatted, and
// how it is read from a KPIs. value answers false when the KPI has no
// value (a rate without denominator).
type column struct {
	key   string // the JSON name of the figure
	title apperr.Text
	kind  kind
	live  bool // depends on the moment, not on the period
	value func(k *KPIs) (float64, bool)
}

func (c column) width() float64 {
	if c.kind == kindCount {
		return 10
	}
	return 11
}

// cell is the column's value for a workbook cell: an int64, a float64 or
// nil.
func (c column) cell(k *KPIs) any {
	v, ok := c.value(k)
	switch {
	case !ok:
		return nil
	case c.kind == kindCount:
		return int64(v)
	}
	return v
}

// text is the column's value for a CSV cell.
func (c column) text(k *KPIs) string {
	v, ok := c.value(k)
	if !ok {
		return ""
	}
	switch c.kind {
	case kindCount:
		return strconv.FormatInt(int64(v), 10)
	case kindRate:
		return strconv.FormatFloat(v*100, 'f', 2, 64) + "%"
	case kindMultiple:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// count is a column of a counter.
func count(key, zh, en string, f func(c *Counters) int64) column {
	return column{key: key, title: apperr.Text{ZH: zh, EN: en}, kind: kindCount,
		value: func(k *KPIs) (float64, bool) { return float64(f(&k.Counters)), true }}
}

// figure is a column of a KPI that may have no value.
func figure(key, zh, en string, kd kind, f func(k *KPIs) *float64) column {
	return column{key: key, title: apperr.Text{ZH: zh, EN: en}, kind: kd, value: func(k *KPIs) (float64, bool) {
		if v := f(k); v != nil {
			return *v, true
		}
		return 0, false
	}}
}

// tierShare is the column of the share of closed cases closed at a tier.
func tierShare(key, zh, en string, f func(c *Counters) int64) column {
	return column{key: key, title: apperr.Text{ZH: zh, EN: en}, kind: kindRate, value: func(k *KPIs) (float64, bool) {
		if k.Closed <= 0 {
			return 0, false
		}
		return float64(f(&k.Counters)) / float64(k.Closed), true
	}}
}

// kpiColumns are the KPIs of DESIGN §3 as exported, counts first, then
// rates, times, and the live backlog.
var kpiColumns = []column{
	count("reported", "上报数", "Reported", func(c *Counters) int64 { return c.Reported }),
	count("registered", "立案数", "Registered", func(c *Counters) int64 { return c.Registered }),
	count("rejected", "不予立案数", "Rejected", func(c *Counters) int64 { return c.Rejected }),
	count("cancelled", "重复撤销数", "Cancelled duplicates", func(c *Counters) int64 { return c.Cancelled }),
	count("dispatched", "派遣数", "Dispatched", func(c *Counters) int64 { return c.Dispatched }),
	count("returned", "退回数", "Returned", func(c *Counters) int64 { return c.Returned }),
	count("handled", "处置数", "Handled", func(c *Counters) int64 { return c.Handled }),
	count("rework", "返工数", "Rework", func(c *Counters) int64 { return c.Rework }),
	count("verified", "核查通过数", "Verified", func(c *Counters) int64 { return c.Verified }),
	count("closed", "结案数", "Closed", func(c *Counters) int64 { return c.Closed }),
	count("closed_on_time", "按期结案数", "Closed on time", func(c *Counters) int64 { return c.ClosedOnTime }),
	{key: "due_to_close", title: apperr.Text{ZH: "应结案数", EN: "Due to close"}, kind: kindCount,
		value: func(k *KPIs) (float64, bool) { return float64(k.DueToClose), true }},
	{key: "open_overdue_in_period", title: apperr.Text{ZH: "期内到期未结数", EN: "Due in period, still open"}, kind: kindCount,
		value: func(k *KPIs) (float64, bool) { return float64(k.OpenOverdueInPeriod), true }},
	count("reopened", "重新办理数", "Reopened", func(c *Counters) int64 { return c.Reopened }),
	count("escalated", "提级办理数", "Escalated", func(c *Counters) int64 { return c.Escalated }),
	count("supervised", "督办数", "Supervised", func(c *Counters) int64 { return c.Supervised }),
	count("overtime", "超时处置数", "Handled over time", func(c *Counters) int64 { return c.Overtime }),
	count("ratings", "评价数", "Ratings", func(c *Counters) int64 { return c.Ratings }),
	count("satisfied", "满意数", "Satisfied", func(c *Counters) int64 { return c.Satisfied }),
	count("basic", "基本满意数", "Basically satisfied", func(c *Counters) int64 { return c.Basic }),
	count("unsatisfied", "不满意数", "Unsatisfied", func(c *Counters) int64 { return c.Unsatisfied }),

	figure("registration_rate", "立案率", "Registration rate", kindRate, func(k *KPIs) *float64 { return k.RegistrationRate }),
	figure("accurate_registration", "准确立案率", "Accurate registration", kindRate, func(k *KPIs) *float64 { return k.AccurateRegistration }),
	figure("on_time_registration", "按时立案率", "On-time registration", kindRate, func(k *KPIs) *float64 { return k.OnTimeRegistration }),
	figure("on_time_dispatch", "按时派遣率", "On-time dispatch", kindRate, func(k *KPIs) *float64 { return k.OnTimeDispatch }),
	figure("dispatch_accuracy", "派遣准确率", "Dispatch accuracy", kindRate, func(k *KPIs) *float64 { return k.DispatchAccuracy }),
	figure("handling_rate", "处置率", "Handling rate", kindRate, func(k *KPIs) *float64 { return k.HandlingRate }),
	figure("on_time_handling", "按时处置率", "On-time handling", kindRate, func(k *KPIs) *float64 { return k.OnTimeHandling }),
	figure("on_time_verify", "按时核查率", "On-time verification", kindRate, func(k *KPIs) *float64 { return k.OnTimeVerify }),
	figure("rework_rate", "返工率", "Rework rate", kindRate, func(k *KPIs) *float64 { return k.ReworkRate }),
	figure("reopen_rate", "重新办理率", "Reopen rate", kindRate, func(k *KPIs) *float64 { return k.ReopenRate }),
	figure("closure_rate", "结案率", "Closure rate", kindRate, func(k *KPIs) *float64 { return k.ClosureRate }),
	figure("on_time_closure", "按期结案率", "On-time closure", kindRate, func(k *KPIs) *float64 { return k.OnTimeClosure }),
	figure("satisfaction", "满意率", "Satisfaction", kindRate, func(k *KPIs) *float64 { return k.Satisfaction }),
	tierShare("grid_share", "网格解决率（小事不出网格）", "Closed at grid tier", func(c *Counters) int64 { return c.ClosedGrid }),
	tierShare("community_share", "社区解决率", "Closed at community tier", func(c *Counters) int64 { return c.ClosedCommunity }),
	tierShare("street_share", "街道解决率", "Closed at street tier", func(c *Counters) int64 { return c.ClosedStreet }),
	tierShare("district_share", "区县解决率", "Closed at district tier", func(c *Counters) int64 { return c.ClosedDistrict }),
	tierShare("city_share", "市级解决率", "Closed at city tier", func(c *Counters) int64 { return c.ClosedCity }),
	figure("overtime_multiple", "超时倍数（用时/时限）", "Overtime multiple (used/limit)", kindMultiple, func(k *KPIs) *float64 { return k.OvertimeMultiple }),
	figure("avg_handle_hours", "平均处置时长（小时）", "Mean handling time (h)", kindHours, func(k *KPIs) *float64 { return k.AvgHandleHours }),
	figure("p90_handle_hours", "处置时长90分位（小时）", "P90 handling time (h)", kindHours, func(k *KPIs) *float64 { return k.P90HandleHours }),

	{key: "open", title: apperr.Text{ZH: "当前在办数", EN: "Open now"}, kind: kindCount, live: true,
		value: func(k *KPIs) (float64, bool) { return float64(k.Open), true }},
	{key: "open_overdue", title: apperr.Text{ZH: "当前超期未结数", EN: "Overdue now"}, kind: kindCount, live: true,
		value: func(k *KPIs) (float64, bool) { return float64(k.OpenOverdue), true }},
	func() column {
		c := figure("backlog_avg_hours", "积压平均时长（小时）", "Backlog mean age (h)", kindHours, func(k *KPIs) *float64 { return k.BacklogAvgHours })
		c.live = true
		return c
	}(),
	func() column {
		c := figure("backlog_p90_hours", "积压时长90分位（小时）", "Backlog P90 age (h)", kindHours, func(k *KPIs) *float64 { return k.BacklogP90Hours })
		c.live = true
		return c
	}(),
}

// columnByKey returns the KPI column of a JSON name; it panics on a name
// that is not one, a programming error.
func columnByKey(key string) column {
	for _, c := range kpiColumns {
		if c.key == key {
			return c
		}
	}
	panic("stats: no KPI column " + key)
}

// book is a workbook being written sheet by sheet with stream writers.
type book struct {
	f      *excelize.File
	lang   string
	st     bookStyles
	sheets int
	open   *sheet // the sheet being written, flushed when the next starts
}

// bookStyles are the cell styles of the exported workbooks.
type bookStyles struct {
	title, meta, header, header2, text, textTotal int
	num, numTotal                                 [kindLabel + 1]int // by kind
	diff                                          [kindLabel + 1]int // signed differences, by kind
	date                                          int
}

func newBook(lang string) (*book, error) {
	b := &book{f: excelize.NewFile(), lang: lang}
	border := []excelize.Border{
		{Type: "left", Color: "B4B4B4", Style: 1}, {Type: "right", Color: "B4B4B4", Style: 1},
		{Type: "top", Color: "B4B4B4", Style: 1}, {Type: "bottom", Color: "B4B4B4", Style: 1},
	}
	center := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	fill := func(c string) excelize.Fill { return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{c}} }
	fmtOf := func(k kind, signed bool) *string {
		var s string
		switch k {
		case kindCount:
			s = "#,##0"
			if signed {
				s = "+#,##0;-#,##0;0"
			}
		case kindRate:
			s = "0.0%"
			if signed {
				s = "+0.0%;-0.0%;0.0%"
			}
		case kindHours:
			s = "0.0"
			if signed {
				s = "+0.0;-0.0;0.0"
			}
		case kindMultiple:
			s = "0.00"
			if signed {
				s = "+0.00;-0.00;0.00"
			}
		default:
			s = "@"
		}
		return &s
	}
	bold := &excelize.Font{Bold: true}
	defs := []struct {
		dst *int
		s   *excelize.Style
	}{
		{&b.st.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&b.st.meta, &excelize.Style{Font: &excelize.Font{Color: "595959"}}},
		{&b.st.header, &excelize.Style{Font: bold, Border: border, Alignment: center, Fill: fill("DDEBF7")}},
		{&b.st.header2, &excelize.Style{Font: &excelize.Font{Italic: true, Color: "404040", Size: 9}, Border: border, Alignment: center, Fill: fill("F2F2F2")}},
		{&b.st.text, &excelize.Style{Border: border}},
		{&b.st.textTotal, &excelize.Style{Border: border, Font: bold, Fill: fill("FFF2CC")}},
		{&b.st.date, &excelize.Style{Border: border, CustomNumFmt: ptr("yyyy-mm-dd")}},
	}
	for k := kindCount; k <= kindLabel; k++ {
		defs = append(defs,
			struct {
				dst *int
				s   *excelize.Style
			}{&b.st.num[k], &excelize.Style{Border: border, CustomNumFmt: fmtOf(k, false)}},
			struct {
				dst *int
				s   *excelize.Style
			}{&b.st.numTotal[k], &excelize.Style{Border: border, Font: bold, Fill: fill("FFF2CC"), CustomNumFmt: fmtOf(k, false)}},
			struct {
				dst *int
				s   *excelize.Style
			}{&b.st.diff[k], &excelize.Style{Border: border, CustomNumFmt: fmtOf(k, true)}})
	}
	for _, d := range defs {
		id, err := b.f.NewStyle(d.s)
		if err != nil {
			b.f.Close()
			return nil, fmt.Errorf("style: %w", err)
		}
		*d.dst = id
	}
	return b, nil
}

func ptr[T any](v T) *T { return &v }

func (b *book) close() { b.f.Close() }

// periodLine is the second line of a sheet: the period and when it was
// made.
func (b *book) periodLine(from, to, at time.Time) string {
	last := to.AddDate(0, 0, -1)
	if b.lang == "en" {
		return fmt.Sprintf("Period: %s to %s    Generated: %s", from.Format(time.DateOnly), last.Format(time.DateOnly), at.Format("2006-01-02 15:04"))
	}
	return fmt.Sprintf("统计期间：%s 至 %s    生成时间：%s", from.Format(time.DateOnly), last.Format(time.DateOnly), at.Format("2006-01-02 15:04"))
}

// sheetCol is a column of a sheet: its titles, width and format.
type sheetCol struct {
	title apperr.Text
	width float64
	kind  kind
}

// sheet is one worksheet being streamed: a two-line heading, the column
// titles in both languages, then rows.
type sheet struct {
	b    *book
	sw   *excelize.StreamWriter
	cols []sheetCol
	at   int // the last row written
}

// headRows are the rows above a sheet's data: title, period line, the
// column titles in the first and in the second language.
const headRows = 4

// sheet starts a worksheet named in the book's language. frozen columns
// stay in view beside the data, as do the heading rows.
func (b *book) sheet(name apperr.Text, cols []sheetCol, frozen int) (*sheet, error) {
	if b.open != nil {
		if err := b.open.sw.Flush(); err != nil {
			return nil, err
		}
		b.open = nil
	}
	title := name.In(b.lang)
	if b.sheets == 0 {
		if err := b.f.SetSheetName(b.f.GetSheetName(0), title); err != nil {
			return nil, err
		}
	} else if _, err := b.f.NewSheet(title); err != nil {
		return nil, err
	}
	b.sheets++
	sw, err := b.f.NewStreamWriter(title)
	if err != nil {
		return nil, err
	}
	for j, c := range cols {
		if err := sw.SetColWidth(j+1, j+1, c.width); err != nil {
			return nil, err
		}
	}
	top, _ := excelize.CoordinatesToCellName(frozen+1, headRows+1)
	pane := &excelize.Panes{Freeze: true, XSplit: frozen, YSplit: headRows, TopLeftCell: top, ActivePane: "bottomRight"}
	if frozen == 0 {
		pane.ActivePane = "bottomLeft"
	}
	if err := sw.SetPanes(pane); err != nil {
		return nil, err
	}
	sh := &sheet{b: b, sw: sw, cols: cols}
	b.open = sh
	return sh, nil
}

// heading writes the title and the period line, each across the sheet.
func (sh *sheet) heading(title, sub string) error {
	last, _ := excelize.ColumnNumberToName(max(len(sh.cols), 1))
	if err := sh.sw.SetRow("A1", []any{excelize.Cell{StyleID: sh.b.st.title, Value: title}}, excelize.RowOpts{Height: 24}); err != nil {
		return err
	}
	if err := sh.sw.SetRow("A2", []any{excelize.Cell{StyleID: sh.b.st.meta, Value: sub}}); err != nil {
		return err
	}
	if err := sh.sw.MergeCell("A1", last+"1"); err != nil {
		return err
	}
	sh.at = 2
	return sh.sw.MergeCell("A2", last+"2")
}

// headers writes the column titles, in the book's language first and the
// other second.
func (sh *sheet) headers() error {
	other := "en"
	if sh.b.lang == "en" {
		other = "zh"
	}
	first := make([]any, len(sh.cols))
	second := make([]any, len(sh.cols))
	for j, c := range sh.cols {
		first[j] = excelize.Cell{StyleID: sh.b.st.header, Value: c.title.In(sh.b.lang)}
		second[j] = excelize.Cell{StyleID: sh.b.st.header2, Value: c.title.In(other)}
	}
	if err := sh.sw.SetRow("A3", first, excelize.RowOpts{Height: 42}); err != nil {
		return err
	}
	sh.at = headRows
	return sh.sw.SetRow("A4", second, excelize.RowOpts{Height: 24})
}

// row writes a data row; each value takes its column's format, and a total
// row is bold. A nil value leaves an empty (formatted) cell; an
// excelize.Cell is written as it is.
func (sh *sheet) row(values []any, total bool) error {
	cells := make([]any, len(values))
	for j, v := range values {
		if c, ok := v.(excelize.Cell); ok {
			cells[j] = c
			continue
		}
		k := kindLabel
		if j < len(sh.cols) {
			k = sh.cols[j].kind
		}
		cells[j] = excelize.Cell{StyleID: sh.style(k, total, v), Value: v}
	}
	sh.at++
	cell, _ := excelize.CoordinatesToCellName(1, sh.at)
	return sh.sw.SetRow(cell, cells)
}

// style picks the cell style of a value of a column's kind.
func (sh *sheet) style(k kind, total bool, v any) int {
	st := &sh.b.st
	if _, ok := v.(time.Time); ok {
		return st.date
	}
	switch {
	case k == kindKey || k == kindLabel:
		if total {
			return st.textTotal
		}
		return st.text
	case total:
		return st.numTotal[k]
	}
	return st.num[k]
}

// write finishes the workbook into w.
func (b *book) write(w io.Writer) error {
	if b.open != nil {
		if err := b.open.sw.Flush(); err != nil {
			return fmt.Errorf("stats: xlsx: %w", err)
		}
		b.open = nil
	}
	b.f.SetActiveSheet(0)
	if err := b.f.Write(w); err != nil {
		return fmt.Errorf("stats: xlsx: write: %w", err)
	}
	return nil
}
