package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/demo"
	"github.com/gridwork/gridwork/internal/ledger"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// runDemo creates (once) a demo city in an embedded SQLite file, with a PII
// key generated and kept beside it, then serves it and prints the logins.
func runDemo(ctx context.Context, env *Env, args []string) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.bind(fs, env.Getenv, "addr", "log-level", "log-format", "session-ttl", "session-idle", "tz")
	dir := fs.String("dir", "gridwork-demo", "folder of the demo database and its key")
	size := fs.String("size", "district", "size of the demo: village, district or city")
	seed := fs.Int64("seed", 1, "seed of the generator: the same seed gives the same city")
	reset := fs.Bool("reset", false, "delete the existing demo data and generate it again")
	noServe := fs.Bool("no-serve", false, "generate the data and exit")
	nCases := fs.Int("cases", demo.DefaultHistoryCases, "cases of history to generate with a new demo (months of reports up to now)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	sz, err := demo.ParseSize(*size)
	if err != nil {
		return err
	}
	if *nCases < 0 {
		return fmt.Errorf("-cases: the number of cases cannot be negative (%d)", *nCases)
	}
	log, err := newLogger(cfg, env.Stderr)
	if err != nil {
		return err
	}
	dbPath := filepath.Join(*dir, "demo.db")
	keyPath := filepath.Join(*dir, "pii.key")
	if *reset {
		if err := removeDemo(dbPath, keyPath); err != nil {
			return err
		}
	}
	fresh := false
	if _, err := os.Stat(dbPath); errors.Is(err, iofs.ErrNotExist) {
		fresh = true
	}
	key, err := demoKey(keyPath, fresh)
	if err != nil {
		return err
	}
	cfg.DB, cfg.PIIKey = dbPath, key
	a, err := openApp(ctx, cfg, log, appOptions{needKey: true, argon2: auth.FastArgon2(), noLoadIx: fresh})
	if err != nil {
		return err
	}
	city := demo.Generate(demo.Options{Seed: *seed, Size: sz})
	if fresh {
		if err := createDemo(ctx, env, a, city, dbPath, *seed, *size, *nCases); err != nil {
			// A demo is made whole or not at all: a half-loaded one would be
			// served by the next run as if it were complete.
			a.Close()
			if rerr := removeDemo(dbPath, keyPath); rerr != nil {
				return errors.Join(err, rerr)
			}
			return fmt.Errorf("%w (the unfinished demo was removed)", err)
		}
	}
	defer a.Close()
	if *noServe {
		return nil
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	printLogins(env, ln.Addr(), city)
	return serve(ctx, a, ln)
}

// createDemo loads the city into a fresh demo database, then n cases of
// history.
func createDemo(ctx context.Context, env *Env, a *app, city *demo.City, dbPath string, seed int64, size string, n int) error {
	fmt.Fprintf(env.Stdout, "Generating the demo city (seed %d, size %s) in %s …\n", seed, size, dbPath)
	start := time.Now()
	sysCtx := auth.WithActor(ctx, auth.SystemActor())
	if err := demo.Load(sysCtx, a.db, city, demo.Deps{Territory: a.territory, People: a.people, Auth: a.auth, Category: a.category}, ledger.CLIProgress(env.Stderr, "demo")); err != nil {
		return fmt.Errorf("load demo city: %w", err)
	}
	fmt.Fprintf(env.Stdout, "Demo city ready in %s.\n", time.Since(start).Round(time.Millisecond))
	if err := a.territory.LoadIndex(sysCtx); err != nil {
		return err
	}
	return demoHistory(sysCtx, env, a, n, seed)
}

// removeDemo deletes a demo's database (with its WAL files) and key.
func removeDemo(dbPath, keyPath string) error {
	for _, p := range []string{dbPath, dbPath + "-wal", dbPath + "-shm", keyPath} {
		if err := os.Remove(p); err != nil && !errors.Is(err, iofs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// demoHistory generates n cases of history up to now, with a progress
// bar in cases per second.
func demoHistory(ctx context.Context, env *Env, a *app, n int, seed int64) error {
	if n <= 0 {
		return nil
	}
	fmt.Fprintf(env.Stdout, "Generating %d cases of history …\n", n)
	// The generator allocates a case's states and encodings and drops them
	// at once: collecting less often saves CPU (the heap peaks at about
	// three times the ≈0.7 GB in flight).
	defer debug.SetGCPercent(debug.SetGCPercent(200))
	start := time.Now()
	res, err := demo.GenerateHistory(ctx, demo.HistoryDeps{DB: a.db, Cases: a.cases, Territory: a.territory, Auth: a.auth,
		Category: a.category, Calendar: a.calendar}, demo.HistoryOptions{Cases: n, Seed: seed, Now: a.db.Now(),
		Progress: casesProgress(env.Stderr)})
	if err != nil {
		return fmt.Errorf("demo history: %w", err)
	}
	d := time.Since(start)
	fmt.Fprintf(env.Stdout, "History ready: %d cases, %d events in %s (%.0f cases/s).\n", res.Cases, res.Events,
		d.Round(time.Millisecond), float64(res.Cases)/d.Seconds())
	return nil
}

// casesProgress is a progress bar counting cases on a terminal; elsewhere
// (a log file, CI) a line at every tenth of the work, with the rate and
// the time left.
func casesProgress(w io.Writer) func(done, total int) {
	if f, ok := w.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return progressLines(w, time.Now)
	}
	var bar *progressbar.ProgressBar
	return func(done, total int) {
		if bar == nil {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("history"),
				progressbar.OptionShowCount(), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionSetItsString("cases"), progressbar.OptionShowIts(),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
		}
		_ = bar.Set(done)
	}
}

// progressLines writes a line to w each time done passes another tenth of
// total: "history: 3000000/10000000 cases (30%), 3512 cases/s, 33m12s left".
func progressLines(w io.Writer, now func() time.Time) func(done, total int) {
	var start time.Time
	step := 0
	return func(done, total int) {
		if start.IsZero() {
			start = now()
		}
		if total <= 0 || done*10/total <= step {
			return
		}
		step = done * 10 / total
		el := now().Sub(start)
		rate := float64(done) / max(el.Seconds(), 1e-3)
		left := time.Duration(float64(total-done) / rate * float64(time.Second)).Round(time.Second)
		fmt.Fprintf(w, "history: %d/%d cases (%d%%), %.0f cases/s, %s left\n", done, total, done*100/total, rate, left)
	}
}

// demoKey reads the demo's PII key, generating and saving it for a fresh
// demo. The key lives beside the demo data, readable by the owner only.
func demoKey(path string, fresh bool) (string, error) {
	if !fresh {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("demo key %s: %w (use -reset to start over)", path, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	key, err := people.GenerateKey()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", err
	}
	return key, nil
}

func printLogins(env *Env, addr net.Addr, city *demo.City) {
	fmt.Fprintf(env.Stdout, "\nGridwork demo: http://%s/\n\n", addr)
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROLE\tUSERNAME\tPASSWORD\tSCOPE")
	for _, l := range city.DemoLogins() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Role, l.Username, l.Password, l.Scope)
	}
	tw.Flush()
	fmt.Fprintln(env.Stdout, "\nPress Ctrl+C to stop.")
}
