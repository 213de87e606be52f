package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// result builds a result of n requests of latency d over elapsed.
func result(name string, n int, d time.Duration, errs int64, elapsed time.Duration) *Result {
	r := &Result{Scenario: name, Concurrency: 10, Elapsed: elapsed, Errors: errs, Ops: map[string]*OpResult{}}
	o := &OpResult{Errors: errs}
	for range n {
		o.Latency.Record(d)
		r.Latency.Record(d)
	}
	r.Ops[name] = o
	return r
}

// TestReportRatiosAndErrors: the table and the JSON give throughput and
// latencies, each also against the baseline, the operations of a mix, and
// the first distinct errors.
func TestReportRatiosAndErrors(t *testing.T) {
	mix := result(ScenarioMix, 0, 0, 0, 2*time.Second)
	mix.Ops = map[string]*OpResult{}
	for _, x := range []struct {
		op string
		n  int
		d  time.Duration
	}{{ScenarioTasks, 300, 2 * time.Millisecond}, {ScenarioIntake, 100, 8 * time.Millisecond}} {
		o := &OpResult{}
		for range x.n {
			o.Latency.Record(x.d)
			mix.Latency.Record(x.d)
		}
		mix.Ops[x.op] = o
	}
	intake := result(ScenarioIntake, 1000, 4*time.Millisecond, 2, 2*time.Second)
	intake.FirstErrors = []string{"POST /api/v1/cases: 500 boom"}
	rep := &Report{Engine: "sqlite", Machine: "test machine", Date: time.Date(2026, 11, 25, 17, 0, 0, 0, time.UTC),
		Concurrency: 10, Duration: 2 * time.Second,
		Baseline: result(ScenarioBaseline, 4000, 2*time.Millisecond, 0, 2*time.Second),
		Results:  []*Result{intake, mix}}

	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	out := text.String()
	for _, want := range []string{"sqlite", "test machine", "2026-11-25 17:00 UTC",
		"baseline", "2000.0", // 4000 requests in 2 s
		"intake", "500.0", "4.00", "0.25", "2.00", // a quarter of the baseline's rate, twice its latency
		"mix/tasks", "mix/intake", "150.0",
		"first errors of intake", "POST /api/v1/cases: 500 boom"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if rep.Errors() != 2 {
		t.Errorf("Errors() = %d, want 2", rep.Errors())
	}

	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Engine   string
		Baseline figures
		Results  []figures
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatalf("JSON: %v\n%s", err, js.String())
	}
	if doc.Engine != "sqlite" || doc.Baseline.PerSecond != 2000 || len(doc.Results) != 4 {
		t.Fatalf("JSON: %+v", doc)
	}
	in := doc.Results[0]
	if in.Scenario != ScenarioIntake || in.Requests != 1002 || in.Errors != 2 || in.PerSecond != 500 ||
		in.P50ms != 4 || in.P99ms != 4 || in.VsBaseline == nil || in.VsBaseline.PerSecond != 0.25 || in.VsBaseline.P99 != 2 {
		t.Errorf("intake in JSON: %+v (vs %+v)", in, in.VsBaseline)
	}
	if got := []string{doc.Results[2].Op, doc.Results[3].Op}; got[0] != ScenarioIntake || got[1] != ScenarioTasks {
		t.Errorf("mix operations in order %v, want intake then tasks", got)
	}
}

// TestErrorBookKeepsFirstDistinct: repeated errors are kept once, at most
// maxDistinctErrors of them, status errors without their query.
func TestErrorBookKeepsFirstDistinct(t *testing.T) {
	var b errorBook
	b.add(&statusError{Method: "GET", Path: pathOnly("/api/v1/cases?mine=assigned"), Status: 503, Body: "busy"})
	b.add(&statusError{Method: "GET", Path: pathOnly("/api/v1/cases?mine=reported"), Status: 503, Body: "busy"})
	for i := range 10 {
		b.add(errors.New(strings.Repeat("x", i+1)))
	}
	if len(b.texts) != maxDistinctErrors || b.texts[0] != "GET /api/v1/cases: 503 busy" || b.texts[1] != "x" {
		t.Errorf("kept %q", b.texts)
	}
}
