package auth

import (
	"sync"
	"time"

	"github.com/gridwork/gridwork/internal/ratelimit"
)

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
		if len(n.names) >= ratelimit.MaxTracked {
			for k, v := range n.names {
				if !now.Before(v.lockedUntil) {
					delete(n.names, k)
				}
			}
			if len(n.names) >= ratelimit.MaxTracked {
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
