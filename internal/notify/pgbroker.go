package notify

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// TxBroker is a Broker that also carries events to other processes. The
// Service calls Send inside the transaction that writes an event, then
// Publish after the commit for the subscribers of its own process.
type TxBroker interface {
	Broker
	// Send queues e for the other processes inside tx: they receive it
	// when tx commits, never if it rolls back. Errors are the database's;
	// the caller should roll back on any.
	Send(ctx context.Context, tx *sqldb.Tx, e Event) error
}

// KindMissed is the kind of the event a PgBroker gives every subscriber
// after (re)connecting its listener: events committed meanwhile by other
// processes may not have reached it. It carries Missed ≥ 1 and nothing
// else; a client should reload what it shows.
const KindMissed = "stream.missed"

// Channel base names; gridwork_channel (migration 00096) suffixes them with
// the schema outside "public".
const (
	LiveChannel = "gridwork_live"
)

// maxPayload is PostgreSQL's limit on a notification's payload (8000
// bytes, less one); a larger event travels by reference.
const maxPayload = 7999

// liveEventsKept is how long oversized events stay in live_events: long
// enough for every listener to read them.
const liveEventsKept = 10 * time.Minute

// PgBroker is the Broker of several processes on one PostgreSQL database.
//
// Send runs pg_notify on the live channel inside the transaction that
// writes the event, rather than after the commit: PostgreSQL delivers a
// transaction's notifications when, and only when, it commits, in commit
// order, so other processes see exactly what committed — nothing of a
// rolled-back transaction or savepoint, nothing lost if this process dies
// between its commit and a later send — at the price of one more statement
// per event inside the transaction. Run keeps one dedicated connection
// LISTENing and fans what it hears out to this process's subscribers
// through a MemoryBroker (same buffers, same visibility checks). Each
// notification names the process that sent it: a process skips its own,
// which Publish has already delivered after the commit, so no subscriber
// sees an event twice. An event whose notification would exceed 8000 bytes
// is stored in live_events and the notification carries the row's id.
//
// The payload holds what live subscribers need — kind, ids, region path,
// states, actor name, time, recipients and public data — not the inbox
// text (TitleZH, TitleEN, Body), which remote subscribers receive empty.
type PgBroker struct {
	local   *MemoryBroker
	db      *sqldb.DB
	log     *slog.Logger
	opt     PgBrokerOptions
	origin  string // this process, in every notification it sends
	channel string // the live channel for this schema

	seq       atomic.Uint64
	received  atomic.Uint64
	connects  atomic.Uint64
	pid       atomic.Uint32 // the listening backend's process id
	listening chan struct{} // closed at the first LISTEN
	once      sync.Once

	mu      sync.Mutex
	watches map[string][]chan struct{} // by base channel name; fixed once Run starts
	running bool
}

// PgBrokerOptions configure a PgBroker. The zero value is usable.
type PgBrokerOptions struct {
	// Buffer and Visible are the local MemoryBroker's (see NewMemoryBroker).
	Buffer  int
	Visible VisibleFunc
	// MinBackoff and MaxBackoff bound the wait before reconnecting a lost
	// listener, doubled after each failure (100 ms and 10 s if 0).
	MinBackoff, MaxBackoff time.Duration
	// PingEvery is how long the listener waits for a notification before
	// checking that its connection is alive (30 s if 0).
	PingEvery time.Duration
	// Logger is the database's logger if nil.
	Logger *slog.Logger
}

