package web_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/stats"
	"github.com/xuri/excelize/v2"
)

// TestStatsExport downloads KPI tables and the monthly report over HTTP:
// files, names, scope and bad input.
func TestStatsExport(t *testing.T) {
	engines(t, time.Date(2026, 11, 25, 10, 0, 0, 0, shanghai), func(t *testing.T, w *caseWorld) {
		ctx := auth.WithActor(t.Context(), auth.SystemActor())
		grid, grid2 := w.regions["330110001001001"], w.regions["330110001001002"]
		agg := stats.NewAggregator()
		agg.Add(
			stats.Fact{Day: 20261005, RegionID: grid.ID, RegionPath: grid.Path, Category: "LE0102", Channel: "resident",
				C: stats.Counters{Reported: 6, Registered: 6, Closed: 5, ClosedOnTime: 5, ClosedGrid: 5, Ratings: 4, Satisfied: 4}},
			stats.Fact{Day: 20261020, RegionID: grid2.ID, RegionPath: grid2.Path, Category: "LS0502", Channel: "hotline",
				C: stats.Counters{Reported: 2, Registered: 1, Closed: 1, ClosedOnTime: 0}},
		)
		if err := w.db.Transact(ctx, func(tx *sqldb.Tx) error { return agg.Flush(ctx, tx) }); err != nil {
			t.Fatal(err)
		}
		leader, dispatcher := w.login(t, "leader"), w.login(t, "dispatcher")
		county, community := w.regions["330110"].ID, w.regions["330110001001"].ID

		// The community's grids, as .xlsx.
		st, body, h := dispatcher.send("GET", fmt.Sprintf("/api/v1/stats/export?region_id=%d&from=2026-10-01&to=2026-11-01", community), "", "")
		if st != 200 || h.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("export: %d %s %q", st, h.Get("Content-Type"), body)
		}
		wantFileName(t, h.Get("Content-Disposition"), "水韵社区_KPI_分区域_20261001-20261031.xlsx")
		x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows("KPI指标")
		x.Close()
		if err != nil {
			t.Fatal(err)
		}
		if rows[0][0] != "水韵社区 KPI 指标表（分区域）" || len(rows) != 7 {
			t.Fatalf("workbook %q", rows)
		}
		if got := [][]string{rows[4][:4], rows[5][:4], rows[6][:4]}; !cmp.Equal(got, [][]string{
			{"330110001001001", "水韵社区第1网格", "6", "6"}, {"330110001001002", "水韵社区第2网格", "2", "1"}, {"", "合计", "8", "7"}}) {
			t.Errorf("rows %q", got)
		}

		// The county's categories as CSV, headers in English.
		leader.lang = "en"
		st, body, h = leader.send("GET", fmt.Sprintf("/api/v1/stats/export?region_id=%d&from=2026-10-01&to=2026-11-01&by=category&format=csv", county), "", "")
		leader.lang = ""
		if st != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.HasPrefix(body, "\ufeff") {
			t.Fatalf("csv: %d %s %q", st, h.Get("Content-Type"), body)
		}
		wantFileName(t, h.Get("Content-Disposition"), "临江区_KPI_by-category_20261001-20261031.csv")
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if got := [][]string{recs[0][:4], recs[1][:4], recs[2][:4], recs[3][:4]}; !cmp.Equal(got, [][]string{
			{"Category code", "Category", "Reported", "Registered"}, {"LE0102", "供热管道漏水", "6", "6"},
			{"LS0502", "楼道照明损坏", "2", "1"}, {"", "Total", "8", "7"}}) {
			t.Errorf("csv %q", got)
		}

		// The monthly report.
		st, body, h = leader.send("GET", fmt.Sprintf("/api/v1/stats/monthly?region_id=%d&month=2026-10", county), "", "")
		if st != 200 || h.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("monthly: %d %q", st, body)
		}
		wantFileName(t, h.Get("Content-Disposition"), "临江区_月度网格化服务管理工作报表_2026-10.xlsx")
		x, err = excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		if got := x.GetSheetList(); !cmp.Equal(got, []string{"总体指标", "分区域", "分类别", "分渠道", "每日趋势", "超期未结"}) {
			t.Errorf("sheets %q", got)
		}
		if v, _ := x.GetCellValue("总体指标", "A1"); v != "临江区月度网格化服务管理工作报表（2026年10月）" {
			t.Errorf("title %q", v)
		}
		if v, _ := x.GetCellValue("总体指标", "A2"); !strings.Contains(v, "生成时间：2026-11-25 10:00") {
			t.Errorf("subtitle %q", v)
		}
		if a, _ := x.GetCellValue("总体指标", "A5"); a != "上报数" {
			t.Errorf("first indicator %q", a)
		} else if b, _ := x.GetCellValue("总体指标", "B5"); b != "8" {
			t.Errorf("reported this month %q", b)
		}

		// Scope: the community's dispatcher may not read the county.
		st, body = dispatcher.do("GET", fmt.Sprintf("/api/v1/stats/export?region_id=%d&from=2026-10-01&to=2026-11-01", county), "")
		wantError(t, "export out of scope", st, body, 403, "", "")
		st, body = dispatcher.do("GET", fmt.Sprintf("/api/v1/stats/monthly?region_id=%d&month=2026-10", county), "")
		wantError(t, "monthly out of scope", st, body, 403, "", "")
		st, body = w.client(t).do("GET", fmt.Sprintf("/api/v1/stats/monthly?region_id=%d&month=2026-10", county), "")
		wantError(t, "monthly signed out", st, body, 401, "", "")

		// Bad input names the field.
		for _, c := range []struct{ query, field string }{
			{"month=2026-13", "month"},
			{"month=2026-12", "month"}, // not yet begun
			{"month=", "month"},
			{"month=2026-10&region_id=0", "region_id"},
			{"month=2026-10&region_id=x", "region_id"},
		} {
			q := c.query
			if !strings.Contains(q, "region_id") {
				q += fmt.Sprintf("&region_id=%d", county)
			}
			st, body := leader.do("GET", "/api/v1/stats/monthly?"+q, "")
			wantError(t, "monthly "+c.query, st, body, 400, c.field, "")
		}
		for _, c := range []struct{ query, field string }{
			{"from=2026-10-01&to=2026-11-01&format=pdf", "format"},
			{"from=2026-10-01&to=2026-11-01&by=street", "by"},
			{"from=2026-10&to=2026-11-01", "from"},
			{"from=2026-10-01", "to"},
			{"from=2026-11-01&to=2026-10-01", "to"},
			{"from=2026-10-01&to=2026-11-01&limit=-1", "limit"},
		} {
			st, body := leader.do("GET", fmt.Sprintf("/api/v1/stats/export?region_id=%d&", county)+c.query, "")
			wantError(t, "export "+c.query, st, body, 400, c.field, "")
		}
		st, body = leader.do("GET", "/api/v1/stats/export?from=2026-10-01&to=2026-11-01", "")
		wantError(t, "export without region", st, body, 400, "region_id", "")
	})
}

// wantFileName checks an attachment's UTF-8 file name and that its ASCII
// stand-in is ASCII.
func wantFileName(t *testing.T, header, want string) {
	t.Helper()
	disp, params, err := mime.ParseMediaType(header)
	if err != nil || disp != "attachment" || params["filename"] != want {
		t.Errorf("Content-Disposition %q: %v %q; want file name %q", header, err, params, want)
	}
	_, star, ok := strings.Cut(header, "filename*=UTF-8''")
	if got, err := url.PathUnescape(star); !ok || err != nil || got != want {
		t.Errorf("filename* of %q = %q", header, got)
	}
	_, plain, _ := strings.Cut(header, `filename="`)
	plain, _, _ = strings.Cut(plain, `"`)
	for _, c := range plain {
		if c > 127 {
			t.Errorf("ASCII file name %q", plain)
			break
		}
	}
	if !strings.HasPrefix(plain, "gridwork-") || !strings.HasSuffix(plain, want[strings.LastIndex(want, "."):]) {
		t.Errorf("ASCII file name %q in %q", plain, header)
	}
}
