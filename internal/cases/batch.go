package cases

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Group commit. A durable commit costs an fsync (SQLite, synchronous=FULL)
// or a WAL flush and a round trip (PostgreSQL), milliseconds either way,
// while the writes of one report take tens of microseconds. So concurrent
// writers hand their writes to a committer, which runs whatever is waiting
// in one transaction, each write inside its own savepoint (a failing write
// undoes itself alone), commits once, and only then answers each writer with
// its own outcome. Nothing is acknowledged before the commit is durable.
//
// There is no committer goroutine while nothing is waiting: the first
// writer to find none starts one, which runs batches until the queue is
// empty. The batch grows with the load by itself: what arrives during one
// commit is the next batch.

// defaultGroupMax is the largest batch unless Options.GroupMax says otherwise.
const defaultGroupMax = 256

// GroupStats counts the work of the group committer since the service
// started.
type GroupStats struct {
	// Writes is how many writes (reports, transitions) were committed or
	// failed inside a shared transaction; Transactions how many
	// transactions ran them. Writes/Transactions is the mean batch.
	Writes, Transactions int64
	// Largest is the largest batch so far.
	Largest int64
}

// committer gathers concurrent writes into shared transactions.
type committer struct {
	db     *sqldb.DB
	log    *slog.Logger
	max    int
	linger time.Duration

	mu      sync.Mutex
	idle    *sync.Cond // signalled when the committer goroutine stops
	queue   []*write
	running bool
	closed  bool

	writes, txs, largest atomic.Int64
}

// write is one writer's work and, once done is closed, its outcome.
type write struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *sqldb.Tx) error
	err  error
	done chan struct{}
}

func newCommitter(db *sqldb.DB, log *slog.Logger, max int, linger time.Duration) *committer {
	c := &committer{db: db, log: log, max: max, linger: linger}
	c.idle = sync.NewCond(&c.mu)
	return c
}

// errClosed answers writes that arrive after Close.
func errClosed() error {
	return apperr.New(apperr.Internal, "", "服务正在关闭，请稍后重试", "the service is shutting down; retry later")
}

// do runs fn in a write transaction shared with other writers and returns
// fn's error, or the transaction's (then nothing of fn's is written). fn
// gets ctx without its cancellation, since its statements run on a shared
// connection; it must not call Transact (SQLite has one writer connection).
//
// When ctx ends before the outcome is known, do returns ctx's error at once.
// If the committer had not yet taken the write, nothing is written; if it
// had, the write commits with its batch all the same (a report is then
// found by its idempotency key).
func (c *committer) do(ctx context.Context, fn func(ctx context.Context, tx *sqldb.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errClosed()
	}
	if c.max <= 1 {
		// Group commit off: a transaction of one's own, as before.
		c.mu.Unlock()
		return c.db.Transact(ctx, func(tx *sqldb.Tx) error { return fn(ctx, tx) })
	}
	w := &write{ctx: ctx, fn: fn, done: make(chan struct{})}
	c.queue = append(c.queue, w)
	if !c.running {
		c.running = true
		go c.run()
	}
	c.mu.Unlock()
	select {
	case <-w.done:
		return w.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// run commits batches until the queue is empty.
func (c *committer) run() {
	for {
		c.mu.Lock()
		if c.linger > 0 && len(c.queue) > 0 && len(c.queue) < c.max && !c.closed {
			// Let a few more arrive: fewer, larger commits for a little
			// latency.
			c.mu.Unlock()
			time.Sleep(c.linger)
			c.mu.Lock()
		}
		n := min(len(c.queue), c.max)
		if n == 0 {
			c.running = false
			c.idle.Broadcast()
			c.mu.Unlock()
			return
		}
		batch := c.queue[:n:n]
		c.queue = append([]*write(nil), c.queue[n:]...)
		c.mu.Unlock()
		c.commit(batch)
	}
}

// commit runs batch in one transaction and answers every write.
func (c *committer) commit(batch []*write) {
	ran := make([]*write, 0, len(batch))
	defer func() {
		if p := recover(); p != nil {
			// A bug in one write must not leave the others waiting
			// forever nor stop the committer; Transact rolled back.
			c.log.Error("cases: panic in a group commit", "panic", p)
			for _, w := range ran {
				w.err = fmt.Errorf("cases: group commit: panic: %v", p)
			}
		}
		for _, w := range batch {
			close(w.done)
		}
	}()
	for _, w := range batch {
		// A writer that gave up before its turn gets nothing written.
		if err := w.ctx.Err(); err != nil {
			w.err = err
			continue
		}
		ran = append(ran, w)
	}
	if len(ran) == 0 {
		return
	}
	err := c.db.Transact(context.Background(), func(tx *sqldb.Tx) error {
		if len(ran) == 1 {
			// Alone, the write needs no savepoint: its failure rolls
			// the transaction back.
			w := ran[0]
			w.err = w.fn(context.WithoutCancel(w.ctx), tx)
			return w.err
		}
		for _, w := range ran {
			ctx := context.WithoutCancel(w.ctx)
			w.err = tx.Savepoint(ctx, func(tx *sqldb.Tx) error { return w.fn(ctx, tx) })
			if errors.Is(w.err, sqldb.ErrTxAborted) {
				return w.err
			}
		}
		return nil
	})
	c.txs.Add(1)
	c.writes.Add(int64(len(ran)))
	for {
		l := c.largest.Load()
		if int64(len(ran)) <= l || c.largest.CompareAndSwap(l, int64(len(ran))) {
			break
		}
	}
	if err != nil {
		// Nothing of the batch was written: the writes that had
		// succeeded learn of the transaction's failure.
		for _, w := range ran {
			if w.err == nil || errors.Is(w.err, sqldb.ErrTxAborted) {
				w.err = err
			}
		}
	}
}

// close refuses new writes and waits until those queued are committed.
func (c *committer) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for c.running {
		c.idle.Wait()
	}
}

// stats returns the counters.
func (c *committer) stats() GroupStats {
	return GroupStats{Writes: c.writes.Load(), Transactions: c.txs.Load(), Largest: c.largest.Load()}
}