// NewPgBroker returns a broker on PostgreSQL database db (migrated) for
// this process; call Run to hear the other processes.
func NewPgBroker(ctx context.Context, db *sqldb.DB, opt PgBrokerOptions) (*PgBroker, error) {
	if db.Dialect != sqldb.Postgres {
		return nil, fmt.Errorf("notify: the PostgreSQL broker needs PostgreSQL, not %s", db.Dialect)
	}
	if opt.MinBackoff <= 0 {
		opt.MinBackoff = 100 * time.Millisecond
	}
	if opt.MaxBackoff < opt.MinBackoff {
		opt.MaxBackoff = max(10*time.Second, opt.MinBackoff)
	}
	if opt.PingEvery <= 0 {
		opt.PingEvery = 30 * time.Second
	}
	if opt.Logger == nil {
		opt.Logger = db.Logger()
	}
	var channel string
	if err := db.QueryRow(ctx, `SELECT gridwork_channel($1)`, LiveChannel).Scan(&channel); err != nil {
		return nil, fmt.Errorf("notify: live channel: %w", sqldb.Translate(err))
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	return &PgBroker{
		local: NewMemoryBroker(opt.Buffer, opt.Visible), db: db, log: opt.Logger, opt: opt,
		origin: hex.EncodeToString(id[:]), channel: channel,
		listening: make(chan struct{}), watches: make(map[string][]chan struct{}),
	}, nil
}

// wireMessage is a notification's payload: the sender, a number unique in
// the sender (PostgreSQL folds identical notifications of one
// transaction, and two events may well be identical), and the event or
// the id of its live_events row.
type wireMessage struct {
	Origin string `json:"o"`
	Seq    uint64 `json:"n"`
	Event  *Event `json:"e,omitempty"`
	Ref    int64  `json:"r,omitempty"`
}

// Send implements TxBroker.
func (b *PgBroker) Send(ctx context.Context, tx *sqldb.Tx, e Event) error {
	e.TitleZH, e.TitleEN, e.Body, e.Missed = "", "", "", 0
	msg := wireMessage{Origin: b.origin, Seq: b.seq.Add(1), Event: &e}
	payload, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("notify: send %s: %w", e.Kind, err)
	}
	if len(payload) > maxPayload {
		body, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("notify: send %s: %w", e.Kind, err)
		}
		msg.Event = nil
		if msg.Ref, err = tx.InsertID(ctx, `INSERT INTO live_events (body, created_at) VALUES ($1, $2) RETURNING id`,
			string(body), tx.Now); err != nil {
			return fmt.Errorf("notify: send %s: store: %w", e.Kind, err)
		}
		if payload, err = json.Marshal(msg); err != nil {
			return fmt.Errorf("notify: send %s: %w", e.Kind, err)
		}
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, b.channel, string(payload)); err != nil {
		return fmt.Errorf("notify: send %s: %w", e.Kind, err)
	}
	return nil
}

// Publish implements Broker for this process's subscribers only: call it
// after the commit (Service.Publish does); the other processes hear of the
// event through Send.
func (b *PgBroker) Publish(e Event) { b.local.Publish(e) }

// Subscribe implements Broker.
func (b *PgBroker) Subscribe(ctx context.Context, a *auth.Actor) (<-chan Event, func()) {
	return b.local.Subscribe(ctx, a)
}

// Watch returns a channel signalled (without blocking, coalescing) after
// each commit that notified the channel named base (its schema's variant,
// see gridwork_channel), and after every (re)connection of the listener,
// when notifications may have been missed. Call it before Run.
func (b *PgBroker) Watch(base string) <-chan struct{} {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.running {
		panic("notify: PgBroker.Watch after Run")
	}
	b.watches[base] = append(b.watches[base], ch)
	return ch
}

// Listening is closed once the listener first LISTENs: from then on this
// process hears the events the others commit.
func (b *PgBroker) Listening() <-chan struct{} { return b.listening }

// PgBrokerStats are a PgBroker's counters, for metrics.
type PgBrokerStats struct {
	BrokerStats
	Received uint64 // events heard from other processes
	Connects uint64 // listener connections made (1 + reconnections)
}

// Stats returns the broker's counters.
func (b *PgBroker) Stats() PgBrokerStats {
	return PgBrokerStats{BrokerStats: b.local.Stats(), Received: b.received.Load(), Connects: b.connects.Load()}
}

// Run listens until ctx ends, reconnecting with backoff when the
// connection is lost, and deletes old live_events rows.
func (b *PgBroker) Run(ctx context.Context) {
	b.mu.Lock()
	b.running = true
	b.mu.Unlock()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { b.sweep(ctx) })
	delay := b.opt.MinBackoff
	for {
		start := time.Now()
		err := b.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		if time.Since(start) > b.opt.MaxBackoff {
			delay = b.opt.MinBackoff // it had been up a while: a fresh failure
		}
		b.log.Warn("notify: live listener disconnected", "err", err, "retry_in", delay)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, b.opt.MaxBackoff)
	}
}

