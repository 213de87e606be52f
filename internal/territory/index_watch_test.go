package territory_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/territory"
)

// A boundary drawn by one process reaches the point → grid index of
// another: on PostgreSQL through the territory trigger's notification,
// heard by a notify.PgBroker; on SQLite (one process in practice) by a
// signal sent by hand.
func TestWatchIndex(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		w := newWorld(t, db)
		mustBoundary(t, w.svc, w.commA1, box(x0, y0, x1, y1), date(2026, 1, 1))
		other := territory.NewService(db) // the other process
		if err := other.LoadIndex(sys()); err != nil {
			t.Fatal(err)
		}
		manual := make(chan struct{}, 1)
		var changed <-chan struct{} = manual
		if db.Dialect == sqldb.Postgres {
			b, err := notify.NewPgBroker(ctx, db, notify.PgBrokerOptions{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			changed = b.Watch(territory.IndexChannel)
			done := make(chan struct{})
			go func() { b.Run(ctx); close(done) }()
			defer func() { stop(); <-done }()
			<-b.Listening()
			<-changed // the signal of the first connection: from now on only a notification wakes it
		}
		go other.WatchIndex(ctx, changed, 10*time.Millisecond, slog.New(slog.DiscardHandler))

		gridAt := func() string {
			r, err := other.FindGridAt(sys(), 116.02, 39.95)
			if apperr.CodeOf(err) == apperr.NotFound {
				return ""
			}
			if err != nil {
				t.Fatal(err)
			}
			return r.Code
		}
		if got := gridAt(); got != "" {
			t.Fatalf("before the grid is drawn: %q", got)
		}
		mustBoundary(t, w.svc, w.gridA11, box(x0, y0, xm, y1), date(2026, 1, 1))
		if db.Dialect == sqldb.SQLite {
			manual <- struct{}{}
		}
		for deadline := time.Now().Add(10 * time.Second); gridAt() != w.gridA11.Code; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the other process's index did not learn of the new grid in 10 s")
			}
		}
	})
}
