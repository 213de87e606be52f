package stats_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/stats"
	"github.com/xuri/excelize/v2"
)

func TestMonthlyReport(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := exportFixture(t, db)
		month, err := f.st.ParseMonth("2026-10")
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.st.Monthly(as(f.leader), stats.MonthlyOptions{RegionID: f.county.ID, Month: month})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := m.FileName(), "历下区_月度网格化服务管理工作报表_2026-10.xlsx"; got != want {
			t.Errorf("file name %q, want %q", got, want)
		}
		var buf bytes.Buffer
		if err := m.WriteXLSX(&buf); err != nil {
			t.Fatal(err)
		}
		x := openBook(t, buf.Bytes())
		if got, want := x.GetSheetList(), []string{"总体指标", "分区域", "分类别", "分渠道", "每日趋势", "超期未结"}; !cmp.Equal(got, want) {
			t.Fatalf("sheets %q, want %q", got, want)
		}
		for _, sh := range x.GetSheetList() {
			rows := cells(t, x, sh)
			if rows[0][0] != "历下区月度网格化服务管理工作报表（2026年10月）" {
				t.Errorf("%s: title %q", sh, rows[0][0])
			}
			if !strings.Contains(rows[1][0], "统计月份：2026年10月") || !strings.Contains(rows[1][0], "生成时间：2026-11-25 10:00") ||
				!strings.Contains(rows[1][0], "历下区（370102）") {
				t.Errorf("%s: subtitle %q", sh, rows[1][0])
			}
			if p, err := x.GetPanes(sh); err != nil || !p.Freeze || p.YSplit != 4 {
				t.Errorf("%s: panes %+v, %v", sh, p, err)
			}
		}

		// 总体指标: this month, last month, the change, the same month last
		// year, the change, the reference and whether it is reached.
		rows := cells(t, x, "总体指标")
		if !cmp.Equal(rows[2], []string{"指标", "本月", "上月", "较上月", "去年同月", "较去年同月", "参考值", "本月是否达到"}) {
			t.Errorf("overview headers %q", rows[2])
		}
		for _, want := range [][]string{
			{"上报数", "14", "5", "+9", "2", "+12"},
			{"结案数", "12", "5", "+7", "2", "+10"},
			{"按期结案率", "91.7%", "100.0%", "-8.3%", "50.0%", "+41.7%", "≥ 99.8%", "否"},
			{"结案率", "100.0%", "100.0%"},
			{"返工率", "8.3%", "", "", "", "", "≤ 0.1%", "否"},
			{"满意率", "80.0%", "", "", "", "", "91% – 94%", "否"},
			{"网格解决率（小事不出网格）", "50.0%", "100.0%", "-50.0%", "100.0%", "-50.0%"},
		} {
			got := rowOf(t, rows, 0, want[0])
			if !cmp.Equal(got[:min(len(got), len(want))], want) {
				t.Errorf("overview %q, want %q", got, want)
			}
		}
		// No change is a zero (excelize's renderer shows it with the
		// positive section; Excel uses the zero section).
		for i, r := range rows {
			if r[0] == "结案率" {
				raw, err := x.GetCellValue("总体指标", "D"+strconv.Itoa(i+1), excelize.Options{RawCellValue: true})
				if err != nil || raw != "0" || r[6] != "≥ 99.9%" || r[7] != "是" {
					t.Errorf("closure rate %q: change %q, %v", r, raw, err)
				}
			}
		}
		// The live backlog is not a month's figure.
		for _, r := range rows {
			if r[0] == "当前在办数" {
				t.Errorf("overview lists the live backlog")
			}
		}

		// 分区域: the streets ranked by on-time closure.
		rows = cells(t, x, "分区域")
		if !cmp.Equal(rows[2][:4], []string{"序号", "区域编码", "区域", "上报数"}) {
			t.Errorf("regions headers %q", rows[2])
		}
		if got := [][]string{rows[4][:4], rows[5][:4], rows[6][1:4]}; !cmp.Equal(got, [][]string{
			{"1", "370102002000", "千佛山街道", "4"}, {"2", "370102001000", "解放路街道", "10"}, {"", "合计", "14"}}) {
			t.Errorf("regions ranked %q", got)
		}

		rows = cells(t, x, "分类别")
		if got := [][]string{rows[4][:4], rows[5][:4]}; !cmp.Equal(got, [][]string{{"1", "LE0102", "供热管道漏水", "10"}, {"2", "LS0502", "楼道照明损坏", "4"}}) {
			t.Errorf("categories %q", got)
		}
		rows = cells(t, x, "分渠道")
		if got := [][]string{rows[4][1:4], rows[5][1:4]}; !cmp.Equal(got, [][]string{{"resident", "居民上报", "10"}, {"hotline", "12345热线", "4"}}) {
			t.Errorf("channels %q", got)
		}

		// 每日趋势: every day of October and the total.
		rows = cells(t, x, "每日趋势")
		if len(rows) != 4+31+1 {
			t.Fatalf("daily rows %d", len(rows))
		}
		if !cmp.Equal(rows[4][:2], []string{"2026-10-01", "0"}) || !cmp.Equal(rows[8][:2], []string{"2026-10-05", "10"}) ||
			!cmp.Equal(rows[13][:2], []string{"2026-10-10", "4"}) || !cmp.Equal(rows[35][:2], []string{"合计", "14"}) {
			t.Errorf("daily %q %q %q %q", rows[4], rows[8], rows[13], rows[35])
		}

		// 超期未结: counts per child region and grid, the case reported
		// today open in 解放路街道, its community and grid 1.
		rows = cells(t, x, "超期未结")
		if !cmp.Equal(rows[2], []string{"区域编码", "区域", "类型", "当前在办数", "当前超期未结数", "超期占比"}) {
			t.Errorf("overdue headers %q", rows[2])
		}
		var got [][]string
		for _, r := range rows[4:] {
			got = append(got, r[:4])
		}
		want := [][]string{
			{"370102001000", "解放路街道", "街道", "1"},
			{"370102002000", "千佛山街道", "街道", "0"},
			{"370102001001001", "水韵第一网格", "网格", "1"},
			{"370102001001002", "水韵第二网格", "网格", "0"},
			{"370102", "合计（历下区）", "", "1"},
		}
		if !cmp.Equal(got, want) {
			t.Errorf("overdue %q, want %q", got, want)
		}

		// In English.
		m.Lang = "en"
		buf.Reset()
		if err := m.WriteXLSX(&buf); err != nil {
			t.Fatal(err)
		}
		x = openBook(t, buf.Bytes())
		if got := x.GetSheetList(); !cmp.Equal(got, []string{"Overview", "By region", "By category", "By channel", "Daily", "Overdue"}) {
			t.Errorf("English sheets %q", got)
		}
		rows = cells(t, x, "Overview")
		if rows[2][0] != "Indicator" || rows[3][0] != "指标" || rowOf(t, rows, 0, "On-time closure")[6] != "≥ 99.8%" {
			t.Errorf("English overview %q %q", rows[2], rows[3])
		}
	})
}