// listen holds one listening connection until it fails or ctx ends.
func (b *PgBroker) listen(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(b.db.DSN)
	if err != nil {
		return fmt.Errorf("dsn: %w", err)
	}
	if _, set := cfg.RuntimeParams["application_name"]; !set {
		cfg.RuntimeParams["application_name"] = "gridwork-live"
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	b.pid.Store(conn.PgConn().PID())
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	b.mu.Lock()
	bases := make([]string, 0, len(b.watches))
	for base := range b.watches {
		bases = append(bases, base)
	}
	b.mu.Unlock()
	watched := make(map[string][]chan struct{}, len(bases)) // by channel name
	for _, base := range bases {
		var ch string
		if err := conn.QueryRow(ctx, `SELECT gridwork_channel($1)`, base).Scan(&ch); err != nil {
			return fmt.Errorf("channel %s: %w", base, err)
		}
		b.mu.Lock()
		watched[ch] = b.watches[base]
		b.mu.Unlock()
	}
	for _, ch := range append([]string{b.channel}, slices.Collect(maps.Keys(watched))...) {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			return fmt.Errorf("listen %s: %w", ch, err)
		}
	}
	b.connects.Add(1)
	// Whatever was committed while nobody listened is lost to this process.
	b.local.broadcastMissed(Event{Kind: KindMissed, At: b.db.Now()})
	for _, subs := range watched {
		signal(subs)
	}
	b.once.Do(func() { close(b.listening) })
	for {
		wctx, cancel := context.WithTimeout(ctx, b.opt.PingEvery)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded) || pgconn.Timeout(err):
			// Quiet for a while: make sure the connection is still there.
			if err := conn.Ping(ctx); err != nil {
				return fmt.Errorf("ping: %w", err)
			}
			continue
		default:
			return fmt.Errorf("wait: %w", err)
		}
		if n.Channel == b.channel {
			b.receive(ctx, n.Payload)
		} else {
			signal(watched[n.Channel])
		}
	}
}

// receive delivers the event of one live notification to this process's
// subscribers, unless this process sent it.
func (b *PgBroker) receive(ctx context.Context, payload string) {
	var msg wireMessage
	if err := json.Unmarshal([]byte(payload), &msg); err != nil {
		b.log.Warn("notify: unreadable live notification", "err", err)
		return
	}
	if msg.Origin == b.origin {
		return // delivered by Publish after our own commit
	}
	if msg.Ref != 0 {
		var body string
		err := b.db.QueryRow(ctx, `SELECT body FROM live_events WHERE id = $1`, msg.Ref).Scan(&body)
		if err == nil {
			msg.Event = new(Event)
			err = json.Unmarshal([]byte(body), msg.Event)
		}
		if err != nil {
			if !errors.Is(err, sql.ErrNoRows) {
				b.log.Warn("notify: read live event", "id", msg.Ref, "err", err)
			}
			b.local.broadcastMissed(Event{Kind: KindMissed, At: b.db.Now()})
			return
		}
	}
	if msg.Event == nil {
		return
	}
	b.received.Add(1)
	b.local.Publish(*msg.Event)
}

// sweep deletes the live_events rows every listener has had time to read.
func (b *PgBroker) sweep(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			err := b.db.Transact(ctx, func(tx *sqldb.Tx) error {
				_, err := tx.Exec(ctx, `DELETE FROM live_events WHERE created_at < $1`, tx.Now.Add(-liveEventsKept))
				return err
			})
			if err != nil && ctx.Err() == nil {
				b.log.Warn("notify: sweep live events", "err", err)
			}
		}
	}
}

// broadcastMissed gives every subscriber e with its missed count raised by
// one, whatever its scopes: e carries no data, only the news that events
// may have been lost.
func (b *MemoryBroker) broadcastMissed(e Event) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for s := range b.subs {
		if s.actor == nil {
			continue
		}
		s.mu.Lock()
		s.missed++
		s.mu.Unlock()
		if n := s.offer(e); n > 0 {
			b.lost.Add(uint64(n))
		}
	}
}

// signal wakes each channel without blocking; a pending signal stands for
// any number.
func signal(chs []chan struct{}) {
	for _, ch := range chs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
