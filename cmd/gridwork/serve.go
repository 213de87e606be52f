package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/territory"
	"github.com/gridwork/gridwork/internal/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

func runServe(ctx context.Context, env *Env, args []string) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.bind(fs, env.Getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := newLogger(cfg, env.Stderr)
	if err != nil {
		return err
	}
	now, err := testClock(env.Getenv)
	if err != nil {
		return err
	}
	if now != nil {
		log.Warn("the clock is moved for testing", "env", clockOffsetEnv, "offset", env.Getenv(clockOffsetEnv))
	}
	a, err := openApp(ctx, cfg, log, appOptions{needKey: true, now: now})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Gridwork is serving %s on http://%s/\n", a.db.Dialect, ln.Addr())
	return serve(ctx, a, ln)
}

// clockOffsetEnv names a testing aid, not a setting: a duration ("48h")
// added to the clock of a serve process, so that a test running whole
// processes (multiproc_test.go) can make deadlines pass without waiting.
// Never set it in production: every timestamp written moves with it.
const clockOffsetEnv = "GRIDWORK_TEST_CLOCK_OFFSET"

// testClock returns the clock moved by clockOffsetEnv, or nil (the real
// clock) when it is unset.
func testClock(getenv func(string) string) (func() time.Time, error) {
	v := getenv(clockOffsetEnv)
	if v == "" {
		return nil, nil
	}
	off, err := time.ParseDuration(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", clockOffsetEnv, err)
	}
	return func() time.Time { return time.Now().Add(off) }, nil
}

// serve runs the HTTP server and the background jobs until ctx ends, then
// shuts down in order: HTTP (letting in-flight requests finish), background
// jobs, and — by the caller — the database.
func serve(ctx context.Context, a *app, ln net.Listener) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(a.db.ReaderPool(), "reader"))
	if a.db.WriterPool() != a.db.ReaderPool() {
		reg.MustRegister(collectors.NewDBStatsCollector(a.db.WriterPool(), "writer"))
	}
	srv := web.New(web.Deps{
		DB: a.db, Auth: a.auth, Territory: a.territory, People: a.people, Ledger: a.ledger, Exporter: a.exporter,
		Cases: a.cases, Calendar: a.calendar, Category: a.category, Media: a.media, Notify: a.notify,
		Stats: a.stats, Open311: a.open311, Zone: a.zone,
		Logger: a.log, Registry: reg, SessionTTL: a.cfg.SessionTTL,
	})
	httpSrv := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // ledger uploads
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	jobsCtx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	var jobs sync.WaitGroup
	jobs.Go(func() { a.sweepSessions(jobsCtx) })
	jobs.Go(func() { a.tick(jobsCtx) })
	jobs.Go(func() { a.webhooks.Run(jobsCtx) })
	jobs.Go(func() { a.stats.Run(jobsCtx, statsDrainEvery) })
	if a.live != nil {
		// Several processes on one PostgreSQL: hear the others' live
		// events, and reload the point → grid index when they change
		// the territory.
		changed := a.live.Watch(territory.IndexChannel)
		jobs.Go(func() { a.live.Run(jobsCtx) })
		jobs.Go(func() { a.territory.WatchIndex(jobsCtx, changed, territoryDebounce, a.log) })
		reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridwork_live_received_total",
				Help: "Live events heard from other processes."}, func() float64 { return float64(a.live.Stats().Received) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "gridwork_live_connects_total",
				Help: "Connections made by the live-event listener (1 + reconnections)."}, func() float64 { return float64(a.live.Stats().Connects) }),
		)
	}

	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
		a.log.Info("shutting down")
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownIn)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		a.log.Warn("http shutdown", "err", err)
	}
	stopJobs()
	jobs.Wait()
	if errors.Is(serveErr, http.ErrServerClosed) {
		serveErr = nil
	}
	return serveErr
}

// territoryDebounce is how long a process waits after a territory change
// in another process before reloading its index, gathering a burst of
// edits into one reload.
const territoryDebounce = 500 * time.Millisecond

// tick runs the case loop's deadline checks (supervision, escalation) every
// TickEvery, as the system; several processes may tick at once.
func (a *app) tick(ctx context.Context) {
	ctx = auth.WithActor(ctx, auth.SystemActor())
	t := time.NewTicker(a.cfg.TickEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for {
				res, err := a.cases.Tick(ctx)
				if err != nil {
					a.log.Warn("tick", "err", err)
					break
				}
				if !res.More {
					break
				}
			}
		}
	}
}

// loginAttemptsKept is how long the login-attempt audit trail is kept.
const loginAttemptsKept = 180 * 24 * time.Hour

// sweepSessions deletes expired sessions and old login attempts every ten
// minutes, as the system.
func (a *app) sweepSessions(ctx context.Context) {
	ctx = auth.WithActor(ctx, auth.SystemActor())
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := a.auth.DeleteExpiredSessions(ctx); err != nil {
				a.log.Warn("sweep sessions", "err", err)
			} else if n > 0 {
				a.log.Debug("swept sessions", "deleted", n)
			}
			if _, err := a.auth.PurgeLoginAttempts(ctx, a.db.Now().Add(-loginAttemptsKept)); err != nil {
				a.log.Warn("purge login attempts", "err", err)
			}
		}
	}
}

func runMigrate(ctx context.Context, env *Env, args []string) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.bind(fs, env.Getenv, "db", "log-level", "log-format")
	status := fs.Bool("status", false, "print the schema version and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := newLogger(cfg, env.Stderr)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if !*status {
		if err := db.Migrate(ctx); err != nil {
			return err
		}
	}
	cur, target, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s schema at version %d (newest %d)\n", db.Dialect, cur, target)
	return nil
}
