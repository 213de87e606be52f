package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/bench"
	"github.com/gridwork/gridwork/internal/demo"
	"github.com/gridwork/gridwork/internal/ledger"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// benchFlags are the flags of gridwork bench.
type benchFlags struct {
	url, db, scenario, size, serveCPU, logins string
	seed                                      int64
	conc, prefill, tokensPerRole, history     int
	dur, warmup, think                        time.Duration
	baseline, crash, asJSON, keep, verbose    bool
}

// runBench is the load generator:
//
//	gridwork bench [-url URL | -db DSN] [-scenario intake|tasks|queue|dashboard|mix|all]
//	               [-c 50] [-d 10s] [-baseline] [-crash] [-json]
//
// Without -url it generates a fresh demo city (a temporary SQLite file, or a
// fresh schema of the PostgreSQL server of -db), gives its users API tokens,
// starts "gridwork serve" on it as a child process and drives that.
func runBench(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == "-serve-cpuprofile" {
		return runProfiledServe(ctx, env, args[1:])
	}
	var f benchFlags
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.StringVar(&f.url, "url", "", "a running server to drive (its demo users sign in through the API); default: start one")
	fs.StringVar(&f.db, "db", "", "postgres://… DSN: bench a fresh schema of this PostgreSQL server (default: a temporary SQLite file)")
	fs.StringVar(&f.scenario, "scenario", "all", "intake, tasks, queue, dashboard, mix or all")
	fs.IntVar(&f.conc, "c", 50, "concurrent virtual users")
	fs.DurationVar(&f.dur, "d", 10*time.Second, "duration of each scenario (with -crash: load before the kill)")
	fs.DurationVar(&f.think, "think", 0, "each user's pause between requests (±50 %); 0: none, measuring capacity")
	fs.DurationVar(&f.warmup, "warmup", time.Second, "unmeasured load before each scenario")
	fs.BoolVar(&f.baseline, "baseline", false, "also measure a bare net/http handler inserting one row per request, and print ratios to it")
	fs.BoolVar(&f.crash, "crash", false, "kill the server with SIGKILL during intake load, restart it and check every acknowledged case and event")
	fs.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
	fs.StringVar(&f.size, "size", "district", "demo city to generate: village, district or city")
	fs.Int64Var(&f.seed, "seed", 1, "seed of the demo city")
	fs.IntVar(&f.history, "history", 0, "cases of past history to generate with the demo city (as gridwork demo -cases), for the dashboard")
	fs.IntVar(&f.prefill, "prefill", 2000, "cases reported (two in three registered and dispatched) before the scenarios run")
	fs.IntVar(&f.tokensPerRole, "users", 300, "API tokens given per role (residents, grid workers …) when the bench starts the server")
	fs.StringVar(&f.logins, "login", "", "with -url: comma-separated username:password to sign in (default: the demo's logins of -size and -seed)")
	fs.StringVar(&f.serveCPU, "server-cpuprofile", "", "write a CPU profile of the server child to this file")
	fs.BoolVar(&f.keep, "keep", false, "keep the generated database (printed) instead of deleting it")
	fs.BoolVar(&f.verbose, "v", false, "show the server's log")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := demo.ParseSize(f.size); err != nil {
		return err
	}
	if f.url != "" && (f.crash || f.db != "") {
		return errors.New("-url drives a running server: -crash and -db need the bench to start the server")
	}
	if f.url != "" {
		return benchRemote(ctx, env, f)
	}
	return benchLocal(ctx, env, f)
}

// benchRemote drives a running server, signing in its demo users.
func benchRemote(ctx context.Context, env *Env, f benchFlags) error {
	var logins []bench.Login
	if f.logins != "" {
		for _, s := range strings.Split(f.logins, ",") {
			u, p, ok := strings.Cut(strings.TrimSpace(s), ":")
			if !ok {
				return fmt.Errorf("-login %q: want username:password", s)
			}
			logins = append(logins, bench.Login{Username: u, Password: p})
		}
	} else {
		sz, err := demo.ParseSize(f.size)
		if err != nil {
			return err
		}
		for _, l := range demo.Generate(demo.Options{Seed: f.seed, Size: sz}).DemoLogins() {
			switch l.Role {
			case auth.RoleResident, auth.RoleBuildingHead, auth.RoleGridWorker, auth.RoleDispatcher, auth.RoleLeader:
				logins = append(logins, bench.Login{Username: l.Username, Password: l.Password})
			}
		}
	}
	tokens, err := bench.SignIn(ctx, f.url, logins)
	if err != nil {
		return err
	}
	return benchScenarios(ctx, env, f, f.url, tokens, nil)
}

