package stats_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/stats"
	"github.com/xuri/excelize/v2"
)

// exportFixture is the test territory with known rollups, inserted through
// the engine's Aggregator, and one real open case reported now
// (2026-11-25 10:00):
//
//	2026-10-05 grid 1, LE0102 供热管道漏水, resident: 10 reported, 9 registered, 9 dispatched,
//	           1 returned, 8 handled, 1 rework, 8 closed (7 on time, 6 at grid tier),
//	           5 ratings (4 satisfied)
//	2026-10-10 street 2, LS0502 楼道照明损坏, hotline: 4 reported, registered, handled,
//	           closed on time at street tier
//	2026-09-15 grid 1, LE0102, resident: 5 reported, closed on time
//	2025-10-20 grid 1, LE0102, resident: 2 reported, 2 closed, 1 on time
func exportFixture(t *testing.T, db *sqldb.DB) *fixture {
	t.Helper()
	f := newFixture(t, db)
	agg := stats.NewAggregator()
	agg.Add(
		stats.Fact{Day: 20261005, RegionID: f.grid1.ID, RegionPath: f.grid1.Path, Category: "LE0102", Channel: "resident",
			C: stats.Counters{Reported: 10, Registered: 9, Dispatched: 9, Returned: 1, Handled: 8, Rework: 1, Closed: 8,
				ClosedOnTime: 7, ClosedGrid: 6, ClosedCommunity: 2, Ratings: 5, Satisfied: 4}},
		stats.Fact{Day: 20261010, RegionID: f.street2.ID, RegionPath: f.street2.Path, Category: "LS0502", Channel: "hotline",
			C: stats.Counters{Reported: 4, Registered: 4, Handled: 4, Closed: 4, ClosedOnTime: 4, ClosedStreet: 4}},
		stats.Fact{Day: 20260915, RegionID: f.grid1.ID, RegionPath: f.grid1.Path, Category: "LE0102", Channel: "resident",
			C: stats.Counters{Reported: 5, Closed: 5, ClosedOnTime: 5, ClosedGrid: 5}},
		stats.Fact{Day: 20251020, RegionID: f.grid1.ID, RegionPath: f.grid1.Path, Category: "LE0102", Channel: "resident",
			C: stats.Counters{Reported: 2, Closed: 2, ClosedOnTime: 1, ClosedGrid: 2}},
	)
	if err := db.Transact(sys(), func(tx *sqldb.Tx) error { return agg.Flush(sys(), tx) }); err != nil {
		t.Fatalf("flush rollups: %v", err)
	}
	f.at(local(2026, 11, 25, 10, 0))
	f.report(f.resident, f.leak())
	f.drain()
	return f
}

// october is the period of the tests' exports.
var october = [2]time.Time{local(2026, 10, 1, 0, 0), local(2026, 11, 1, 0, 0)}

// openBook opens a produced workbook.
func openBook(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

// cells reads a sheet's cells as Excel shows them (number formats applied).
func cells(t *testing.T, x *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatalf("rows of %s: %v", sheet, err)
	}
	return rows
}

// column finds a header in row 3 (the first header row) and returns its
// index.
func column(t *testing.T, rows [][]string, title string) int {
	t.Helper()
	for j, h := range rows[2] {
		if h == title {
			return j
		}
	}
	t.Fatalf("no column %q in %q", title, rows[2])
	return -1
}

// rowOf finds the row whose column j holds v.
func rowOf(t *testing.T, rows [][]string, j int, v string) []string {
	t.Helper()
	for _, r := range rows {
		if j < len(r) && r[j] == v {
			return r
		}
	}
	t.Fatalf("no row with %q in column %d", v, j)
	return nil
}

