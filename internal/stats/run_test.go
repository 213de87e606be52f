package stats_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// TestRunShowsAChange: with the projector running (as serve runs it, but
// ticking rarely), a new case shows in the live counters once its
// transaction commits, thanks to the kick.
func TestRunShowsAChange(t *testing.T) {
	t.Parallel()
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); f.st.Run(ctx, time.Hour) }()
		defer func() { cancel(); <-done }()
		f.at(local(2026, 3, 2, 10, 0))
		f.report(f.resident, f.leak())
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			live, err := f.st.Live(as(f.leader), f.county.ID)
			if err != nil {
				t.Fatal(err)
			}
			if live.Today.Reported == 1 && live.Open == 1 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the report never showed: %+v", live)
			}
		}
	})
}
