package cases_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// gate is an observer that holds the first transaction it sees until
// released, so that the writes that follow queue up behind it and share
// the next one; onChange, if set, sees every change in its transaction.
type gate struct {
	entered  chan struct{} // closed once the first transaction is held
	release  chan struct{}
	once     sync.Once
	onChange func(ctx context.Context, tx *sqldb.Tx, ch cases.Change) error
}

func newGate() *gate { return &gate{entered: make(chan struct{}), release: make(chan struct{})} }

func (g *gate) ObserveEvents(ctx context.Context, tx *sqldb.Tx, changes []cases.Change) error {
	held := false
	g.once.Do(func() { close(g.entered); held = true })
	if held {
		<-g.release
	}
	for _, ch := range changes {
		if g.onChange != nil {
			if err := g.onChange(ctx, tx, ch); err != nil {
				return err
			}
		}
	}
	return nil
}

// outcome is the answer a reporter got.
type outcome struct {
	c    *cases.Case
	err  error
	done chan struct{}
}

// start reports in from ctx in a goroutine.
func start(f *fixture, ctx context.Context, in cases.ReportInput) *outcome {
	o := &outcome{done: make(chan struct{})}
	go func() {
		defer close(o.done)
		o.c, o.err = f.svc.Report(ctx, in)
	}()
	return o
}

// wait returns the outcome once the reporter has it.
func (o *outcome) wait(t *testing.T) *outcome {
	t.Helper()
	select {
	case <-o.done:
	case <-time.After(20 * time.Second):
		t.Fatal("a reporter got no answer")
	}
	return o
}

// hold makes a report that the gate holds inside its transaction.
func (g *gate) hold(t *testing.T, f *fixture) *outcome {
	t.Helper()
	in := f.leak()
	in.Title = "先到的上报"
	o := start(f, as(f.resident), in)
	select {
	case <-g.entered:
	case <-o.done:
		t.Fatalf("the first report did not wait: %v", o.err)
	}
	return o
}

// queued waits until n writes wait for the committer.
func queued(t *testing.T, f *fixture, n int) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); cases.QueuedWrites(f.svc) < n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", cases.QueuedWrites(f.svc), n)
		}
	}
}

// next starts a report and waits until it is queued (or answered before
// that), so that a batch takes the reports in the order of next's calls.
func next(t *testing.T, f *fixture, ctx context.Context, in cases.ReportInput) *outcome {
	t.Helper()
	n := cases.QueuedWrites(f.svc)
	o := start(f, ctx, in)
	for deadline := time.Now().Add(20 * time.Second); cases.QueuedWrites(f.svc) <= n; time.Sleep(100 * time.Microsecond) {
		select {
		case <-o.done:
			t.Fatalf("report %q answered before it was queued: %v", in.Title, o.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("report %q not queued", in.Title)
		}
	}
	return o
}

// TestGroupCommitConcurrentReports: 200 reporters at once get 200 cases,
// each its own, in far fewer transactions: while the first commit is held,
// the other 199 queue and share the next.
func TestGroupCommitConcurrentReports(t *testing.T) {
	t.Parallel()
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, cases.Options{})
		g := newGate()
		withObserver(t, f, g, cases.Options{})
		first := g.hold(t, f)
		const n = 199
		outs := make([]*outcome, n)
		for i := range outs {
			in := f.leak()
			in.Title = fmt.Sprintf("楼道暖气漏水 %03d", i)
			if i%2 == 0 {
				in.IdempotencyKey = fmt.Sprintf("key-%03d", i)
			}
			outs[i] = start(f, as(f.resident), in)
		}
		queued(t, f, n)
		close(g.release)
		ids := map[int64]bool{first.wait(t).c.ID: true}
		if first.err != nil {
			t.Fatal(first.err)
		}
		for i, o := range outs {
			o.wait(t)
			if o.err != nil {
				t.Fatalf("report %d: %v", i, o.err)
			}
			if want := fmt.Sprintf("楼道暖气漏水 %03d", i); o.c.Title != want || o.c.ID == 0 {
				t.Fatalf("report %d got case %d %q", i, o.c.ID, o.c.Title)
			}
			if ids[o.c.ID] {
				t.Fatalf("case %d handed to two reporters", o.c.ID)
			}
			ids[o.c.ID] = true
			got, err := f.svc.FindCaseByID(sys(), o.c.ID)
			if err != nil || got.Title != o.c.Title || got.Number != o.c.Number {
				t.Fatalf("case %d read back: %v %v", o.c.ID, got, err)
			}
		}
		if c := f.counts(); c["cases"] != n+1 || c["case_events"] != n+1 {
			t.Errorf("rows %v; want %d cases and events", c, n+1)
		}
		st := f.svc.GroupStats()
		t.Logf("group commit: %+v", st)
		if st.Writes != n+1 || st.Transactions != 2 || st.Largest != n {
			t.Errorf("stats %+v; want %d writes in 2 transactions, the larger of %d", st, n+1, n)
		}
		var last int64
		if err := db.QueryRow(sys(), `SELECT last FROM case_numbers`).Scan(&last); err != nil || last != n+1 {
			t.Errorf("last case number %d (%v); want %d", last, err, n+1)
		}
		if err := f.svc.VerifyHistory(sys(), 0); err != nil {
			t.Error(err)
		}
	})
}

