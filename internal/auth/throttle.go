package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxTracked bounds the in-memory throttling maps, so that a flood of
// addresses or invented usernames cannot exhaust memory.
const maxTracked = 10000

// ipLimiter is a token bucket per client address: perMinute attempts a
// minute, with the same burst. Buckets live in memory, so each serve
// process limits on its own; the per-account lockout is in the database
// and holds across processes.
type ipLimiter struct {
	mu        sync.Mutex
	perMinute int
	buckets   map[string]*rate.Limiter
}

func newIPLimiter(perMinute int) *ipLimiter {
	return &ipLimiter{perMinute: perMinute, buckets: make(map[string]*rate.Limiter)}
}

// allow takes one token from ip's bucket at now. Calls without an address
// (the CLI) are not limited.
func (l *ipLimiter) allow(ip string, now time.Time) bool {
	if ip == "" {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[ip]
	if !ok {
		if len(l.buckets) >= maxTracked {
			l.prune(now)
		}
		b = rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)
		l.buckets[ip] = b
	}
	return b.AllowN(now, 1)
}

// prune forgets full buckets (idle addresses), which behave like new ones;
// if every bucket is in use it starts afresh rather than grow.
func (l *ipLimiter) prune(now time.Time) {
	for ip, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.perMinute) {
			delete(l.buckets, ip)
		}
	}
	if len(l.buckets) >= maxTracked {
		clear(l.buckets)
	}
}

// nameLockout counts failed logins for usernames that do not exist and
// locks them exactly as a real account would be locked, so that the
// lockout message does not reveal which usernames exist.
type nameLockout struct {
	mu        sync.Mutex
	threshold int
	duration  time.Duration
	names     map[string]*nameState
}

type nameState struct {
	failures    int
	lockedUntil time.Time
}

func newNameLockout(threshold int, d time.Duration) *nameLockout {
	return &nameLockout{threshold: threshold, duration: d, names: make(map[string]*nameState)}
}

// lockedUntil returns when name's lock ends, if it is locked at now.
func (n *nameLockout) lockedUntil(name string, now time.Time) (time.Time, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	st, ok := n.names[name]
	if !ok || !now.Before(st.lockedUntil) {
		return time.Time{}, false
	}
	return st.lockedUntil, true
}

// fail records a failure for name and returns when its lock ends if this
// failure locked it.
func (n *nameLockout) fail(name string, now time.Time) (time.Time, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	st, ok := n.names[name]
	if !ok {
		if len(n.names) >= maxTracked {
			for k, v := range n.names {
				if !now.Before(v.lockedUntil) {
					delete(n.names, k)
				}
			}
			if len(n.names) >= maxTracked {
				clear(n.names)
			}
		}
		st = &nameState{}
		n.names[name] = st
	}
	st.failures++
	if st.failures >= n.threshold {
		st.failures = 0
		st.lockedUntil = now.Add(n.duration)
		return st.lockedUntil, true
	}
	return time.Time{}, false
}