// benchLocal prepares a demo database, starts the server on it as a child
// process and benches it (or crash-tests it).
func benchLocal(ctx context.Context, env *Env, f benchFlags) error {
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	store, err := newBenchStore(ctx, f.db, log)
	if err != nil {
		return err
	}
	defer func() {
		if f.keep {
			fmt.Fprintf(env.Stderr, "kept the bench database: %s (PII key in %s)\n", store.dsn, store.keyFile)
			return
		}
		store.remove(ctx, log)
	}()
	fmt.Fprintf(env.Stderr, "generating a %s demo city in %s …\n", f.size, store.engine())
	tokens, err := prepareBenchCity(ctx, store, f, log, env.Stderr)
	if err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	srvOut := io.Discard
	if f.verbose {
		srvOut = env.Stderr
	}
	srv := &childServer{exe: exe, dsn: store.dsn, key: store.key, mediaDir: filepath.Join(store.dir, "media"), log: srvOut, cpuProfile: f.serveCPU}
	defer srv.Stop()
	if f.crash {
		return benchCrash(ctx, env, f, store, srv, tokens, log)
	}
	base, err := srv.Start(ctx)
	if err != nil {
		return err
	}
	return benchScenarios(ctx, env, f, base, tokens, store)
}

// benchScenarios runs the baseline (when asked) and the scenarios, and
// prints the report.
func benchScenarios(ctx context.Context, env *Env, f benchFlags, base string, tokens []string, store *benchStore) error {
	t, err := bench.NewTarget(ctx, base, tokens)
	if err != nil {
		return err
	}
	names := []string{f.scenario}
	if f.scenario == "all" {
		names = bench.Scenarios()
	}
	opt := bench.Options{Concurrency: f.conc, Duration: f.dur, Warmup: f.warmup, Think: f.think}
	rep := &bench.Report{Engine: "sqlite", Machine: machine(), Date: time.Now(), Concurrency: f.conc, Duration: f.dur, Think: f.think}
	if strings.HasPrefix(base, "postgres") || (store != nil && store.pg) {
		rep.Engine = "postgres"
	}
	if store == nil {
		rep.Engine = "server at " + base
	}
	if f.baseline {
		if store == nil {
			return errors.New("-baseline needs the bench to start the server (no -url): it writes to the same engine")
		}
		res, err := runBaseline(ctx, store, t, opt)
		if err != nil {
			return err
		}
		rep.Baseline = res
	}
	if f.prefill > 0 && !(len(names) == 1 && names[0] == bench.ScenarioIntake) {
		fmt.Fprintf(env.Stderr, "prefilling %d cases …\n", f.prefill)
		if err := bench.Prefill(ctx, t, f.prefill, min(f.conc, 32)); err != nil {
			return err
		}
	}
	for _, name := range names {
		fmt.Fprintf(env.Stderr, "running %s: %d users for %s …\n", name, f.conc, f.dur)
		res, err := bench.Run(ctx, t, name, opt)
		if err != nil {
			return err
		}
		rep.Results = append(rep.Results, res)
	}
	if f.asJSON {
		err = rep.WriteJSON(env.Stdout)
	} else {
		err = rep.WriteText(env.Stdout)
	}
	if err != nil {
		return err
	}
	if n := rep.Errors(); n > 0 {
		return fmt.Errorf("%d requests failed (see the first errors above)", n)
	}
	for _, res := range rep.Results {
		if res.Latency.Count() == 0 {
			return fmt.Errorf("%s: no request completed within %s (longer -d?)", res.Scenario, f.dur)
		}
	}
	return nil
}

