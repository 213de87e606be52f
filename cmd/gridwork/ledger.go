package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/ledger"
)

// runImport imports an Excel ledger as the system actor:
//
//	gridwork import [-good-rows-only] [-errors bad.xlsx] ledger.xlsx
func runImport(ctx context.Context, env *Env, args []string) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.bind(fs, env.Getenv, "db", "pii-key", "log-level", "log-format")
	goodOnly := fs.Bool("good-rows-only", false, "apply the good rows even when some rows are bad (default: all or nothing)")
	errorsOut := fs.String("errors", "", "write the bad rows with their reasons to this .xlsx file")
	lang := fs.String("lang", "zh", "language of the report: zh or en")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: gridwork import [flags] ledger.xlsx")
	}
	log, err := newLogger(cfg, env.Stderr)
	if err != nil {
		return err
	}
	a, err := openApp(ctx, cfg, log, appOptions{needKey: true, noLoadIx: true})
	if err != nil {
		return err
	}
	defer a.Close()
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	ctx = auth.WithActor(ctx, auth.SystemActor())
	rep, err := a.ledger.Import(ctx, f, ledger.ImportOptions{GoodRowsOnly: *goodOnly, Progress: ledger.CLIProgress(env.Stderr, "import")})
	if err != nil {
		return err
	}
	for _, s := range rep.Sheets {
		fmt.Fprintf(env.Stdout, "%s: %d rows, %d written\n", s.Name, s.Rows, s.Created)
	}
	for _, line := range rep.Lines(*lang) {
		fmt.Fprintln(env.Stdout, line)
	}
	if *errorsOut != "" && len(rep.Errors) > 0 {
		out, err := os.Create(*errorsOut)
		if err != nil {
			return err
		}
		if err := rep.WriteErrorWorkbook(out, *lang); err != nil {
			out.Close()
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "bad rows written to %s\n", *errorsOut)
	}
	if len(rep.Errors) > 0 && !rep.Applied {
		return fmt.Errorf("%d bad rows: nothing was written (fix them, or use -good-rows-only)", len(rep.Errors))
	}
	return nil
}

// runExport writes an Excel ledger of a region subtree, or the empty template:
//
//	gridwork export -region 330110001001 -o ledger.xlsx
//	gridwork export -template -o template.xlsx
func runExport(ctx context.Context, env *Env, args []string) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.bind(fs, env.Getenv, "db", "pii-key", "log-level", "log-format")
	out := fs.String("o", "", "output .xlsx file (required)")
	template := fs.Bool("template", false, "write the empty import template")
	region := fs.String("region", "", "division code of the region to export (default: everything)")
	sheets := fs.String("sheets", "", "comma-separated subset of buildings,households,residents")
	reveal := fs.Bool("reveal", false, "export full ID numbers and phones (recorded in the personal-data audit)")
	reason := fs.String("reason", "", "why personal data is revealed (required with -reveal)")
	lang := fs.String("lang", "zh", "language of the headers: zh or en")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("-o is required")
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if *template {
		if err := ledger.WriteTemplate(f, *lang); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	log, err := newLogger(cfg, env.Stderr)
	if err != nil {
		f.Close()
		return err
	}
	a, err := openApp(ctx, cfg, log, appOptions{needKey: true, noLoadIx: true})
	if err != nil {
		f.Close()
		return err
	}
	defer a.Close()
	ctx = auth.WithActor(ctx, auth.SystemActor())
	opt := ledger.ExportOptions{Reveal: *reveal, Reason: *reason, Lang: *lang, Progress: ledger.CLIProgress(env.Stderr, "export")}
	if *sheets != "" {
		opt.Sheets = strings.Split(*sheets, ",")
	}
	if *region != "" {
		r, err := a.territory.FindRegionByCode(ctx, *region)
		if err != nil {
			f.Close()
			return fmt.Errorf("-region %s: %w", *region, err)
		}
		opt.RegionID, opt.RegionPath = r.ID, r.Path
	}
	if err := a.exporter.Export(ctx, f, opt); err != nil {
		f.Close()
		os.Remove(*out)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %s\n", *out)
	return nil
}
