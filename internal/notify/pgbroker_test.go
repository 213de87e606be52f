package notify_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// pgPair is two "processes" on one PostgreSQL schema: each its own pool,
// broker and notify service, the brokers listening.
type pgPair struct {
	f      *fixture // process 1's service, and the users
	db2    *sqldb.DB
	svc2   *notify.Service
	b1, b2 *notify.PgBroker
}

func newPgPair(t *testing.T, watch ...string) (*pgPair, []<-chan struct{}) {
	t.Helper()
	clk := newClock()
	db1 := sqldbtest.Postgres(t, sqldbtest.Options{Now: clk.Now})
	ctx := context.Background()
	db2, err := sqldb.Open(ctx, db1.DSN, sqldb.Options{Now: clk.Now, MaxReaders: 2, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("open second pool: %v", err)
	}
	t.Cleanup(func() { db2.Close() })
	opt := notify.PgBrokerOptions{MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		PingEvery: 200 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}
	p := &pgPair{db2: db2}
	if p.b1, err = notify.NewPgBroker(ctx, db1, opt); err != nil {
		t.Fatal(err)
	}
	if p.b2, err = notify.NewPgBroker(ctx, db2, opt); err != nil {
		t.Fatal(err)
	}
	var watches []<-chan struct{}
	for _, w := range watch {
		watches = append(watches, p.b2.Watch(w))
	}
	p.f = newFixture(t, db1, clk, notify.Options{Broker: p.b1})
	p.svc2 = notify.NewService(db2, notify.Options{Broker: p.b2, Logger: slog.New(slog.DiscardHandler)})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{}, 2)
	for _, b := range []*notify.PgBroker{p.b1, p.b2} {
		go func() { b.Run(runCtx); done <- struct{}{} }()
	}
	t.Cleanup(func() {
		stop()
		<-done
		<-done
	})
	for _, b := range []*notify.PgBroker{p.b1, p.b2} {
		select {
		case <-b.Listening():
		case <-time.After(10 * time.Second):
			t.Fatal("broker not listening after 10 s")
		}
	}
	return p, watches
}

