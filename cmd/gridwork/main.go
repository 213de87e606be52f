// Command gridwork runs Gridwork: the server, the demo city, migrations,
// user administration and Excel ledgers. It only wires the internal packages.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

// Env is what a subcommand may use of the process: streams and environment.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

func commands() []command {
	return []command{
		{"serve", "run the server (SQLite file or PostgreSQL)", runServe},
		{"demo", "create a demo city in an embedded SQLite file and serve it", runDemo},
		{"migrate", "bring the database schema up to date", runMigrate},
		{"user", "create users, grant roles, reset passwords, create API tokens", runUser},
		{"import", "import an Excel ledger (buildings, households, residents)", runImport},
		{"export", "export an Excel ledger or its empty template", runExport},
		{"verify-history", "check the hash chains of case histories", runVerifyHistory},
		{"stats", "KPI rollups: rebuild them from the case events; export KPI tables and monthly reports", runStats},
		{"bench", "load-test a server (intake, task lists, queues, dashboard) or crash-test it", runBench},
		{"version", "print the version", runVersion},
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, env, args[1:])
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			if err != nil {
				fmt.Fprintf(stderr, "gridwork %s: %v\n", c.name, userMessage(err))
				return 1
			}
			return 0
		}
	}
	fmt.Fprintf(stderr, "gridwork: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: gridwork <command> [flags]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'gridwork <command> -h' for the flags of a command.")
}

func runVersion(_ context.Context, env *Env, _ []string) error {
	fmt.Fprintf(env.Stdout, "gridwork %s\n", version)
	return nil
}
