package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Scenario names.
const (
	ScenarioIntake    = "intake"    // residents report cases
	ScenarioTasks     = "tasks"     // grid workers read their task lists
	ScenarioQueue     = "queue"     // dispatchers read their open queues
	ScenarioDashboard = "dashboard" // leaders read the KPIs of their region
	ScenarioMix       = "mix"       // all of these, weighted as a working day
	ScenarioBaseline  = "baseline"  // a bare handler inserting one row per request
)

// Scenarios lists the scenarios "all" runs, in order.
func Scenarios() []string {
	return []string{ScenarioIntake, ScenarioTasks, ScenarioQueue, ScenarioDashboard, ScenarioMix}
}

// worker makes one request for a virtual user and names the operation.
type worker func(ctx context.Context) (op string, err error)

// caseJSON is what the bench reads of a case.
type caseJSON struct {
	ID        int64  `json:"id"`
	Number    string `json:"number"`
	Version   int64  `json:"version"`
	State     string `json:"state"`
	GridID    int64  `json:"grid_id"`
	QueuePath string `json:"queue_path"`
}

// newKey returns a fresh idempotency key.
func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newRand is virtual user i's random source for a scenario: runs repeat.
func newRand(i int, scenario string) *mrand.Rand {
	var seed uint64
	for _, b := range []byte(scenario) {
		seed = seed*31 + uint64(b)
	}
	return mrand.New(mrand.NewPCG(uint64(i)+1, seed))
}

// pick returns the i-th user of us, round robin.
func pick(us []*User, i int) *User { return us[i%len(us)] }

// report files one case as u through channel and returns it as acknowledged
// by the server (201).
func report(ctx context.Context, c *apiClient, t *Target, u *User, channel string, rng *mrand.Rand) (*caseJSON, error) {
	var out caseJSON
	err := c.call(ctx, "POST", "/api/v1/cases", u.Token, t.reportBody(rng, channel), &out, 201, "Idempotency-Key", newKey())
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// act takes an action on a case at the version seen; it returns the case
// as the server acknowledged it.
func act(ctx context.Context, c *apiClient, u *User, id int64, body map[string]any) (*caseJSON, error) {
	var out caseJSON
	if err := c.call(ctx, "POST", fmt.Sprintf("/api/v1/cases/%d/actions", id), u.Token, body, &out, 200); err != nil {
		return nil, err
	}
	return &out, nil
}

// newWorker builds the worker of virtual user i for a scenario.
func newWorker(name string, t *Target, c *apiClient, i int, now func() time.Time) (worker, error) {
	rng := newRand(i, name)
	switch name {
	case ScenarioIntake:
		us, channel, err := t.reporters()
		if err != nil {
			return nil, err
		}
		u := pick(us, i)
		return func(ctx context.Context) (string, error) {
			_, err := report(ctx, c, t, u, channel, rng)
			return ScenarioIntake, err
		}, nil
	case ScenarioTasks:
		us := t.role(RoleGridWorker)
		if len(us) == 0 {
			return nil, errors.New("bench: tasks: no grid worker among the users")
		}
		u := pick(us, i)
		return func(ctx context.Context) (string, error) {
			return ScenarioTasks, c.call(ctx, "GET", "/api/v1/cases?mine=assigned&open=true&limit=50", u.Token, nil, nil, 200)
		}, nil
	case ScenarioQueue:
		us := t.role(RoleDispatcher)
		if len(us) == 0 {
			return nil, errors.New("bench: queue: no dispatcher among the users")
		}
		u := pick(us, i)
		g, _ := u.has(RoleDispatcher)
		path := fmt.Sprintf("/api/v1/cases?queue_of=%d&open=true&limit=50", g.ScopeID)
		return func(ctx context.Context) (string, error) {
			return ScenarioQueue, c.call(ctx, "GET", path, u.Token, nil, nil, 200)
		}, nil
	case ScenarioDashboard:
		us := t.role(RoleLeader)
		if len(us) == 0 {
			return nil, errors.New("bench: dashboard: no leader among the users")
		}
		u := pick(us, i)
		g, _ := u.has(RoleLeader)
		// The KPIs of the last 30 days, as a leader's dashboard opens.
		today := now()
		q := url.Values{"region_id": {fmt.Sprint(g.ScopeID)},
			"from": {today.AddDate(0, 0, -30).Format(time.DateOnly)}, "to": {today.AddDate(0, 0, 1).Format(time.DateOnly)}}
		path := "/api/v1/stats/kpis?" + q.Encode()
		return func(ctx context.Context) (string, error) {
			return ScenarioDashboard, c.call(ctx, "GET", path, u.Token, nil, nil, 200)
		}, nil
	case ScenarioMix:
		// A working day as the server sees it: mostly grid workers and
		// dispatchers reading their lists, residents reporting, leaders
		// looking at the dashboard now and then.
		weights := []struct {
			name string
			w    int
		}{{ScenarioTasks, 50}, {ScenarioQueue, 25}, {ScenarioIntake, 15}, {ScenarioDashboard, 10}}
		var ws []worker
		var cum []int
		total := 0
		for _, x := range weights {
			w, err := newWorker(x.name, t, c, i, now)
			if err != nil {
				return nil, err
			}
			total += x.w
			ws, cum = append(ws, w), append(cum, total)
		}
		return func(ctx context.Context) (string, error) {
			r := rng.IntN(total)
			for k, edge := range cum {
				if r < edge {
					return ws[k](ctx)
				}
			}
			return ws[len(ws)-1](ctx)
		}, nil
	}
	return nil, fmt.Errorf("bench: unknown scenario %q: want %s, all or %s", name, joinNames(Scenarios()), ScenarioBaseline)
}

func joinNames(names []string) string {
	s := ""
	for i, n := range names {
		if i > 0 {
			s += ", "
		}
		s += n
	}
	return s
}

// Prefill reports n cases through the API and registers and dispatches two
// in three of them to the grid worker of their grid (when that grid worker
// is among the users), so that task lists and queues hold work before the
// readers are measured. It runs conc requests at a time.
func Prefill(ctx context.Context, t *Target, n, conc int) error {
	if n <= 0 {
		return nil
	}
	reporters, channel, err := t.reporters()
	if err != nil {
		return err
	}
	c := t.client(conc)
	var next atomic.Int64
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for i := range max(conc, 1) {
		rng := mrand.New(mrand.NewPCG(uint64(i)+99, 7))
		wg.Go(func() {
			for {
				k := next.Add(1)
				if k > int64(n) || ctx.Err() != nil {
					return
				}
				if err := prefillOne(ctx, c, t, pick(reporters, int(k)), channel, rng, k%3 != 0); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		return fmt.Errorf("bench: prefill: %w", first)
	}
	return ctx.Err()
}

func prefillOne(ctx context.Context, c *apiClient, t *Target, u *User, channel string, rng *mrand.Rand, dispatch bool) error {
	cs, err := report(ctx, c, t, u, channel, rng)
	if err != nil || !dispatch {
		return err
	}
	d := t.dispatcherFor(cs.QueuePath)
	w := t.gridWorkerOf(cs.GridID)
	if d == nil || w == nil {
		return nil
	}
	if cs, err = act(ctx, c, d, cs.ID, map[string]any{"action": "register", "version": cs.Version}); err != nil {
		return err
	}
	_, err = act(ctx, c, d, cs.ID, map[string]any{"action": "dispatch", "version": cs.Version, "assignee_user_id": w.ID})
	return err
}
