// Package ratelimit limits how often one client (an address, a key) may do
// something: a token bucket per key, kept in memory, so each serve process
// limits on its own.
package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// MaxTracked bounds the number of keys held, so that a flood of addresses
// cannot exhaust memory.
const MaxTracked = 10000

// PerKey is a token bucket per key: perMinute events a minute, with the
// same burst. The zero value is not usable; call New.
type PerKey struct {
	mu        sync.Mutex
	perMinute int
	buckets   map[string]*rate.Limiter
}

// New returns a limiter allowing perMinute events a minute per key.
func New(perMinute int) *PerKey {
	return &PerKey{perMinute: perMinute, buckets: make(map[string]*rate.Limiter)}
}

// Allow takes one token from key's bucket at now. An empty key (the CLI, a
// test) is not limited.
func (l *PerKey) Allow(key string, now time.Time) bool {
	if key == "" {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= MaxTracked {
			l.prune(now)
		}
		b = rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)
		l.buckets[key] = b
	}
	return b.AllowN(now, 1)
}

// prune forgets full buckets (idle keys), which behave like new ones; if
// every bucket is in use it starts afresh rather than grow.
func (l *PerKey) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.perMinute) {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= MaxTracked {
		clear(l.buckets)
	}
}