// TestGroupCommitFailureStaysAlone lines up, in one transaction, good
// reports, a report whose write breaks a constraint, two with the key of
// an earlier one in the batch (one the same report, one another), and one
// whose reporter gives up while it waits. Each gets its own answer; the
// failures write nothing (no case, event, number, notification or live
// event); the others commit.
func TestGroupCommitFailureStaysAlone(t *testing.T) {
	t.Parallel()
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, cases.Options{})
		g := newGate()
		g.onChange = func(ctx context.Context, tx *sqldb.Tx, ch cases.Change) error {
			if ch.After.Title != "坏的上报" {
				return nil
			}
			// A statement that fails in the database (on PostgreSQL, it
			// aborts the transaction but for the savepoint).
			_, err := tx.Exec(ctx, `INSERT INTO case_numbers (day, last) VALUES ($1, 1)`, "20260306")
			return err
		}
		withObserver(t, f, g, cases.Options{})
		live, stop := f.ntf.Subscribe(context.Background(), auth.SystemActor())
		defer stop()
		before := f.counts()

		report := func(title, key string) cases.ReportInput {
			in := f.leak()
			in.Title, in.IdempotencyKey = title, key
			return in
		}
		first := g.hold(t, f)
		good1 := next(t, f, as(f.resident), report("好的上报一", ""))
		bad := next(t, f, as(f.resident), report("坏的上报", ""))
		good2 := next(t, f, as(f.resident), report("好的上报二", "k-2"))
		other := next(t, f, as(f.resident), report("另一件事", "k-2"))
		again := next(t, f, as(f.resident), report("好的上报二", "k-2"))
		gone, cancel := context.WithCancel(as(f.resident))
		quit := next(t, f, gone, report("等不及的上报", "k-quit"))
		good3 := next(t, f, as(f.resident), report("好的上报三", ""))
		cancel()
		if quit.wait(t); !errors.Is(quit.err, context.Canceled) {
			t.Errorf("cancelled reporter: %v; want context.Canceled", quit.err)
		}
		close(g.release)

		var ids []int64
		for _, o := range []*outcome{first, good1, good2, good3} {
			if o.wait(t).err != nil {
				t.Fatalf("good report: %v", o.err)
			}
			ids = append(ids, o.c.ID)
		}
		if bad.wait(t); apperr.CodeOf(bad.err) != apperr.Conflict {
			t.Errorf("bad report: %v; want the constraint's conflict", bad.err)
		}
		wantErr(t, other.wait(t).err, apperr.Conflict, "idempotency_key")
		if again.wait(t); again.err != nil || again.c.ID != good2.c.ID {
			t.Errorf("the same report with the same key: %v; want case %d", again.err, good2.c.ID)
		}
		if st := f.svc.GroupStats(); st.Transactions != 2 || st.Writes != 7 {
			t.Errorf("stats %+v; want 7 writes in 2 transactions", st)
		}

		after := f.counts()
		for _, table := range []string{"cases", "case_events"} {
			if d := after[table] - before[table]; d != 4 {
				t.Errorf("%s: %d rows more; want 4", table, d)
			}
		}
		var n int
		if err := db.QueryRow(sys(), `SELECT count(*) FROM cases WHERE title IN ('坏的上报', '另一件事', '等不及的上报')`).Scan(&n); err != nil || n != 0 {
			t.Errorf("failed reports wrote %d cases (%v)", n, err)
		}
		// Numbers without a gap: the failure's number went back.
		var numbers []string
		for _, o := range []*outcome{first, good1, good2, good3} {
			numbers = append(numbers, o.c.Number)
		}
		slices.Sort(numbers)
		for i, num := range numbers {
			if want := fmt.Sprintf("GW20260306-%06d", i+1); num != want {
				t.Errorf("numbers %v; want 000001 to 000004", numbers)
				break
			}
		}
		// Every inbox row and live event is a committed case's.
		if err := db.QueryRow(sys(), `SELECT count(*) FROM inbox WHERE case_id NOT IN (SELECT id FROM cases)`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d inbox rows of no case (%v)", n, err)
		}
		var seen []int64
		for len(seen) < 4 {
			select {
			case e := <-live:
				seen = append(seen, e.CaseID)
				continue
			case <-time.After(5 * time.Second):
			}
			break
		}
		select {
		case e := <-live:
			seen = append(seen, e.CaseID)
		default:
		}
		slices.Sort(seen)
		slices.Sort(ids)
		if !slices.Equal(seen, ids) {
			t.Errorf("live events of cases %v; want %v", seen, ids)
		}
		if err := f.svc.VerifyHistory(sys(), 0); err != nil {
			t.Error(err)
		}
	})
}