func TestTableXLSX(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := exportFixture(t, db)
		tab, err := f.st.Table(as(f.leader), stats.TableOptions{RegionID: f.county.ID, From: october[0], To: october[1]})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := tab.FileName(stats.FormatXLSX), "历下区_KPI_分区域_20261001-20261031.xlsx"; got != want {
			t.Errorf("file name %q, want %q", got, want)
		}
		var buf bytes.Buffer
		if err := tab.Write(&buf, stats.FormatXLSX); err != nil {
			t.Fatal(err)
		}
		x := openBook(t, buf.Bytes())
		if got := x.GetSheetList(); !cmp.Equal(got, []string{"KPI指标"}) {
			t.Fatalf("sheets %q", got)
		}
		rows := cells(t, x, "KPI指标")
		if rows[0][0] != "历下区 KPI 指标表（分区域）" {
			t.Errorf("title %q", rows[0][0])
		}
		if want := "统计期间：2026-10-01 至 2026-10-31    生成时间：2026-11-25 10:00"; rows[1][0] != want {
			t.Errorf("period line %q, want %q", rows[1][0], want)
		}
		if !cmp.Equal(rows[2][:4], []string{"区域编码", "区域", "上报数", "立案数"}) || !cmp.Equal(rows[3][:4], []string{"Region code", "Region", "Reported", "Registered"}) {
			t.Errorf("headers %q / %q", rows[2][:4], rows[3][:4])
		}
		// Every KPI of DESIGN §3 has its column.
		for _, h := range []string{"准确立案率", "按时立案率", "按时派遣率", "派遣准确率", "处置率", "按时处置率", "按时核查率", "返工率",
			"重新办理率", "结案率", "按期结案率", "超时倍数（用时/时限）", "满意率", "网格解决率（小事不出网格）", "平均处置时长（小时）",
			"处置时长90分位（小时）", "积压平均时长（小时）", "当前超期未结数"} {
			column(t, rows, h)
		}
		// The child regions in code order, then the total.
		if len(rows) != 7 {
			t.Fatalf("%d rows, want title, period, 2 headers, 2 streets and the total: %q", len(rows), rows)
		}
		reported, regRate, onTime, grid, accuracy, open := column(t, rows, "上报数"), column(t, rows, "立案率"),
			column(t, rows, "按期结案率"), column(t, rows, "网格解决率（小事不出网格）"), column(t, rows, "派遣准确率"), column(t, rows, "当前在办数")
		pick := func(r []string, js ...int) []string {
			var out []string
			for _, j := range js {
				out = append(out, r[j])
			}
			return out
		}
		for i, want := range [][]string{
			{"370102001000", "解放路街道", "10", "90.0%", "87.5%", "75.0%", "77.8%", "1"},
			{"370102002000", "千佛山街道", "4", "100.0%", "100.0%", "0.0%", "", "0"},
			{"", "合计", "14", "92.9%", "91.7%", "50.0%", "77.8%", "1"},
		} {
			if got := pick(rows[4+i], 0, 1, reported, regRate, onTime, grid, accuracy, open); !cmp.Equal(got, want) {
				t.Errorf("row %d: %q, want %q", 5+i, got, want)
			}
		}
		// The raw value behind a rate is the fraction, formatted 0.0%.
		cell, _ := excelize.CoordinatesToCellName(regRate+1, 5)
		raw, err := x.GetCellValue("KPI指标", cell, excelize.Options{RawCellValue: true})
		if err != nil || raw != "0.9" {
			t.Errorf("raw %s = %q, %v; want 0.9", cell, raw, err)
		}
		panes, err := x.GetPanes("KPI指标")
		if err != nil || !panes.Freeze || panes.YSplit != 4 || panes.XSplit != 2 {
			t.Errorf("panes %+v, %v: want the headers and the key columns frozen", panes, err)
		}
		if w, _ := x.GetColWidth("KPI指标", "B"); w < 20 {
			t.Errorf("name column width %v", w)
		}

		// By category, in English first.
		tab, err = f.st.Table(as(f.leader), stats.TableOptions{RegionID: f.county.ID, From: october[0], To: october[1], By: stats.DimCategory, Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		if err := tab.WriteXLSX(&buf); err != nil {
			t.Fatal(err)
		}
		x = openBook(t, buf.Bytes())
		rows = cells(t, x, "KPIs")
		if rows[0][0] != "历下区 KPIs (by category)" || rows[2][0] != "Category code" || rows[3][0] != "类别编码" {
			t.Errorf("English table: %q %q %q", rows[0][0], rows[2][0], rows[3][0])
		}
		if got := pick(rows[4], 0, 1, 2); !cmp.Equal(got, []string{"LE0102", "供热管道漏水", "10"}) {
			t.Errorf("first category %q", got)
		}
		if got := pick(rows[5], 0, 1, 2); !cmp.Equal(got, []string{"LS0502", "楼道照明损坏", "4"}) {
			t.Errorf("second category %q", got)
		}
	})
}

