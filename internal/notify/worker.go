package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/sqldb"
)

// Worker sends the webhook outbox: it claims due deliveries, POSTs them,
// and records the outcome — delivered on a 2xx, otherwise retried with
// exponential backoff and jitter, dead after MaxAttempts. Delivery is at
// least once: a process that dies mid-send leaves the row to be sent
// again once its lease runs out, and receivers drop repeats by the
// X-Gridwork-Delivery id. Several workers, in one process or many on one
// PostgreSQL, never send the same delivery at the same time.
//
// The worker is a background job acting as the system; it does not look
// at an actor in its context.
type Worker struct {
	db   *sqldb.DB
	opt  WorkerOptions
	wake chan struct{}

	lastPurge time.Time // Run's alone
}

// WorkerOptions configure a Worker. Zero fields take the defaults shown.
type WorkerOptions struct {
	// Client sends the requests; one that does not follow redirects (a
	// 3xx is a failure) if nil. Each request is bounded by Timeout anyway.
	Client *http.Client
	// Now is the clock for due times, leases and backoff; db.Now if nil.
	Now func() time.Time
	// Jitter returns a number in [0, 1) that spreads retries; rand.Float64
	// if nil.
	Jitter       func() float64
	PollInterval time.Duration // how often Run looks for due deliveries: 5s
	Batch        int           // deliveries claimed at once: 20
	Concurrency  int           // requests in flight at once: 4
	Timeout      time.Duration // per request: 10s
	// Lease is how long a claimed delivery stays hidden from other workers
	// while this one sends it: long enough for the whole batch, by default
	// Timeout × ⌈Batch/Concurrency⌉ + 30s.
	Lease       time.Duration
	MaxAttempts int           // attempts before a delivery is dead: 10
	RetryBase   time.Duration // delay after the first failure: 30s
	RetryMax    time.Duration // longest delay: 1h
	// Retain is how long Run keeps delivered rows before purging them:
	// 7 days; negative keeps them for ever. Dead rows are kept until
	// redelivered or their webhook is deleted.
	Retain time.Duration
	Logger *slog.Logger // the database's logger if nil
}

// NewWorker returns a worker on db.
func NewWorker(db *sqldb.DB, opt WorkerOptions) *Worker {
	if opt.Client == nil {
		opt.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if opt.Now == nil {
		opt.Now = db.Now
	}
	if opt.Jitter == nil {
		opt.Jitter = rand.Float64
	}
	if opt.PollInterval <= 0 {
		opt.PollInterval = 5 * time.Second
	}
	if opt.Batch <= 0 {
		opt.Batch = 20
	}
	if opt.Concurrency <= 0 {
		opt.Concurrency = 4
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	if opt.Lease <= 0 {
		rounds := (opt.Batch + opt.Concurrency - 1) / opt.Concurrency
		opt.Lease = opt.Timeout*time.Duration(rounds) + 30*time.Second
	}
	if opt.MaxAttempts <= 0 {
		opt.MaxAttempts = 10
	}
	if opt.RetryBase <= 0 {
		opt.RetryBase = 30 * time.Second
	}
	if opt.RetryMax <= 0 {
		opt.RetryMax = time.Hour
	}
	if opt.Retain == 0 {
		opt.Retain = 7 * 24 * time.Hour
	}
	if opt.Logger == nil {
		opt.Logger = db.Logger()
	}
	return &Worker{db: db, opt: opt, wake: make(chan struct{}, 1)}
}

// Wake makes Run look for due deliveries now rather than at its next
// poll. It never blocks. Pass it to Options.Wake of the Service.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run sends deliveries until ctx is done: at once when woken, right
// after a full batch, otherwise every PollInterval. It also purges old
// delivered rows about hourly. Errors are logged, and the loop goes on.
func (w *Worker) Run(ctx context.Context) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.wake:
		case <-timer.C:
		}
		next := w.opt.PollInterval
		delivered, failed, err := w.RunOnce(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			w.opt.Logger.Error("webhook worker", "err", err)
		case err == nil && delivered+failed >= w.opt.Batch:
			next = 0 // more may be due
		}
		w.purgeIfDue(ctx)
		timer.Reset(next)
	}
}

