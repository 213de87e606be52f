// Package bench is Gridwork's load generator: virtual users signed in as
// residents, grid workers, dispatchers and leaders drive a running server
// over keep-alive HTTP connections, every request's latency goes into a
// log-bucket histogram, and the report gives throughput, p50/p95/p99, max
// and errors per scenario, also as a ratio to a bare net/http handler that
// inserts one row per request into the same engine (the baseline). Crash
// kills the server with SIGKILL in the middle of a load and checks that
// every acknowledged case and event survived.
package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Options tune a run.
type Options struct {
	Concurrency int           // virtual users, each with one request in flight: 50 if 0
	Duration    time.Duration // how long each scenario runs: 10 s if 0
	Warmup      time.Duration // run unmeasured first (connections, caches)
	// Think is a virtual user's pause between requests, drawn uniformly
	// from [Think/2, 3·Think/2): people read their lists before they
	// reload them. With 0 every user sends its next request at once (a
	// closed loop measuring the server's capacity).
	Think time.Duration
	Now   func() time.Time // the clock for dates in requests; time.Now if nil
}

func (o *Options) defaults() {
	if o.Concurrency <= 0 {
		o.Concurrency = 50
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// maxDistinctErrors bounds the distinct error texts a result keeps.
const maxDistinctErrors = 5

// Result is what one scenario measured.
type Result struct {
	Scenario    string
	Concurrency int
	Elapsed     time.Duration
	Latency     Histogram // successful requests
	Errors      int64
	FirstErrors []string             // the first distinct errors, in order
	Ops         map[string]*OpResult // per operation, for the mix
}

// OpResult is one operation of a scenario.
type OpResult struct {
	Latency Histogram
	Errors  int64
}

// Requests counts the requests made, successful or not.
func (r *Result) Requests() int64 { return r.Latency.Count() + r.Errors }

// Throughput is successful requests per second.
func (r *Result) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Latency.Count()) / r.Elapsed.Seconds()
}

// errorBook keeps the count and the first distinct texts of errors.
type errorBook struct {
	mu    sync.Mutex
	texts []string
}

func (b *errorBook) add(err error) {
	msg := err.Error()
	if se := (*statusError)(nil); errors.As(err, &se) {
		msg = fmt.Sprintf("%s %s: %d %s", se.Method, se.Path, se.Status, se.Body)
	}
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.texts) >= maxDistinctErrors {
		return
	}
	for _, t := range b.texts {
		if t == msg {
			return
		}
	}
	b.texts = append(b.texts, msg)
}

// vuStats is one virtual user's tally, merged at the end.
type vuStats struct {
	ops map[string]*OpResult
}

func (s *vuStats) op(name string) *OpResult {
	o := s.ops[name]
	if o == nil {
		o = &OpResult{}
		s.ops[name] = o
	}
	return o
}

// Run drives scenario (see Scenarios) against t with opt.Concurrency
// virtual users for opt.Duration and returns what it measured. Failed
// requests are counted, not fatal; Run fails only when the scenario cannot
// start (no users of a role, unknown name).
func Run(ctx context.Context, t *Target, scenario string, opt Options) (*Result, error) {
	opt.defaults()
	c := t.client(opt.Concurrency)
	workers := make([]worker, opt.Concurrency)
	for i := range workers {
		w, err := newWorker(scenario, t, c, i, opt.Now)
		if err != nil {
			return nil, err
		}
		workers[i] = w
	}
	return drive(ctx, scenario, workers, opt)
}

// drive runs the workers concurrently, first unmeasured for opt.Warmup,
// then measured for opt.Duration.
func drive(ctx context.Context, scenario string, workers []worker, opt Options) (*Result, error) {
	if opt.Warmup > 0 {
		wctx, cancel := context.WithTimeout(ctx, opt.Warmup)
		loop(wctx, workers, &errorBook{}, opt.Think)
		cancel()
	}
	rctx, cancel := context.WithTimeout(ctx, opt.Duration)
	defer cancel()
	book := &errorBook{}
	start := time.Now()
	stats := loop(rctx, workers, book, opt.Think)
	res := &Result{Scenario: scenario, Concurrency: len(workers), Elapsed: time.Since(start), Ops: map[string]*OpResult{}}
	for _, s := range stats {
		for name, o := range s.ops {
			agg := res.Ops[name]
			if agg == nil {
				agg = &OpResult{}
				res.Ops[name] = agg
			}
			agg.Latency.Merge(&o.Latency)
			agg.Errors += o.Errors
			res.Latency.Merge(&o.Latency)
			res.Errors += o.Errors
		}
	}
	res.FirstErrors = book.texts
	if err := ctx.Err(); err != nil {
		return res, err
	}
	return res, nil
}

// loop runs each worker in its own goroutine until ctx ends, pausing about
// think between requests. A request cut short by the end of the run is
// neither a success nor an error.
func loop(ctx context.Context, workers []worker, book *errorBook, think time.Duration) []*vuStats {
	stats := make([]*vuStats, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		s := &vuStats{ops: map[string]*OpResult{}}
		stats[i] = s
		rng := newRand(i, "think")
		wg.Go(func() {
			for ctx.Err() == nil {
				if think > 0 {
					pause := think/2 + time.Duration(rng.Int64N(int64(think)))
					select {
					case <-ctx.Done():
						return
					case <-time.After(pause):
					}
				}
				t0 := time.Now()
				op, err := w(ctx)
				d := time.Since(t0)
				switch {
				case err == nil:
					s.op(op).Latency.Record(d)
				case ctx.Err() != nil:
					return
				default:
					s.op(op).Errors++
					book.add(err)
				}
			}
		})
	}
	wg.Wait()
	return stats
}

// opNames returns the names of the operations of r in a stable order.
func (r *Result) opNames() []string {
	var names []string
	for _, n := range append(Scenarios(), ScenarioBaseline) {
		if _, ok := r.Ops[n]; ok {
			names = append(names, n)
		}
	}
	for n := range r.Ops {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}