func TestTableCSV(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := exportFixture(t, db)
		tab, err := f.st.Table(as(f.leader), stats.TableOptions{RegionID: f.county.ID, From: october[0], To: october[1], By: stats.DimChannel})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := tab.Write(&buf, stats.FormatCSV); err != nil {
			t.Fatal(err)
		}
		body, ok := strings.CutPrefix(buf.String(), "\ufeff")
		if !ok {
			t.Fatal("no byte-order mark")
		}
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("parse CSV: %v", err)
		}
		head := recs[0]
		if !cmp.Equal(head[:3], []string{"渠道代码", "渠道", "上报数"}) {
			t.Errorf("header %q", head[:3])
		}
		col := func(title string) int {
			for j, h := range head {
				if h == title {
					return j
				}
			}
			t.Fatalf("no column %q", title)
			return -1
		}
		if len(recs) != 4 {
			t.Fatalf("%d records, want header, two channels, total: %q", len(recs), recs)
		}
		for i, want := range [][]string{
			{"resident", "居民上报", "10", "90.00%", "87.50%", "80.00%", ""},
			{"hotline", "12345热线", "4", "100.00%", "100.00%", "", ""},
			{"", "合计", "14", "92.86%", "91.67%", "80.00%", ""},
		} {
			r := recs[1+i]
			got := []string{r[0], r[1], r[col("上报数")], r[col("立案率")], r[col("按期结案率")], r[col("满意率")], r[col("超时倍数（用时/时限）")]}
			if !cmp.Equal(got, want) {
				t.Errorf("record %d: %q, want %q", 1+i, got, want)
			}
		}

		// English headers with lang=en.
		tab.Lang = "en"
		buf.Reset()
		if err := tab.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		recs, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
		if err != nil || recs[0][2] != "Reported" || recs[len(recs)-1][1] != "Total" {
			t.Errorf("English CSV: %q, %v", recs, err)
		}

		// A name that a spreadsheet would take for a formula is quoted.
		dept, err := f.cat.CreateDepartment(sys(), category.DepartmentInput{Name: "=HYPERLINK(\"x\")维修队", Kind: category.DeptProperty, RegionID: f.county.ID})
		if err != nil {
			t.Fatal(err)
		}
		agg := stats.NewAggregator()
		agg.Add(stats.Fact{Day: 20261012, RegionID: f.grid1.ID, RegionPath: f.grid1.Path, Category: "LE0102", Channel: "resident",
			DepartmentID: dept.ID, C: stats.Counters{Dispatched: 3}})
		if err := db.Transact(sys(), func(tx *sqldb.Tx) error { return agg.Flush(sys(), tx) }); err != nil {
			t.Fatal(err)
		}
		tab, err = f.st.Table(as(f.leader), stats.TableOptions{RegionID: f.county.ID, From: october[0], To: october[1], By: stats.DimDepartment})
		if err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		if err := tab.WriteCSV(&buf); err != nil {
			t.Fatal(err)
		}
		recs, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
		if err != nil || len(recs) != 3 || recs[1][1] != "'=HYPERLINK(\"x\")维修队" || recs[1][col("派遣数")] != "3" {
			t.Errorf("department CSV: %q, %v", recs, err)
		}
	})
}

func TestExportBadInputAndScope(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := exportFixture(t, db)
		ctx := as(f.leader)
		_, err := f.st.Table(ctx, stats.TableOptions{RegionID: f.county.ID, From: october[0], To: october[1], By: "street"})
		wantErr(t, err, apperr.Invalid, "by")
		_, err = f.st.Table(ctx, stats.TableOptions{RegionID: f.county.ID, From: october[1], To: october[0]})
		wantErr(t, err, apperr.Invalid, "to")
		_, err = f.st.Table(ctx, stats.TableOptions{From: october[0], To: october[1]})
		wantErr(t, err, apperr.Invalid, "region_id")
		_, err = stats.ParseFormat("pdf")
		wantErr(t, err, apperr.Invalid, "format")
		for _, m := range []string{"2026-13", "2026-1", "202610", "2026-10-01", "", "2026-12"} {
			_, err = f.st.ParseMonth(m)
			wantErr(t, err, apperr.Invalid, "month")
		}
		if m, err := f.st.ParseMonth("2026-11"); err != nil || !m.Equal(local(2026, 11, 1, 0, 0)) {
			t.Errorf("ParseMonth(2026-11) = %v, %v", m, err)
		}
		_, err = f.st.Monthly(ctx, stats.MonthlyOptions{RegionID: f.county.ID})
		wantErr(t, err, apperr.Invalid, "month")

		// A street's leader reads their street, not the county nor the
		// other street.
		_, err = f.st.Table(as(f.leader2), stats.TableOptions{RegionID: f.county.ID, From: october[0], To: october[1]})
		wantErr(t, err, apperr.Forbidden, "")
		_, err = f.st.Monthly(as(f.leader2), stats.MonthlyOptions{RegionID: f.street.ID, Month: october[0]})
		wantErr(t, err, apperr.Forbidden, "")
		_, err = f.st.Table(as(f.resident), stats.TableOptions{RegionID: f.grid1.ID, From: october[0], To: october[1]})
		wantErr(t, err, apperr.Forbidden, "")
		tab, err := f.st.Table(as(f.leader2), stats.TableOptions{RegionID: f.street2.ID, From: october[0], To: october[1]})
		if err != nil || tab.Total.Reported != 4 || len(tab.Rows) != 0 {
			t.Errorf("street 2's own table: %+v, %v", tab, err)
		}
	})
}
