package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/stats"
	"github.com/gridwork/gridwork/internal/territory"
)

// runStatsExport writes a KPI table of a region as .xlsx or CSV:
//
//	gridwork stats export -region 330110 -from 2026-10-01 -to 2026-11-01 [-by region] [-format csv] [-o file]
func runStatsExport(ctx context.Context, env *Env, args []string) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("stats export", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.bind(fs, env.Getenv, "db", "log-level", "log-format")
	region := fs.String("region", "", "division code of the region (default: the top region)")
	from := fs.String("from", "", "first day, YYYY-MM-DD (required)")
	to := fs.String("to", "", "day after the last, YYYY-MM-DD (required)")
	by := fs.String("by", "region", "rows: region (child regions), category, channel, department or person")
	format := fs.String("format", "xlsx", "xlsx or csv")
	lang := fs.String("lang", "zh", "language first in titles and headers: zh or en")
	out := fs.String("o", "", "output file (default: the table's name, in the current directory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, ctx, regionID, err := openStatsApp(ctx, env, cfg, *region)
	if err != nil {
		return err
	}
	defer a.Close()
	zone := a.stats.Zone()
	var days [2]time.Time
	for i, v := range []struct{ name, value string }{{"from", *from}, {"to", *to}} {
		if days[i], err = time.ParseInLocation(time.DateOnly, v.value, zone); err != nil {
			return fmt.Errorf("-%s must be a date (YYYY-MM-DD)", v.name)
		}
	}
	f, err := stats.ParseFormat(*format)
	if err != nil {
		return err
	}
	t, err := a.stats.Table(ctx, stats.TableOptions{RegionID: regionID, From: days[0], To: days[1], By: stats.Dim(*by), Lang: *lang})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := t.Write(&buf, f); err != nil {
		return err
	}
	return writeStatsFile(env, *out, t.FileName(f), buf.Bytes())
}

// runStatsMonthly writes the monthly report of a region as .xlsx:
//
//	gridwork stats monthly -region 330110 -month 2026-10 [-o file]
func runStatsMonthly(ctx context.Context, env *Env, args []string) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("stats monthly", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.bind(fs, env.Getenv, "db", "log-level", "log-format")
	region := fs.String("region", "", "division code of the region (default: the top region)")
	month := fs.String("month", "", "YYYY-MM (default: last month)")
	lang := fs.String("lang", "zh", "language first in titles and headers: zh or en")
	out := fs.String("o", "", "output file (default: the report's name, in the current directory)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, ctx, regionID, err := openStatsApp(ctx, env, cfg, *region)
	if err != nil {
		return err
	}
	defer a.Close()
	if *month == "" {
		now := a.db.Now().In(a.stats.Zone())
		*month = time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, now.Location()).Format("2006-01")
	}
	m, err := a.stats.ParseMonth(*month)
	if err != nil {
		return err
	}
	rep, err := a.stats.Monthly(ctx, stats.MonthlyOptions{RegionID: regionID, Month: m, Lang: *lang})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := rep.WriteXLSX(&buf); err != nil {
		return err
	}
	return writeStatsFile(env, *out, rep.FileName(), buf.Bytes())
}

// openStatsApp opens the database and resolves the region to report on,
// acting as the system.
func openStatsApp(ctx context.Context, env *Env, cfg Config, code string) (*app, context.Context, int64, error) {
	a, err := openToolApp(ctx, env, cfg)
	if err != nil {
		return nil, nil, 0, err
	}
	ctx = auth.WithActor(ctx, auth.SystemActor())
	if code != "" {
		r, err := a.territory.FindRegionByCode(ctx, code)
		if err != nil {
			a.Close()
			return nil, nil, 0, fmt.Errorf("-region %s: %w", code, err)
		}
		return a, ctx, r.ID, nil
	}
	// The top region: the one city, or else the one county.
	for _, level := range []territory.Level{territory.LevelCity, territory.LevelCounty} {
		top, n, err := a.territory.FindRegions(ctx, territory.RegionFilter{Level: &level, Limit: 1})
		switch {
		case err != nil:
			a.Close()
			return nil, nil, 0, err
		case n == 1:
			return a, ctx, top[0].ID, nil
		case n > 1:
			a.Close()
			return nil, nil, 0, fmt.Errorf("-region is required: the database has %d regions at level %s", n, level)
		}
	}
	a.Close()
	return nil, nil, 0, errors.New("-region is required: the database has no city or county")
}

// writeStatsFile writes a file to path, or to name in the current
// directory, and says where.
func writeStatsFile(env *Env, path, name string, body []byte) error {
	if path == "" {
		path = name
	}
	if err := os.WriteFile(path, body, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %s\n", path)
	return nil
}