// runBaseline measures the bare handler on a database of the bench's own
// (a SQLite file beside the bench database, or a PostgreSQL schema).
func runBaseline(ctx context.Context, store *benchStore, t *bench.Target, opt bench.Options) (*bench.Result, error) {
	dsn, err := store.scratch(ctx, "base")
	if err != nil {
		return nil, err
	}
	db, err := sqldb.Open(ctx, dsn, sqldb.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	b, err := bench.StartBaseline(ctx, db)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	return bench.RunBaseline(ctx, b, t, opt)
}

// benchCrash runs the crash test and prints what it found.
func benchCrash(ctx context.Context, env *Env, f benchFlags, store *benchStore, srv *childServer, tokens []string, log *slog.Logger) error {
	verify := func(ctx context.Context) (int, int, error) {
		cfg := defaultConfig()
		cfg.DB, cfg.PIIKey = store.dsn, store.key
		a, err := openApp(ctx, cfg, log, appOptions{noLoadIx: true})
		if err != nil {
			return 0, 0, err
		}
		defer a.Close()
		rep, err := a.cases.CheckHistory(auth.WithActor(ctx, auth.SystemActor()), 0)
		if err != nil {
			return 0, 0, err
		}
		if rep.Broken != nil {
			return rep.Cases, rep.Events, fmt.Errorf("history broken: %v", rep.Broken)
		}
		return rep.Cases, rep.Events, nil
	}
	rep, err := bench.Crash(ctx, srv, tokens, bench.CrashOptions{Concurrency: f.conc, KillAfter: f.dur, Verify: verify, Log: env.Stderr})
	if rep != nil {
		if f.asJSON {
			fmt.Fprintf(env.Stdout, `{"engine":%q,"acknowledged_cases":%d,"acknowledged_events":%d,"failed_before_kill":%d,"missing":%d,"checked_cases":%d,"checked_events":%d,"restart_ms":%d,"ok":%t}`+"\n",
				store.engine(), rep.Cases, rep.Events, rep.LoadErrors, rep.MissingCount, rep.CheckedCases, rep.CheckedEvents, rep.RestartedAfter.Milliseconds(), err == nil)
		} else {
			fmt.Fprintf(env.Stdout, "crash test on %s: SIGKILL after %s of intake by %d users; %d cases and %d events acknowledged, %d missing after the restart; history check: %d cases, %d events",
				store.engine(), rep.KilledAfter, f.conc, rep.Cases, rep.Events, rep.MissingCount, rep.CheckedCases, rep.CheckedEvents)
			if err == nil {
				fmt.Fprintln(env.Stdout, ", every hash chain verifies")
			} else {
				fmt.Fprintln(env.Stdout)
				for _, m := range rep.Missing {
					fmt.Fprintf(env.Stdout, "  missing: %s\n", m)
				}
			}
		}
	}
	return err
}

// benchStore is the database a local bench runs on.
type benchStore struct {
	dir     string // temporary folder: SQLite files, media, the PII key
	dsn     string
	key     string
	keyFile string
	pg      bool
	pgBase  string
	schemas []string
}

func (s *benchStore) engine() string {
	if s.pg {
		return "postgres"
	}
	return "sqlite"
}

// newBenchStore makes a temporary folder and, for PostgreSQL, a fresh schema.
func newBenchStore(ctx context.Context, dsn string, log *slog.Logger) (*benchStore, error) {
	dir, err := os.MkdirTemp("", "gridwork-bench-")
	if err != nil {
		return nil, err
	}
	s := &benchStore{dir: dir, keyFile: filepath.Join(dir, "pii.key")}
	if s.key, err = people.GenerateKey(); err != nil {
		return nil, err
	}
	if err := os.WriteFile(s.keyFile, []byte(s.key+"\n"), 0o600); err != nil {
		return nil, err
	}
	switch {
	case dsn == "":
		s.dsn = filepath.Join(dir, "bench.db")
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		s.pg, s.pgBase = true, dsn
		if s.dsn, err = s.scratch(ctx, "city"); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	default:
		os.RemoveAll(dir)
		return nil, fmt.Errorf("-db %s: want a postgres:// DSN (SQLite benches use a temporary file)", dsn)
	}
	return s, nil
}

// scratch returns a DSN for a new database: a SQLite file in the folder,
// or a new schema on the PostgreSQL server.
func (s *benchStore) scratch(ctx context.Context, name string) (string, error) {
	if !s.pg {
		return filepath.Join(s.dir, name+".db"), nil
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	schema := "bench_" + name + "_" + hex.EncodeToString(b[:])
	admin, err := sqldb.Open(ctx, s.pgBase, sqldb.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return "", err
	}
	defer admin.Close()
	if _, err := admin.WriterPool().ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", fmt.Errorf("create schema %s: %w", schema, err)
	}
	s.schemas = append(s.schemas, schema)
	u, err := url.Parse(s.pgBase)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// remove deletes the folder and the schemas.
func (s *benchStore) remove(ctx context.Context, log *slog.Logger) {
	if len(s.schemas) > 0 {
		if admin, err := sqldb.Open(context.WithoutCancel(ctx), s.pgBase, sqldb.Options{Logger: log}); err == nil {
			for _, schema := range s.schemas {
				if _, err := admin.WriterPool().ExecContext(context.WithoutCancel(ctx), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
					log.Warn("drop bench schema", "schema", schema, "err", err)
				}
			}
			admin.Close()
		}
	}
	os.RemoveAll(s.dir)
}

// prepareBenchCity loads the demo city into the store and gives API tokens
// to up to f.tokensPerRole users of each role the scenarios act in.
func prepareBenchCity(ctx context.Context, store *benchStore, f benchFlags, log *slog.Logger, progress io.Writer) ([]string, error) {
	sz, err := demo.ParseSize(f.size)
	if err != nil {
		return nil, err
	}
	cfg := defaultConfig()
	cfg.DB, cfg.PIIKey, cfg.MediaDir = store.dsn, store.key, filepath.Join(store.dir, "media")
	a, err := openApp(ctx, cfg, log, appOptions{needKey: true, argon2: auth.FastArgon2(), noLoadIx: true})
	if err != nil {
		return nil, err
	}
	defer a.Close()
	sys := auth.WithActor(ctx, auth.SystemActor())
	city := demo.Generate(demo.Options{Seed: f.seed, Size: sz})
	start := time.Now()
	if err := demo.Load(sys, a.db, city, demo.Deps{Territory: a.territory, People: a.people, Auth: a.auth, Category: a.category}, ledger.CLIProgress(progress, "demo")); err != nil {
		return nil, fmt.Errorf("load demo city: %w", err)
	}
	fmt.Fprintf(progress, "demo city ready in %s\n", time.Since(start).Round(time.Millisecond))
	if err := demoHistory(sys, &Env{Stdout: progress, Stderr: progress}, a, f.history, f.seed); err != nil {
		return nil, err
	}
	fmt.Fprintln(progress, "giving API tokens to its users …")
	var tokens []string
	for _, role := range []auth.Role{auth.RoleResident, auth.RoleBuildingHead, auth.RoleGridWorker, auth.RoleDispatcher, auth.RoleLeader} {
		users, _, err := a.auth.FindUsers(sys, auth.UserFilter{Role: &role, Limit: min(max(f.tokensPerRole, 1), 500)})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			secret, _, err := a.auth.CreateAPIToken(sys, u.ID, auth.APITokenInput{Name: "gridwork bench"})
			if err != nil {
				return nil, fmt.Errorf("API token for %s: %w", u.Username, err)
			}
			tokens = append(tokens, secret)
		}
	}
	return tokens, nil
}

// machine describes the computer: CPU model, cores, OS, load.
func machine() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v) + ", "
				break
			}
		}
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			// Other work on the machine skews every figure: say how busy it was.
			load = ", load average " + f[0] + " at start"
		}
	}
	return fmt.Sprintf("%s%d CPUs, %s/%s, %s%s", model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), load)
}

