package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestBucketsCoverEveryValue: consecutive microsecond values map to
// non-decreasing buckets, each value lies within its bucket's bounds, and a
// bucket's upper edge is within 1/128 of every value in it.
func TestBucketsCoverEveryValue(t *testing.T) {
	prev := -1
	for us := uint64(0); us < 1<<20; us++ {
		i := bucketOf(us)
		if i < prev || i > prev+1 {
			t.Fatalf("value %d in bucket %d after bucket %d: buckets must be contiguous", us, i, prev)
		}
		prev = i
		top := valueOf(i)
		if top < us {
			t.Fatalf("value %d above its bucket's upper edge %d", us, top)
		}
		if us > 0 && float64(top-us)/float64(us) > 1.0/128 {
			t.Fatalf("value %d: bucket edge %d is %.2f%% off", us, top, 100*float64(top-us)/float64(us))
		}
	}
}

// TestQuantilesAgainstSorted compares the histogram's quantiles with the
// exact ones of the same latencies (a long-tailed, latency-like mix).
func TestQuantilesAgainstSorted(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	var all []time.Duration
	for range 100_000 {
		// Log-normal around 2 ms with a slow tail, as request latencies are.
		d := time.Duration(math.Exp(rng.NormFloat64()*0.8) * float64(2*time.Millisecond))
		if rng.IntN(100) == 0 {
			d *= 20
		}
		h.Record(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.9, 0.95, 0.99, 0.999} {
		exact := all[int(math.Ceil(q*float64(len(all))))-1]
		got := h.Quantile(q)
		if got < exact-time.Microsecond || float64(got-exact)/float64(exact) > 0.01 {
			t.Errorf("p%g = %v, exact %v: want within 1%% and never below", q*100, got, exact)
		}
	}
	if h.Max() != all[len(all)-1] || h.Min() != all[0] || h.Count() != int64(len(all)) {
		t.Errorf("max %v min %v count %d, want %v %v %d", h.Max(), h.Min(), h.Count(), all[len(all)-1], all[0], len(all))
	}
	if h.Quantile(1) != h.Max() {
		t.Errorf("p100 %v, want the max %v", h.Quantile(1), h.Max())
	}
}

// TestHistogramSmallCases: empty, one value, exact small values, merge.
func TestHistogramSmallCases(t *testing.T) {
	var empty Histogram
	if empty.Quantile(0.99) != 0 || empty.Mean() != 0 || empty.Count() != 0 {
		t.Errorf("empty histogram: p99 %v mean %v count %d, want zeros", empty.Quantile(0.99), empty.Mean(), empty.Count())
	}
	var one Histogram
	one.Record(1234567 * time.Microsecond)
	for _, q := range []float64{0, 0.5, 1} {
		if got := one.Quantile(q); got != 1234567*time.Microsecond {
			t.Errorf("one value: quantile %g = %v, want the value itself", q, got)
		}
	}
	// Below 128 µs every microsecond has its own bucket: quantiles are exact.
	var a, b Histogram
	for us := 1; us <= 50; us++ {
		a.Record(time.Duration(us) * time.Microsecond)
	}
	for us := 51; us <= 100; us++ {
		b.Record(time.Duration(us) * time.Microsecond)
	}
	a.Merge(&b)
	a.Merge(&Histogram{})
	if a.Count() != 100 || a.Quantile(0.5) != 50*time.Microsecond || a.Quantile(0.99) != 99*time.Microsecond ||
		a.Max() != 100*time.Microsecond || a.Min() != time.Microsecond {
		t.Errorf("merged 1..100 µs: count %d p50 %v p99 %v max %v min %v", a.Count(), a.Quantile(0.5), a.Quantile(0.99), a.Max(), a.Min())
	}
	if a.Mean() != 50500*time.Nanosecond {
		t.Errorf("mean %v, want 50.5µs", a.Mean())
	}
	// A negative duration (a clock step) counts as zero; a huge one keeps its exact max.
	var c Histogram
	c.Record(-time.Second)
	c.Record(30 * 24 * time.Hour)
	if c.Min() != 0 || c.Max() != 30*24*time.Hour || c.Quantile(1) != 30*24*time.Hour {
		t.Errorf("clamping: min %v max %v p100 %v", c.Min(), c.Max(), c.Quantile(1))
	}
}
