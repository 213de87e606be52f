package notify

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/gridwork/gridwork/internal/auth"
)

// Broker fans committed events out to live subscribers (the SSE streams).
// The in-process MemoryBroker serves one process; a PostgreSQL
// LISTEN/NOTIFY broker can take its place when several processes serve
// behind a load balancer.
type Broker interface {
	// Publish hands e to every subscriber allowed to see it. It must not
	// block on slow subscribers. Call it only after the event's
	// transaction has committed.
	Publish(e Event)
	// Subscribe returns a channel of the events actor a may see and a
	// function that ends the subscription and closes the channel. The
	// subscription also ends when ctx is done. Calling cancel twice is
	// harmless.
	Subscribe(ctx context.Context, a *auth.Actor) (<-chan Event, func())
}

// VisibleFunc reports whether actor a may see event e live although it is
// not one of e's recipients (recipients always see their events).
type VisibleFunc func(a *auth.Actor, e Event) bool

// CanReadRegion is the default VisibleFunc: a's grants carry region.read
// at a scope covering e.RegionPath (the system sees everything). The case
// service may inject a finer check.
func CanReadRegion(a *auth.Actor, e Event) bool {
	return auth.Can(a, auth.ActRegionRead, auth.Resource{RegionPath: e.RegionPath})
}

// MemoryBroker is an in-process Broker. Each subscriber has a bounded
// channel; when it is full, the subscriber's oldest waiting event is
// dropped to make room for the new one (the newest state matters most to a
// screen), and the event that takes its place carries the count in
// Event.Missed (with the count the dropped one carried), so that the
// Missed of the events a subscriber reads add up to the events it lost. A
// publisher therefore never waits for a subscriber.
type MemoryBroker struct {
	buffer  int
	visible VisibleFunc

	mu   sync.RWMutex
	subs map[*subscriber]struct{}

	published atomic.Uint64
	lost      atomic.Uint64
}

// subscriber is one live stream.
type subscriber struct {
	actor *auth.Actor
	// mu serialises publishers on ch so that dropping the oldest event and
	// sending the new one happen together, and guards closed and missed.
	mu     sync.Mutex
	ch     chan Event
	closed bool
	missed int // dropped since the last event that reached the channel
}

// BrokerStats are a MemoryBroker's counters, for metrics.
type BrokerStats struct {
	Subscribers int
	Published   uint64 // events published
	Lost        uint64 // events dropped for slow subscribers, summed over them
}

// NewMemoryBroker returns a broker whose subscribers each buffer up to
// buffer events (64 if buffer ≤ 0). visible decides who besides the
// recipients sees an event; CanReadRegion if nil.
func NewMemoryBroker(buffer int, visible VisibleFunc) *MemoryBroker {
	if buffer <= 0 {
		buffer = 64
	}
	if visible == nil {
		visible = CanReadRegion
	}
	return &MemoryBroker{buffer: buffer, visible: visible, subs: make(map[*subscriber]struct{})}
}

// Publish implements Broker.
func (b *MemoryBroker) Publish(e Event) {
	b.published.Add(1)
	e.Missed = 0
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		if s.actor == nil {
			continue
		}
		if !e.isRecipient(s.actor.UserID) && !b.visible(s.actor, e) {
			continue
		}
		if n := s.offer(e); n > 0 {
			b.lost.Add(uint64(n))
		}
	}
}

// offer puts e on the subscriber's channel, dropping the oldest waiting
// event if it is full, and returns how many events it dropped.
func (s *subscriber) offer(e Event) (dropped int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0
	}
	for {
		e.Missed = s.missed
		select {
		case s.ch <- e:
			s.missed = 0
			return dropped
		default:
		}
		// Full: take the oldest out. The reader may have emptied a slot
		// meanwhile, in which case nothing is dropped and the send is
		// retried.
		select {
		case old := <-s.ch:
			// The dropped event may itself have carried a count.
			s.missed += 1 + old.Missed
			dropped++
		default:
		}
	}
}

// Subscribe implements Broker. A nil actor sees nothing but still gets a
// channel, closed when cancelled.
func (b *MemoryBroker) Subscribe(ctx context.Context, a *auth.Actor) (<-chan Event, func()) {
	s := &subscriber{actor: a, ch: make(chan Event, b.buffer)}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	var once sync.Once
	end := func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, s)
			b.mu.Unlock()
			s.mu.Lock()
			s.closed = true
			close(s.ch)
			s.mu.Unlock()
		})
	}
	stop := context.AfterFunc(ctx, end)
	return s.ch, func() { stop(); end() }
}

// Stats returns the broker's counters.
func (b *MemoryBroker) Stats() BrokerStats {
	b.mu.RLock()
	n := len(b.subs)
	b.mu.RUnlock()
	return BrokerStats{Subscribers: n, Published: b.published.Load(), Lost: b.lost.Load()}
}