// publish2 publishes events in one committed transaction of process 2.
func (p *pgPair) publish2(t *testing.T, actor *auth.Actor, events ...notify.Event) {
	t.Helper()
	ctx := as(actor)
	if err := p.db2.Transact(ctx, func(tx *sqldb.Tx) error {
		for _, e := range events {
			if err := p.svc2.Publish(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("publish on process 2: %v", err)
	}
}

// collect reads ch until it holds n events or 10 s pass.
func collect(t *testing.T, ch <-chan notify.Event, n int) []notify.Event {
	t.Helper()
	var out []notify.Event
	deadline := time.After(10 * time.Second)
	for len(out) < n {
		select {
		case e := <-ch:
			out = append(out, e)
		case <-deadline:
			t.Fatalf("got %d events %v in 10 s, want %d", len(out), kinds(out), n)
		}
	}
	return out
}

func caseIDs(es []notify.Event) []int64 {
	var ids []int64
	for _, e := range es {
		ids = append(ids, e.CaseID)
	}
	slices.Sort(ids)
	return ids
}

// An event committed by either process reaches the subscribers of both,
// exactly once, with the same visibility rules; a rolled-back one reaches
// nobody; one too large for a notification travels by reference.
func TestPgBrokerTwoProcesses(t *testing.T) {
	t.Parallel()
	p, _ := newPgPair(t)
	f := p.f
	sys1, c1 := p.b1.Subscribe(context.Background(), auth.SystemActor())
	defer c1()
	sys2, c2 := p.b2.Subscribe(context.Background(), auth.SystemActor())
	defer c2()
	carol2, c3 := p.b2.Subscribe(context.Background(), f.carol) // a recipient, no region grants
	defer c3()
	bob2, c4 := p.b2.Subscribe(context.Background(), f.bob) // a grid worker of another community
	defer c4()

	// Alternate the processes, so that a process hearing its own event
	// back would show it before the other's next.
	ev := func(id int64) notify.Event {
		e := caseEvent("case.dispatched", f.carol.UserID)
		e.CaseID = id
		return e
	}
	for id := int64(1); id <= 6; id++ {
		if id%2 == 1 {
			f.publish(t, f.alice, ev(id))
		} else {
			p.publish2(t, f.alice, ev(id))
		}
	}
	want := []int64{1, 2, 3, 4, 5, 6}
	got1, got2, gotCarol := collect(t, sys1, 6), collect(t, sys2, 6), collect(t, carol2, 6)
	time.Sleep(300 * time.Millisecond) // room for a duplicate to show up
	got1, got2, gotCarol = append(got1, received(sys1)...), append(got2, received(sys2)...), append(gotCarol, received(carol2)...)
	for name, got := range map[string][]notify.Event{"process 1": got1, "process 2": got2, "carol on process 2": gotCarol} {
		if d := cmp.Diff(want, caseIDs(got)); d != "" {
			t.Errorf("%s: case ids (-want +got):\n%s", name, d)
		}
	}
	if got := received(bob2); len(got) != 0 {
		t.Errorf("bob, who may not see grid X, got %v", kinds(got))
	}
	// What crossed over is what subscribers need; the inbox text stays home.
	var remote notify.Event
	for _, e := range got2 {
		if e.CaseID == 1 {
			remote = e
		}
	}
	wantRemote := ev(1)
	wantRemote.At = f.clock.Now().UTC()
	wantRemote.TitleZH, wantRemote.TitleEN, wantRemote.Body = "", "", ""
	if d := cmp.Diff(wantRemote, remote); d != "" {
		t.Errorf("event heard by process 2 (-want +got):\n%s", d)
	}
	if st := p.b2.Stats(); st.Received != 3 || st.Connects != 1 {
		t.Errorf("process 2 stats = %+v; want 3 received, 1 connection", st)
	}

	// Rolled back on process 1: nobody hears of it. Then a large event
	// (13 kB of public data): it goes by reference and arrives whole.
	ctx := as(f.alice)
	boom := errors.New("boom")
	if err := f.db.Transact(ctx, func(tx *sqldb.Tx) error {
		if err := f.svc.Publish(ctx, tx, ev(7)); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("transact = %v", err)
	}
	big := ev(8)
	big.Public = map[string]any{"note": strings.Repeat("楼道积水", 1100)}
	f.publish(t, f.alice, big)
	got := collect(t, sys2, 1)
	if got[0].CaseID != 8 || got[0].Public["note"] != big.Public["note"] {
		t.Errorf("after a rollback and a large event, process 2 got %v (note of %d bytes)", kinds(got), len(got[0].Public["note"].(string)))
	}
	if n := count(t, f.db, "live_events", ""); n != 1 {
		t.Errorf("live_events rows = %d; want 1 (the large event)", n)
	}
	if got := kinds(collect(t, sys1, 1)); !cmp.Equal(got, []string{"case.dispatched#8"}) {
		t.Errorf("process 1 got %v; want the large event only", got)
	}
}

// When the listening connection breaks, the broker reconnects, tells its
// subscribers they may have missed events, wakes its watchers, and hears
// the other process again.
func TestPgBrokerReconnect(t *testing.T) {
	t.Parallel()
	p, watches := newPgPair(t, "gridwork_territory")
	f, territory := p.f, watches[0]
	select { // the first connection wakes the watcher: changes may have been missed before
	case <-territory:
	case <-time.After(5 * time.Second):
		t.Fatal("watcher not woken by the first connection")
	}
	sys2, cancel := p.b2.Subscribe(context.Background(), auth.SystemActor())
	defer cancel()

	// A notification on the watched channel (the territory triggers send
	// these) wakes the watcher.
	if _, err := f.db.WriterPool().Exec(`SELECT pg_notify(gridwork_channel('gridwork_territory'), '')`); err != nil {
		t.Fatal(err)
	}
	select {
	case <-territory:
	case <-time.After(5 * time.Second):
		t.Fatal("watcher not woken by a notification")
	}

	pid := p.b2.ListenerPID()
	if _, err := f.db.WriterPool().Exec(`SELECT pg_terminate_backend($1)`, int64(pid)); err != nil {
		t.Fatal(err)
	}
	got := collect(t, sys2, 1)
	if got[0].Kind != notify.KindMissed || got[0].Missed < 1 {
		t.Fatalf("after the connection broke, got %+v; want %s with missed ≥ 1", got[0], notify.KindMissed)
	}
	select {
	case <-territory:
	case <-time.After(5 * time.Second):
		t.Fatal("watcher not woken by the reconnection")
	}
	if st := p.b2.Stats(); st.Connects != 2 || p.b2.ListenerPID() == pid {
		t.Errorf("stats after reconnect = %+v (listener pid %d, was %d)", st, p.b2.ListenerPID(), pid)
	}
	f.publish(t, f.alice, caseEvent("case.accepted", f.carol.UserID))
	if got := kinds(collect(t, sys2, 1)); !cmp.Equal(got, []string{"case.accepted#42"}) {
		t.Errorf("after reconnecting, process 2 got %v", got)
	}
}

// SQLite has one process: no PostgreSQL broker.
func TestPgBrokerNeedsPostgres(t *testing.T) {
	t.Parallel()
	db := sqldbtest.SQLite(t, sqldbtest.Options{})
	if _, err := notify.NewPgBroker(context.Background(), db, notify.PgBrokerOptions{}); err == nil {
		t.Error("NewPgBroker on SQLite: no error")
	}
}