// TestGroupCommitCancelledInTransaction: a reporter who gives up after its
// write ran, before the commit, gets its context's error; the case commits
// all the same, and a retry with the same key returns it.
func TestGroupCommitCancelledInTransaction(t *testing.T) {
	t.Parallel()
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, cases.Options{})
		ctx, cancel := context.WithCancel(as(f.resident))
		var o *outcome
		ready := make(chan struct{})
		g := newGate()
		close(g.release)
		g.onChange = func(_ context.Context, _ *sqldb.Tx, ch cases.Change) error {
			<-ready
			cancel()
			select {
			case <-o.done: // the reporter has its answer before the commit
			case <-time.After(20 * time.Second):
				return errors.New("the cancelled reporter did not return")
			}
			return nil
		}
		withObserver(t, f, g, cases.Options{})
		in := f.leak()
		in.IdempotencyKey = "flaky-network"
		o = start(f, ctx, in)
		close(ready)
		if o.wait(t); !errors.Is(o.err, context.Canceled) {
			t.Fatalf("cancelled reporter: %v; want context.Canceled", o.err)
		}
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(time.Millisecond) {
			if f.svc.GroupStats().Transactions == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the transaction did not end")
			}
		}
		c, err := f.svc.Report(as(f.resident), in)
		if err != nil || c.Title != in.Title {
			t.Fatalf("retry: %v %v", c, err)
		}
		if n := f.counts()["cases"]; n != 1 {
			t.Errorf("%d cases; want 1", n)
		}
	})
}

// TestGroupCommitClose: Close waits for the writes already queued, which
// commit; later ones are refused. With GroupMax 1 every write has a
// transaction of its own.
func TestGroupCommitClose(t *testing.T) {
	t.Parallel()
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, cases.Options{})
		g := newGate()
		withObserver(t, f, g, cases.Options{})
		first := g.hold(t, f)
		var outs []*outcome
		for i := range 3 {
			in := f.leak()
			in.Title = fmt.Sprintf("关闭前的上报 %d", i)
			outs = append(outs, start(f, as(f.resident), in))
		}
		queued(t, f, 3)
		closed := make(chan struct{})
		go func() { f.svc.Close(); close(closed) }()
		close(g.release)
		select {
		case <-closed:
		case <-time.After(20 * time.Second):
			t.Fatal("Close did not return")
		}
		// Committed by the time Close returns.
		if n := f.counts()["cases"]; n != 4 {
			t.Errorf("%d cases after Close; want 4", n)
		}
		for _, o := range append(outs, first) {
			if o.wait(t).err != nil {
				t.Errorf("queued report: %v", o.err)
			}
		}
		before := f.counts()
		if _, err := f.svc.Report(as(f.resident), f.leak()); apperr.CodeOf(err) != apperr.Internal {
			t.Errorf("report after Close: %v; want refused", err)
		}
		f.unchanged(before, "a report after Close")

		withObserver(t, f, nil, cases.Options{GroupMax: 1})
		f.report(f.resident, f.leak())
		if st := f.svc.GroupStats(); st != (cases.GroupStats{}) {
			t.Errorf("GroupMax 1: stats %+v; want none", st)
		}
	})
}

// TestGroupCommitActs: transitions share transactions too. Two
// registrations of one case at the same version in one batch: the first
// commits, the second is stale (Conflict on "version") and writes nothing;
// another case's registration in the batch commits.
func TestGroupCommitActs(t *testing.T) {
	t.Parallel()
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, cases.Options{})
		a, b := f.report(f.resident, f.leak()), f.report(f.neighbour, f.leak())
		g := newGate()
		withObserver(t, f, g, cases.Options{})
		first := g.hold(t, f)
		act := func(c *cases.Case) *outcome {
			n := cases.QueuedWrites(f.svc)
			o := &outcome{done: make(chan struct{})}
			go func() {
				defer close(o.done)
				o.c, o.err = f.svc.Act(as(f.secretary), c.ID, cases.ActInput{Action: cases.ActRegister, Version: c.Version})
			}()
			queued(t, f, n+1)
			return o
		}
		a1, a2, b1 := act(a), act(a), act(b)
		close(g.release)
		if first.wait(t).err != nil || a1.wait(t).err != nil || b1.wait(t).err != nil {
			t.Fatalf("report %v, registrations %v, %v", first.err, a1.err, b1.err)
		}
		wantErr(t, a2.wait(t).err, apperr.Conflict, "version")
		if a1.c.State != cases.Registered || a1.c.Version != 2 || b1.c.State != cases.Registered {
			t.Errorf("registered: %s v%d, %s", a1.c.State, a1.c.Version, b1.c.State)
		}
		if evs := f.events(a.ID); len(evs) != 2 {
			t.Errorf("case a has %d events; want 2", len(evs))
		}
		if st := f.svc.GroupStats(); st.Transactions != 2 || st.Writes != 4 {
			t.Errorf("stats %+v; want 4 writes in 2 transactions", st)
		}
		if err := f.svc.VerifyHistory(sys(), 0); err != nil {
			t.Error(err)
		}
	})
}