// childServer is "gridwork serve" run as a child process of the bench, on
// a free local port; it implements bench.Server.
type childServer struct {
	exe, dsn, key, mediaDir string
	cpuProfile              string
	log                     io.Writer

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts the server and waits until /healthz answers.
func (s *childServer) Start(ctx context.Context) (string, error) {
	args := []string{"serve", "-db", s.dsn, "-addr", "127.0.0.1:0", "-log-level", "warn", "-media-dir", s.mediaDir}
	if s.cpuProfile != "" {
		args = append([]string{"bench", "-serve-cpuprofile", s.cpuProfile}, args[1:]...)
	}
	cmd := exec.Command(s.exe, args...)
	cmd.Env = append(os.Environ(), "GRIDWORK_PII_KEY="+s.key)
	cmd.Stderr = s.log
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	// What serve prints once it listens.
	servingLine := regexp.MustCompile(`Gridwork is serving \w+ on (http://[^/\s]+)/`)
	done := make(chan struct{})
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := servingLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urlc <- m[1]:
				default:
				}
			}
		}
		_ = cmd.Wait()
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	select {
	case u := <-urlc:
		if err := waitHealthy(ctx, u); err != nil {
			_ = s.Kill()
			return "", err
		}
		return u, nil
	case <-done:
		return "", fmt.Errorf("the server exited before serving: %v", cmd.ProcessState)
	case <-time.After(2 * time.Minute):
		_ = s.Kill()
		return "", errors.New("the server did not start within 2 minutes")
	case <-ctx.Done():
		_ = s.Kill()
		return "", ctx.Err()
	}
}

func waitHealthy(ctx context.Context, base string) error {
	for range 200 {
		req, err := http.NewRequestWithContext(ctx, "GET", base+"/healthz", nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	return fmt.Errorf("%s/healthz did not answer 200", base)
}

// signal sends sig to the running child and waits up to wait for it to
// exit; it is a no-op when none runs.
func (s *childServer) signal(sig syscall.Signal, wait time.Duration) error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-done:
		return nil
	case <-time.After(wait):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("the server did not exit within %s of %v; killed", wait, sig)
	}
}

// Kill ends the server with SIGKILL.
func (s *childServer) Kill() error { return s.signal(syscall.SIGKILL, 10*time.Second) }

// Stop ends the server gracefully.
func (s *childServer) Stop() error { return s.signal(syscall.SIGTERM, 30*time.Second) }

// runProfiledServe is "gridwork serve" with a CPU profile written at exit,
// as the bench's child when -server-cpuprofile is given.
func runProfiledServe(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return errors.New("-serve-cpuprofile FILE [serve flags]")
	}
	fh, err := os.Create(args[0])
	if err != nil {
		return err
	}
	defer fh.Close()
	if err := pprof.StartCPUProfile(fh); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	return runServe(ctx, env, args[1:])
}
