package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a Gridwork server process the crash test starts, kills and
// starts again on the same database.
type Server interface {
	// Start starts the process and returns its base URL once it answers.
	Start(ctx context.Context) (string, error)
	// Kill ends the process with SIGKILL and waits for it to exit.
	Kill() error
	// Stop ends the process gracefully (SIGTERM) and waits for it.
	Stop() error
}

// CrashOptions tune a crash test.
type CrashOptions struct {
	Concurrency int           // virtual users reporting (and acting): 16 if 0
	KillAfter   time.Duration // load before the SIGKILL: 2 s if 0
	ActEvery    int           // register (and dispatch) every n-th acknowledged case: 3 if 0
	// Verify checks every hash chain of the database once the restarted
	// server has stopped; it returns the cases and events checked.
	Verify func(ctx context.Context) (cases, events int, err error)
	Log    io.Writer // progress lines; none if nil
}

// CrashReport is what a crash test found.
type CrashReport struct {
	Cases          int      // acknowledged cases
	Events         int      // acknowledged events (reports included)
	CheckedCases   int      // cases the history check walked
	CheckedEvents  int      // events the history check walked
	LoadErrors     int64    // failed requests before the kill
	Missing        []string // acknowledged cases or events not found after the restart (first 20)
	MissingCount   int
	KilledAfter    time.Duration
	RestartedAfter time.Duration // from the kill until the server answered again
}

// ack is an acknowledged event: the server answered 2xx with the case at
// version seq after action.
type ack struct {
	caseID int64
	number string
	seq    int64
	action string
}

// Crash runs intake load (with registrations and dispatches) against the
// server, kills it with SIGKILL in the middle of the load, starts it again
// on the same database, and checks that every case and event the server
// acknowledged is there, then that every hash chain verifies. It returns an
// error when anything acknowledged is missing or a chain is broken; the
// report says what was found either way.
func Crash(ctx context.Context, srv Server, tokens []string, opt CrashOptions) (*CrashReport, error) {
	if opt.Concurrency <= 0 {
		opt.Concurrency = 16
	}
	if opt.KillAfter <= 0 {
		opt.KillAfter = 2 * time.Second
	}
	if opt.ActEvery <= 0 {
		opt.ActEvery = 3
	}
	logf := func(format string, args ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format+"\n", args...)
		}
	}
	url, err := srv.Start(ctx)
	if err != nil {
		return nil, fmt.Errorf("bench: crash: start: %w", err)
	}
	t, err := NewTarget(ctx, url, tokens)
	if err != nil {
		_ = srv.Kill()
		return nil, err
	}
	reporters, channel, err := t.reporters()
	if err != nil {
		_ = srv.Kill()
		return nil, err
	}
	rep := &CrashReport{}
	var (
		mu    sync.Mutex
		acks  []ack
		count atomic.Int64
		errs  atomic.Int64
	)
	record := func(a ack) {
		mu.Lock()
		acks = append(acks, a)
		mu.Unlock()
	}
	loadCtx, stopLoad := context.WithCancel(ctx)
	var killed atomic.Bool
	c := t.client(opt.Concurrency)
	var wg sync.WaitGroup
	for i := range opt.Concurrency {
		rng := newRand(i, "crash")
		u := pick(reporters, i)
		wg.Go(func() {
			fail := func(err error) {
				if err != nil && !killed.Load() && loadCtx.Err() == nil {
					errs.Add(1)
				}
			}
			for loadCtx.Err() == nil {
				cs, err := report(loadCtx, c, t, u, channel, rng)
				if err != nil {
					fail(err)
					continue
				}
				record(ack{cs.ID, cs.Number, cs.Version, "report"})
				if count.Add(1)%int64(opt.ActEvery) != 0 {
					continue
				}
				d := t.dispatcherFor(cs.QueuePath)
				if d == nil {
					continue
				}
				reg, err := act(loadCtx, c, d, cs.ID, map[string]any{"action": "register", "version": cs.Version})
				if err != nil {
					fail(err)
					continue
				}
				record(ack{cs.ID, cs.Number, reg.Version, "register"})
				if w := t.gridWorkerOf(cs.GridID); w != nil {
					dis, err := act(loadCtx, c, d, cs.ID, map[string]any{"action": "dispatch", "version": reg.Version, "assignee_user_id": w.ID})
					if err != nil {
						fail(err)
						continue
					}
					record(ack{cs.ID, cs.Number, dis.Version, "dispatch"})
				}
			}
		})
	}
	select {
	case <-time.After(opt.KillAfter):
	case <-ctx.Done():
	}
	// Kill first, then stop the virtual users: whatever was answered before
	// the kill counts as acknowledged.
	killed.Store(true)
	killErr := srv.Kill()
	killedAt := time.Now()
	stopLoad()
	wg.Wait()
	if killErr != nil {
		return nil, fmt.Errorf("bench: crash: kill: %w", killErr)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep.KilledAfter, rep.LoadErrors = opt.KillAfter, errs.Load()
	cases := map[int64]bool{}
	for _, a := range acks {
		cases[a.caseID] = true
	}
	rep.Cases, rep.Events = len(cases), len(acks)
	logf("killed the server (SIGKILL) after %s: %d cases and %d events acknowledged, %d failed requests before the kill",
		opt.KillAfter, rep.Cases, rep.Events, rep.LoadErrors)
	if rep.Cases == 0 {
		return rep, errors.New("bench: crash: no case was acknowledged before the kill: nothing to check (longer -d?)")
	}

	url, err = srv.Start(ctx)
	if err != nil {
		return rep, fmt.Errorf("bench: crash: restart: %w", err)
	}
	rep.RestartedAfter = time.Since(killedAt)
	logf("restarted in %s; checking every acknowledged case and event", rep.RestartedAfter.Round(time.Millisecond))
	checkErr := checkAcks(ctx, url, tokens, acks, opt.Concurrency, rep)
	if err := srv.Stop(); err != nil && checkErr == nil {
		checkErr = fmt.Errorf("bench: crash: stop: %w", err)
	}
	if checkErr != nil {
		return rep, checkErr
	}
	if rep.MissingCount > 0 {
		return rep, fmt.Errorf("bench: crash: %d acknowledged cases or events lost, first: %v", rep.MissingCount, rep.Missing[0])
	}
	if opt.Verify != nil {
		n, m, err := opt.Verify(ctx)
		rep.CheckedCases, rep.CheckedEvents = n, m
		if err != nil {
			return rep, fmt.Errorf("bench: crash: history check: %w", err)
		}
		logf("history check: %d cases, %d events: every hash chain verifies", n, m)
	}
	return rep, nil
}