// BenchmarkExport10M times the files on the 10-million-case district of
// BenchmarkKPI10M (run that first: it builds the cached database): the
// monthly report and year-long KPI tables, gathered and written.
func BenchmarkExport10M(b *testing.B) {
	if testing.Short() {
		b.Skip("needs the 10-million-case database; not with -short")
	}
	path := filepath.Join(os.TempDir(), "gridwork-stats-bench-v1.db")
	if _, err := os.Stat(path); err != nil {
		b.Skipf("%s is missing: run go test ./internal/stats -run '^$' -bench KPI10M first", path)
	}
	db, err := sqldb.Open(context.Background(), path, sqldb.Options{Logger: discard})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, shanghai) // the database's last day
	st := stats.NewService(db, stats.Options{Now: func() time.Time { return now }, Zone: shanghai, Logger: discard})
	ctx := sys()
	var district int64
	if err := db.QueryRow(ctx, `SELECT id FROM regions WHERE parent_id IS NULL`).Scan(&district); err != nil {
		b.Fatal(err)
	}
	month := local(2026, 10, 1, 0, 0)
	b.Run("Monthly/district", func(b *testing.B) {
		for b.Loop() {
			m, err := st.Monthly(ctx, stats.MonthlyOptions{RegionID: district, Month: month})
			if err == nil {
				err = m.WriteXLSX(io.Discard)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, c := range []struct {
		by     stats.Dim
		format stats.Format
	}{{stats.DimRegion, stats.FormatXLSX}, {stats.DimCategory, stats.FormatXLSX}, {stats.DimPerson, stats.FormatCSV}} {
		b.Run("Table/"+string(c.by)+"/365d/"+string(c.format), func(b *testing.B) {
			for b.Loop() {
				tab, err := st.Table(ctx, stats.TableOptions{RegionID: district, From: local(2025, 11, 25, 0, 0), To: local(2026, 11, 25, 0, 0), By: c.by})
				if err == nil {
					err = tab.Write(io.Discard, c.format)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