// purgeIfDue deletes old delivered rows at most once an hour.
func (w *Worker) purgeIfDue(ctx context.Context) {
	now := w.opt.Now()
	if w.opt.Retain < 0 || now.Sub(w.lastPurge) < time.Hour {
		return
	}
	w.lastPurge = now
	if _, err := w.PurgeDelivered(ctx, now.Add(-w.opt.Retain)); err != nil && ctx.Err() == nil {
		w.opt.Logger.Error("webhook purge", "err", err)
	}
}

// PurgeDelivered deletes the delivered rows delivered before before and
// returns how many it deleted.
func (w *Worker) PurgeDelivered(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := w.db.Transact(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM webhook_deliveries WHERE status = 'delivered' AND delivered_at < $1`, before.UTC())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("notify: purge deliveries: %w", err)
	}
	return int(n), nil
}

// job is a claimed delivery with what it takes to send it.
type job struct {
	id, webhookID int64
	kind          string
	body          []byte
	attempt       int // this attempt's number, 1-based; fences the outcome
	url, secret   string
}

// outcome is how one attempt went.
type outcome struct {
	ok     bool
	status int    // HTTP status; 0 if no response
	err    string // why it failed
}

// RunOnce claims one batch of due deliveries, sends them and records the
// outcomes. delivered counts the 2xx answers, failed the other attempts
// (rescheduled or dead). err reports a database failure; failed requests
// are not errors.
func (w *Worker) RunOnce(ctx context.Context) (delivered, failed int, err error) {
	jobs, err := w.claim(ctx)
	if err != nil {
		return 0, 0, err
	}
	var mu sync.Mutex
	var errs []error
	sem := make(chan struct{}, w.opt.Concurrency)
	var wg sync.WaitGroup
	for _, j := range jobs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out := w.send(ctx, j)
			rerr := w.record(ctx, j, out)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case rerr != nil:
				errs = append(errs, rerr)
			case out.ok:
				delivered++
			default:
				failed++
			}
		})
	}
	wg.Wait()
	return delivered, failed, errors.Join(errs...)
}

// claim takes up to Batch due deliveries of active webhooks, in one short
// transaction that counts the attempt and moves next_attempt_at past the
// lease, so that no other worker claims them while this one sends. On
// PostgreSQL, FOR UPDATE SKIP LOCKED lets concurrent claims pass each
// other instead of waiting or taking the same rows; SQLite has a single
// writer, which serialises claims by itself.
func (w *Worker) claim(ctx context.Context) ([]job, error) {
	now := w.opt.Now().UTC()
	lock := ""
	if w.db.Dialect == sqldb.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var jobs []job
	err := w.db.Transact(ctx, func(tx *sqldb.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $1
			WHERE id IN (SELECT id FROM webhook_deliveries
				WHERE status = 'pending' AND next_attempt_at <= $2 AND webhook_id IN (SELECT id FROM webhooks WHERE active)
				ORDER BY next_attempt_at, id LIMIT $3`+lock+`)
			RETURNING id, webhook_id, event_kind, event_json, attempts`, now.Add(w.opt.Lease), now, w.opt.Batch)
		if err != nil {
			return err
		}
		byHook := map[int64][]int{}
		for rows.Next() {
			var j job
			var body string
			if err := rows.Scan(&j.id, &j.webhookID, &j.kind, &body, &j.attempt); err != nil {
				rows.Close()
				return sqldb.Translate(err)
			}
			j.body = []byte(body)
			byHook[j.webhookID] = append(byHook[j.webhookID], len(jobs))
			jobs = append(jobs, j)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return sqldb.Translate(err)
		}
		for id, idx := range byHook {
			var url, secret string
			if err := tx.QueryRow(ctx, `SELECT url, secret FROM webhooks WHERE id = $1`, id).Scan(&url, &secret); err != nil {
				return sqldb.Translate(err)
			}
			for _, i := range idx {
				jobs[i].url, jobs[i].secret = url, secret
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("notify: claim deliveries: %w", err)
	}
	return jobs, nil
}

// maxErrorText bounds the response text kept in last_error.
const maxErrorText = 300

// send POSTs one delivery.
func (w *Worker) send(ctx context.Context, j job) outcome {
	ctx, cancel := context.WithTimeout(ctx, w.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.url, bytes.NewReader(j.body))
	if err != nil {
		return outcome{err: "request: " + err.Error()}
	}
	ts := strconv.FormatInt(w.opt.Now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "Gridwork-Webhook/1")
	req.Header.Set(HeaderEvent, j.kind)
	req.Header.Set(HeaderDelivery, strconv.FormatInt(j.id, 10))
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, Sign(j.secret, ts, j.body))
	resp, err := w.opt.Client.Do(req)
	if err != nil {
		return outcome{err: err.Error()}
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorText))
	// Drain a little more so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return outcome{ok: true, status: resp.StatusCode}
	}
	msg := resp.Status
	if s := cleanText(text); s != "" {
		msg += ": " + s
	}
	return outcome{status: resp.StatusCode, err: msg}
}

