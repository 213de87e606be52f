package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
)

// statsDrainEvery is how often serve projects the pending KPI facts (it
// also does as soon as a case transaction commits).
const statsDrainEvery = 500 * time.Millisecond

// statsCommands are the subcommands of "gridwork stats"; the KPI exports
// add theirs here.
var statsCommands = map[string]func(ctx context.Context, env *Env, args []string) error{
	"rebuild": runStatsRebuild,
	"export":  runStatsExport,
	"monthly": runStatsMonthly,
}

// runStats dispatches "gridwork stats <subcommand>".
func runStats(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: gridwork stats rebuild|export|monthly [-db …] (-h for the flags of each)")
	}
	run, ok := statsCommands[args[0]]
	if !ok {
		return fmt.Errorf("gridwork stats: unknown subcommand %q (want rebuild, export or monthly)", args[0])
	}
	return run(ctx, env, args[1:])
}

// runStatsRebuild recomputes the KPI rollups from the case events:
//
//	gridwork stats rebuild [-db …]
//
// Run it with the servers stopped; it prints its progress and the number
// of events replayed.
func runStatsRebuild(ctx context.Context, env *Env, args []string) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("stats rebuild", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.bind(fs, env.Getenv, "db", "pii-key", "log-level", "log-format", "media-dir")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := openToolApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	start := time.Now()
	last := time.Time{}
	n, err := a.stats.Rebuild(auth.WithActor(ctx, auth.SystemActor()), func(done, total int) {
		if time.Since(last) >= time.Second || done == total {
			last = time.Now()
			fmt.Fprintf(env.Stderr, "stats: %d/%d cases\n", done, total)
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "rebuilt the KPI rollups from %d events in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}
