package main

import (
	"context"
	"encoding/csv"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/territory"
	"github.com/xuri/excelize/v2"
)

// TestStatsExportCommands: gridwork stats export and monthly write the KPI
// table and the monthly report of a county, counting a case reported today,
// and refuse bad input.
func TestStatsExportCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db := filepath.Join(dir, "g.db")
	cfg := defaultConfig()
	cfg.DB = db
	a, err := openApp(ctx, cfg, slog.New(slog.DiscardHandler), appOptions{noLoadIx: true})
	if err != nil {
		t.Fatal(err)
	}
	sys := auth.WithActor(ctx, auth.SystemActor())
	var parent int64
	for _, r := range []struct {
		level      territory.Level
		code, name string
	}{{territory.LevelCounty, "330110", "临江区"}, {territory.LevelTownship, "330110001000", "临江街道"},
		{territory.LevelVillage, "330110001001", "水韵社区"}, {territory.LevelGrid, "330110001001001", "水韵社区第1网格"}} {
		reg, err := a.territory.CreateRegion(sys, territory.RegionInput{ParentID: parent, Level: r.level, Code: r.code, Name: r.name})
		if err != nil {
			t.Fatal(err)
		}
		parent = reg.ID
	}
	bldg, err := a.territory.CreateBuilding(sys, territory.BuildingInput{GridID: parent, Compound: "水韵名都", Name: "27号楼", Kind: territory.BuildingKindBuilding})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.cases.Report(sys, cases.ReportInput{Channel: cases.ChannelWalkIn, Category: "LE0102", Title: "楼道暖气管漏水", BuildingID: bldg.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.stats.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(a.stats.Zone())
	a.Close()

	env := map[string]string{"GRIDWORK_DB": db}
	out := filepath.Join(dir, "kpis.csv")
	from, to := today.Format(time.DateOnly), today.AddDate(0, 0, 1).Format(time.DateOnly)
	if code, stdout, errOut := gridwork(ctx, env, "stats", "export", "-region", "330110", "-from", from, "-to", to, "-by", "channel", "-format", "csv", "-o", out); code != 0 || !strings.Contains(stdout, "wrote "+out) {
		t.Fatalf("stats export: %d %s %s", code, stdout, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff"))).ReadAll()
	if err != nil || len(recs) != 3 || recs[1][0] != "walk_in" || recs[1][2] != "1" || recs[2][1] != "合计" || recs[2][2] != "1" {
		t.Errorf("table %q, %v", recs, err)
	}

	out = filepath.Join(dir, "monthly.xlsx")
	if code, stdout, errOut := gridwork(ctx, env, "stats", "monthly", "-month", today.Format("2006-01"), "-o", out); code != 0 {
		t.Fatalf("stats monthly: %d %s %s", code, stdout, errOut)
	}
	x, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if v, _ := x.GetCellValue("总体指标", "B5"); v != "1" {
		t.Errorf("reported this month %q", v)
	}

	for _, args := range [][]string{
		{"stats", "monthly", "-month", "2026-13"},
		{"stats", "export", "-from", from, "-to", to, "-by", "street"},
		{"stats", "export", "-from", "yesterday", "-to", to},
		{"stats", "export", "-region", "999999", "-from", from, "-to", to},
	} {
		if code, _, errOut := gridwork(ctx, env, append(args, "-o", filepath.Join(dir, "bad"))...); code != 1 || errOut == "" {
			t.Errorf("%q: %d %s", args, code, errOut)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad")); !os.IsNotExist(err) {
		t.Errorf("a refused command wrote its file: %v", err)
	}
}