// eventJSON is what the check reads of an event.
type eventJSON struct {
	Seq    int64  `json:"seq"`
	Action string `json:"action"`
}

// checkAcks reads back every acknowledged case and its events through the
// API of the restarted server, as the staff user of the widest scope.
func checkAcks(ctx context.Context, url string, tokens []string, acks []ack, conc int, rep *CrashReport) error {
	t, err := NewTarget(ctx, url, tokens)
	if err != nil {
		return err
	}
	staff := t.widest(RoleLeader)
	if staff == nil {
		staff = t.widest(RoleDispatcher)
	}
	byCase := map[int64][]ack{}
	var ids []int64
	for _, a := range acks {
		if byCase[a.caseID] == nil {
			ids = append(ids, a.caseID)
		}
		byCase[a.caseID] = append(byCase[a.caseID], a)
	}
	c := t.client(conc)
	var (
		mu    sync.Mutex
		first error
		next  atomic.Int64
		wg    sync.WaitGroup
	)
	missing := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		rep.MissingCount++
		if len(rep.Missing) < 20 {
			rep.Missing = append(rep.Missing, fmt.Sprintf(format, args...))
		}
	}
	for range conc {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= len(ids) || ctx.Err() != nil {
					return
				}
				id := ids[k]
				var cs caseJSON
				err := c.call(ctx, "GET", fmt.Sprintf("/api/v1/cases/%d", id), staff.Token, nil, &cs, 200)
				if se := (*statusError)(nil); errors.As(err, &se) && se.Status == 404 {
					missing("case %d (%s) acknowledged, not found", id, byCase[id][0].number)
					continue
				}
				var evs []eventJSON
				if err == nil {
					err = c.call(ctx, "GET", fmt.Sprintf("/api/v1/cases/%d/events", id), staff.Token, nil, &evs, 200)
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
				if cs.Number != byCase[id][0].number {
					missing("case %d: number %s acknowledged, %s found", id, byCase[id][0].number, cs.Number)
				}
				stored := make(map[int64]string, len(evs))
				for _, e := range evs {
					stored[e.Seq] = e.Action
				}
				for _, a := range byCase[id] {
					if stored[a.seq] != a.action {
						missing("case %d (%s): event %d (%s) acknowledged, not found (%d events)", id, a.number, a.seq, a.action, len(evs))
					}
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		return fmt.Errorf("bench: crash: read back: %w", first)
	}
	return ctx.Err()
}
