package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/gridwork/gridwork/internal/auth"
)

// runVerifyHistory checks the hash chains of case histories:
//
//	gridwork verify-history [-case ID]
//
// It exits non-zero and names the first broken link when a stored event was
// changed, removed or inserted.
func runVerifyHistory(ctx context.Context, env *Env, args []string) error {
	cfg := defaultConfig()
	fs := flag.NewFlagSet("verify-history", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.bind(fs, env.Getenv, "db", "pii-key", "log-level", "log-format", "media-dir")
	caseID := fs.Int64("case", 0, "check one case (default: every case)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a, err := openToolApp(ctx, env, cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	rep, err := a.cases.CheckHistory(auth.WithActor(ctx, auth.SystemActor()), *caseID)
	if err != nil {
		return err
	}
	if rep.Broken != nil {
		fmt.Fprintf(env.Stdout, "checked %d cases, %d events\n", rep.Cases, rep.Events)
		return fmt.Errorf("history broken: %v", rep.Broken)
	}
	fmt.Fprintf(env.Stdout, "%d cases, %d events: every hash chain verifies\n", rep.Cases, rep.Events)
	return nil
}