// cleanText keeps the valid UTF-8 of a response body for last_error.
func cleanText(b []byte) string {
	s := string(bytes.TrimSpace(b))
	if !utf8.ValidString(s) {
		s = string(bytes.ToValidUTF8([]byte(s), []byte("?")))
	}
	return s
}

// record stores the outcome of attempt j.attempt. The update is fenced by
// the attempt number: if the lease ran out and another worker claimed the
// row again, this late answer is dropped rather than overwrite the newer
// attempt's state.
func (w *Worker) record(ctx context.Context, j job, out outcome) error {
	now := w.opt.Now().UTC()
	canceled := ctx.Err() != nil
	// The outcome is recorded even when shutting down, so that a sent
	// request is not sent again for nothing.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if canceled && !out.ok {
		// Shutting down mid-send is not the receiver's failure: hand the
		// row back as due, without counting the attempt.
		return w.exec(ctx, j, `UPDATE webhook_deliveries SET attempts = attempts - 1, next_attempt_at = $1
			WHERE id = $2 AND attempts = $3 AND status = 'pending'`, now, j.id, j.attempt)
	}
	var status any
	if out.status != 0 {
		status = out.status
	}
	if out.ok {
		return w.exec(ctx, j, `UPDATE webhook_deliveries SET status = 'delivered', delivered_at = $1, last_status = $2, last_error = ''
			WHERE id = $3 AND attempts = $4 AND status = 'pending'`, now, status, j.id, j.attempt)
	}
	if j.attempt >= w.opt.MaxAttempts {
		w.opt.Logger.Warn("webhook delivery dead", "delivery", j.id, "webhook", j.webhookID, "attempts", j.attempt, "err", out.err)
		return w.exec(ctx, j, `UPDATE webhook_deliveries SET status = 'dead', next_attempt_at = $1, last_status = $2, last_error = $3
			WHERE id = $4 AND attempts = $5 AND status = 'pending'`, now, status, out.err, j.id, j.attempt)
	}
	next := now.Add(Backoff(j.attempt, w.opt.Jitter(), w.opt.RetryBase, w.opt.RetryMax))
	return w.exec(ctx, j, `UPDATE webhook_deliveries SET next_attempt_at = $1, last_status = $2, last_error = $3
		WHERE id = $4 AND attempts = $5 AND status = 'pending'`, next, status, out.err, j.id, j.attempt)
}

// exec runs one fenced update of delivery j and logs a lost lease.
func (w *Worker) exec(ctx context.Context, j job, query string, args ...any) error {
	var n int64
	err := w.db.Transact(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, query, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("notify: record delivery %d: %w", j.id, err)
	}
	if n == 0 {
		w.opt.Logger.Warn("webhook delivery lease lost; outcome dropped", "delivery", j.id, "attempt", j.attempt)
	}
	return nil
}

// Backoff is the delay after failed attempt number attempt (1-based):
// base doubled per earlier failure (30s, 1m, 2m, 4m … by default), spread
// by ±20% with jitter in [0, 1), and never more than ceiling.
func Backoff(attempt int, jitter float64, base, ceiling time.Duration) time.Duration {
	d := base
	for i := 1; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	d = time.Duration(float64(min(d, ceiling)) * (0.8 + 0.4*jitter))
	return min(d, ceiling)
}
