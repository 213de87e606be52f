package main

import (
	"context"
	"encoding/json"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// envChild marks the test binary started as "gridwork" by the bench: the
// bench runs os.Executable() as its server, which in tests is this binary.
const envChild = "GRIDWORK_TEST_AS_GRIDWORK"

func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
		stop()
		os.Exit(code)
	}
	// Children of this process (the bench's server) run as gridwork.
	os.Setenv(envChild, "1")
	os.Exit(m.Run())
}

// benchEngines runs fn on SQLite and, when GRIDWORK_TEST_POSTGRES is set,
// on PostgreSQL, giving the extra bench flags for the engine.
func benchEngines(t *testing.T, fn func(t *testing.T, dbArgs []string)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, nil)
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv(sqldbtest.EnvPostgres)
		if dsn == "" {
			t.Skip(sqldbtest.EnvPostgres + " not set: PostgreSQL tests skipped")
		}
		t.Parallel()
		fn(t, []string{"-db", dsn})
	})
}

// TestBenchEveryScenario runs a 2-second bench of every scenario and the
// baseline against a server the bench starts on a village: no request
// fails and every scenario (and each operation of the mix) gets through.
func TestBenchEveryScenario(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	benchEngines(t, func(t *testing.T, dbArgs []string) {
		args := append([]string{"bench", "-size", "village", "-c", "4", "-d", "2s", "-warmup", "0", "-prefill", "30", "-baseline", "-json"}, dbArgs...)
		code, out, errOut := gridwork(context.Background(), nil, args...)
		if code != 0 {
			t.Fatalf("bench: %d\n%s\n%s", code, out, errOut)
		}
		var rep struct {
			Engine   string `json:"engine"`
			Baseline *struct {
				Requests  int64   `json:"requests"`
				Errors    int64   `json:"errors"`
				PerSecond float64 `json:"per_second"`
			} `json:"baseline"`
			Results []struct {
				Scenario  string  `json:"scenario"`
				Op        string  `json:"op"`
				Errors    int64   `json:"errors"`
				PerSecond float64 `json:"per_second"`
				P99ms     float64 `json:"p99_ms"`
			} `json:"results"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("report is not JSON: %v\n%s", err, out)
		}
		wantEngine := "sqlite"
		if len(dbArgs) > 0 {
			wantEngine = "postgres"
		}
		if rep.Engine != wantEngine || rep.Baseline == nil || rep.Baseline.Errors != 0 || rep.Baseline.PerSecond <= 0 {
			t.Errorf("engine %q, baseline %+v; want %s and a baseline without errors", rep.Engine, rep.Baseline, wantEngine)
		}
		seen := map[string]bool{}
		for _, r := range rep.Results {
			name := r.Scenario
			if r.Op != "" {
				name += "/" + r.Op
			}
			seen[name] = true
			if r.Errors != 0 || r.PerSecond <= 0 || r.P99ms <= 0 {
				t.Errorf("%s: %d errors, %.1f/s, p99 %.2f ms; want no errors and some throughput", name, r.Errors, r.PerSecond, r.P99ms)
			}
		}
		for _, want := range []string{"intake", "tasks", "queue", "dashboard", "mix", "mix/intake", "mix/tasks", "mix/queue", "mix/dashboard"} {
			if !seen[want] {
				t.Errorf("no figures for %s in %s", want, out)
			}
		}
	})
}

// TestBenchCrash kills the server during intake load, restarts it and
// finds every acknowledged case and event, and every hash chain intact.
func TestBenchCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	benchEngines(t, func(t *testing.T, dbArgs []string) {
		args := append([]string{"bench", "-crash", "-size", "village", "-c", "6", "-d", "1500ms", "-json"}, dbArgs...)
		code, out, errOut := gridwork(context.Background(), nil, args...)
		if code != 0 {
			t.Fatalf("bench -crash: %d\n%s\n%s", code, out, errOut)
		}
		var rep struct {
			Cases         int  `json:"acknowledged_cases"`
			Events        int  `json:"acknowledged_events"`
			Missing       int  `json:"missing"`
			CheckedCases  int  `json:"checked_cases"`
			CheckedEvents int  `json:"checked_events"`
			OK            bool `json:"ok"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("report is not JSON: %v\n%s", err, out)
		}
		if !rep.OK || rep.Cases == 0 || rep.Events <= rep.Cases || rep.Missing != 0 || rep.CheckedCases < rep.Cases || rep.CheckedEvents < rep.Events {
			t.Errorf("crash report %+v; want acknowledged cases and events (registrations too), none missing, a history check of at least those", rep)
		}
		if !strings.Contains(errOut, "killed the server (SIGKILL)") {
			t.Errorf("no kill in the log: %s", errOut)
		}
	})
}

// TestBenchRefusesBadFlags: flags that cannot go together are refused
// before anything starts.
func TestBenchRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "-url", "http://127.0.0.1:1", "-crash"},
		{"bench", "-url", "http://127.0.0.1:1", "-db", "postgres://x"},
		{"bench", "-db", "/tmp/some.db"},
		{"bench", "-size", "metropolis"},
	} {
		if code, _, errOut := gridwork(context.Background(), nil, args...); code == 0 || errOut == "" {
			t.Errorf("%v: exit %d %q, want a refusal", args, code, errOut)
		}
	}
}
