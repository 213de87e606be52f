package bench

import (
	"math"
	"math/bits"
	"time"
)

// subBits is the number of sub-buckets per power of two, as a power of two:
// 2^7 = 128 sub-buckets bound the relative error of a recorded value by
// 1/128 (under 0.8 %), as an HDR histogram with two significant digits.
const subBits = 7

// Histogram records latencies in logarithmic buckets with linear
// sub-buckets (the layout of an HDR histogram): constant memory, constant
// time per value, and any quantile within 1 % of the true value. Values are
// counted in microseconds; anything above 12 days counts as 12 days (the
// exact maximum is kept). The zero value is
// ready; it is not safe for concurrent use (keep one per virtual user and
// Merge them).
type Histogram struct {
	counts [40 << subBits]int64 // [exponent][sub-bucket]; 2^40 µs is 12 days
	n      int64
	sum    time.Duration
	min    time.Duration
	max    time.Duration
}

// bucketOf maps a value in microseconds to its bucket index. Values below
// 2^subBits µs get exact buckets; above, each power of two is split into
// 2^subBits equal parts.
func bucketOf(us uint64) int {
	if us < 1<<subBits {
		return int(us)
	}
	exp := bits.Len64(us) - 1 - subBits // ≥ 0
	sub := us >> uint(exp)              // in [2^subBits, 2^(subBits+1))
	return (exp+1)<<subBits + int(sub-1<<subBits)
}

// valueOf is the largest microsecond value of bucket i: a quantile read from
// the histogram never understates the latency.
func valueOf(i int) uint64 {
	if i < 1<<subBits {
		return uint64(i)
	}
	exp := i>>subBits - 1
	sub := uint64(i&(1<<subBits-1)) + 1<<subBits
	return (sub+1)<<uint(exp) - 1
}

// Record adds one latency; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	us := uint64(d / time.Microsecond)
	i := bucketOf(us)
	if i >= len(h.counts) {
		i = len(h.counts) - 1
	}
	h.counts[i]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += d
}

// Merge adds the values recorded in o.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
}

// Count is the number of values recorded.
func (h *Histogram) Count() int64 { return h.n }

// Max is the largest value recorded, exactly.
func (h *Histogram) Max() time.Duration { return h.max }

// Min is the smallest value recorded, exactly.
func (h *Histogram) Min() time.Duration { return h.min }

// Mean is the average of the values recorded, exactly.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// Quantile returns the value at quantile q (0.5 for the median, 0.99 for
// p99): the upper edge of the bucket holding the ⌈q·n⌉-th smallest value,
// capped by the exact maximum. It is 0 when nothing was recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			v := time.Duration(valueOf(i)) * time.Microsecond
			return min(max(v, h.min), h.max)
		}
	}
	return h.max
}
