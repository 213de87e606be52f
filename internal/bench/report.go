package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"text/tabwriter"
	"time"
)

// Report is the results of one bench run, with the baseline when measured.
type Report struct {
	Engine      string    // sqlite or postgres
	Machine     string    // CPUs, OS and architecture
	Date        time.Time // when the run started
	Concurrency int
	Duration    time.Duration
	Think       time.Duration // users' pause between requests
	Baseline    *Result
	Results     []*Result
}

// figures are a result's numbers as printed.
type figures struct {
	Scenario    string   `json:"scenario"`
	Op          string   `json:"op,omitempty"` // one operation of a mix
	Concurrency int      `json:"concurrency"`
	Requests    int64    `json:"requests"`
	Errors      int64    `json:"errors"`
	PerSecond   float64  `json:"per_second"`
	P50ms       float64  `json:"p50_ms"`
	P95ms       float64  `json:"p95_ms"`
	P99ms       float64  `json:"p99_ms"`
	MaxMS       float64  `json:"max_ms"`
	FirstErrors []string `json:"first_errors,omitempty"`
	// Ratios to the baseline: throughput as a share of the baseline's,
	// latencies as multiples of the baseline's.
	VsBaseline *ratios `json:"vs_baseline,omitempty"`
}

type ratios struct {
	PerSecond float64 `json:"per_second"`
	P50       float64 `json:"p50"`
	P99       float64 `json:"p99"`
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Microsecond)) / 1000 }

func figuresOf(scenario, op string, conc int, h *Histogram, errs int64, elapsed time.Duration) figures {
	f := figures{Scenario: scenario, Op: op, Concurrency: conc, Requests: h.Count() + errs, Errors: errs,
		P50ms: ms(h.Quantile(0.50)), P95ms: ms(h.Quantile(0.95)), P99ms: ms(h.Quantile(0.99)), MaxMS: ms(h.Max())}
	if elapsed > 0 {
		f.PerSecond = math.Round(float64(h.Count())/elapsed.Seconds()*10) / 10
	}
	return f
}

func (f *figures) against(base *figures) {
	if base == nil || base.PerSecond == 0 || base.P50ms == 0 || base.P99ms == 0 {
		return
	}
	round := func(x float64) float64 { return math.Round(x*100) / 100 }
	f.VsBaseline = &ratios{PerSecond: round(f.PerSecond / base.PerSecond), P50: round(f.P50ms / base.P50ms), P99: round(f.P99ms / base.P99ms)}
}

// rows lays out every result, and each operation of a mixed one.
func (r *Report) rows() (base *figures, rows []figures) {
	if r.Baseline != nil {
		b := figuresOf(ScenarioBaseline, "", r.Baseline.Concurrency, &r.Baseline.Latency, r.Baseline.Errors, r.Baseline.Elapsed)
		b.FirstErrors = r.Baseline.FirstErrors
		base = &b
	}
	for _, res := range r.Results {
		f := figuresOf(res.Scenario, "", res.Concurrency, &res.Latency, res.Errors, res.Elapsed)
		f.FirstErrors = res.FirstErrors
		f.against(base)
		rows = append(rows, f)
		if len(res.Ops) > 1 {
			for _, name := range res.opNames() {
				o := res.Ops[name]
				of := figuresOf(res.Scenario, name, res.Concurrency, &o.Latency, o.Errors, res.Elapsed)
				of.against(base)
				rows = append(rows, of)
			}
		}
	}
	return base, rows
}

// WriteText prints the report as a table, then the first errors of each
// scenario that had any.
func (r *Report) WriteText(w io.Writer) error {
	base, rows := r.rows()
	think := "no pause between requests"
	if r.Think > 0 {
		think = fmt.Sprintf("%s pause between requests", r.Think)
	}
	fmt.Fprintf(w, "gridwork bench on %s, %s, %s; %d virtual users, %s, %s per scenario\n\n",
		r.Engine, r.Machine, r.Date.UTC().Format("2006-01-02 15:04 MST"), r.Concurrency, think, r.Duration)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "scenario\tusers\trequests\terrors\treq/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\t")
	if base != nil {
		fmt.Fprint(tw, "req/s ÷ base\tp50 × base\tp99 × base\t")
	}
	fmt.Fprintln(tw)
	line := func(f figures) {
		name := f.Scenario
		if f.Op != "" {
			name = f.Scenario + "/" + f.Op
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\t", name, f.Concurrency, f.Requests, f.Errors, f.PerSecond, f.P50ms, f.P95ms, f.P99ms, f.MaxMS)
		if base != nil {
			if f.VsBaseline != nil {
				fmt.Fprintf(tw, "%.2f\t%.2f\t%.2f\t", f.VsBaseline.PerSecond, f.VsBaseline.P50, f.VsBaseline.P99)
			} else {
				fmt.Fprint(tw, "\t\t\t")
			}
		}
		fmt.Fprintln(tw)
	}
	if base != nil {
		line(*base)
	}
	for _, f := range rows {
		line(f)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	all := rows
	if base != nil {
		all = append([]figures{*base}, rows...)
	}
	for _, f := range all {
		if len(f.FirstErrors) > 0 {
			fmt.Fprintf(w, "\nfirst errors of %s:\n", f.Scenario)
			for _, e := range f.FirstErrors {
				fmt.Fprintf(w, "  %s\n", e)
			}
		}
	}
	return nil
}

// WriteJSON writes the report as one JSON document.
func (r *Report) WriteJSON(w io.Writer) error {
	base, rows := r.rows()
	doc := struct {
		Engine      string    `json:"engine"`
		Machine     string    `json:"machine"`
		Date        time.Time `json:"date"`
		Concurrency int       `json:"concurrency"`
		ThinkS      float64   `json:"think_s"`
		DurationS   float64   `json:"duration_s"`
		Baseline    *figures  `json:"baseline,omitempty"`
		Results     []figures `json:"results"`
	}{r.Engine, r.Machine, r.Date.UTC(), r.Concurrency, r.Think.Seconds(), r.Duration.Seconds(), base, rows}
	if doc.Results == nil {
		doc.Results = []figures{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// Errors counts the failed requests of every scenario and the baseline.
func (r *Report) Errors() int64 {
	var n int64
	if r.Baseline != nil {
		n += r.Baseline.Errors
	}
	for _, res := range r.Results {
		n += res.Errors
	}
	return n
}
