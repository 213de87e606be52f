package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/sqldb"
)

const testSecret = "gateway-secret-0123456789"

// receiver is a webhook endpoint on loopback that checks every request's
// headers and signature and counts requests per delivery id.
type receiver struct {
	t     *testing.T
	clock *clock
	srv   *httptest.Server

	mu      sync.Mutex
	status  int              // answer; 200 if 0
	hits    map[int64]int    // requests per X-Gridwork-Delivery
	bodies  map[int64][]byte // last body per delivery
	headers map[int64]http.Header
	during  func(n int) // called inside the n-th request (1-based), before answering
	n       int
	arrived chan int64 // receives every delivery id, if not nil
}

func newReceiver(t *testing.T, clk *clock) *receiver {
	r := &receiver{t: t, clock: clk, hits: map[int64]int{}, bodies: map[int64][]byte{}, headers: map[int64]http.Header{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	id, _ := strconv.ParseInt(req.Header.Get(notify.HeaderDelivery), 10, 64)
	ts := req.Header.Get(notify.HeaderTimestamp)
	// The signature as a receiver in any language computes it.
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write([]byte(ts + "." + string(body)))
	wantSig := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	var ev struct{ Kind string }
	switch {
	case req.Method != http.MethodPost || req.URL.Path != "/hook":
		r.t.Errorf("request %s %s", req.Method, req.URL.Path)
	case id == 0:
		r.t.Errorf("no delivery id: %v", req.Header)
	case req.Header.Get(notify.HeaderSignature) != wantSig:
		r.t.Errorf("delivery %d: signature %q; want %q", id, req.Header.Get(notify.HeaderSignature), wantSig)
	case ts != strconv.FormatInt(r.clock.Now().Unix(), 10):
		r.t.Errorf("delivery %d: timestamp %s; want the worker's clock %d", id, ts, r.clock.Now().Unix())
	case !strings.HasPrefix(req.Header.Get("Content-Type"), "application/json"):
		r.t.Errorf("delivery %d: content type %q", id, req.Header.Get("Content-Type"))
	case json.Unmarshal(body, &ev) != nil || ev.Kind != req.Header.Get(notify.HeaderEvent):
		r.t.Errorf("delivery %d: event header %q, body %s", id, req.Header.Get(notify.HeaderEvent), body)
	}
	r.mu.Lock()
	r.n++
	n := r.n
	r.hits[id]++
	r.bodies[id] = body
	r.headers[id] = req.Header.Clone()
	during, status, arrived := r.during, r.status, r.arrived
	r.mu.Unlock()
	if during != nil {
		during(n)
	}
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if status >= 300 {
		io.WriteString(w, "gateway down\n")
	}
	if arrived != nil {
		arrived <- id
	}
}

func (r *receiver) set(fn func(r *receiver)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fn(r)
}

func (r *receiver) hitsOf(id int64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.hits[id]
}

// newWorker returns a worker on the fixture's clock sending to r.
func (f *fixture) newWorker(r *receiver, tweak func(*notify.WorkerOptions)) *notify.Worker {
	opt := notify.WorkerOptions{Client: r.srv.Client(), Now: f.clock.Now, Jitter: func() float64 { return 0.5 },
		Logger: slog.New(slog.DiscardHandler)}
	if tweak != nil {
		tweak(&opt)
	}
	return notify.NewWorker(f.db, opt)
}

// onlyDelivery returns the one delivery in the database.
func (f *fixture) onlyDelivery(t *testing.T) *notify.Delivery {
	t.Helper()
	ds, total, err := f.svc.FindDeliveries(f.sys, notify.DeliveryFilter{})
	if err != nil || total != 1 {
		t.Fatalf("deliveries = %v (total %d), %v; want one", ds, total, err)
	}
	return ds[0]
}

func runOnce(t *testing.T, w *notify.Worker, wantDelivered, wantFailed int) {
	t.Helper()
	d, f, err := w.RunOnce(context.Background())
	if err != nil || d != wantDelivered || f != wantFailed {
		t.Fatalf("RunOnce = %d delivered, %d failed, %v; want %d, %d", d, f, err, wantDelivered, wantFailed)
	}
}

// The worker POSTs the event signed with the webhook's secret and marks it
// delivered on a 2xx; a delivered row is not sent again.
func TestWorkerDelivers(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		f := newFixture(t, db, clk, notify.Options{})
		r := newReceiver(t, clk)
		h := f.mustWebhook(t, notify.WebhookInput{Name: "sms", URL: r.srv.URL + "/hook", Secret: testSecret, RegionPath: pathStreetX})
		off := f.mustWebhook(t, notify.WebhookInput{Name: "off", URL: r.srv.URL + "/hook", Secret: testSecret})
		f.publish(t, f.alice, caseEvent("case.dispatched", f.carol.UserID))
		if _, err := f.svc.UpdateWebhook(f.sys, off.ID, notify.WebhookUpdate{Active: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		w := f.newWorker(r, nil)
		clk.Advance(5 * time.Second)
		runOnce(t, w, 1, 0)
		runOnce(t, w, 0, 0)

		ds, _, err := f.svc.FindDeliveries(f.sys, notify.DeliveryFilter{WebhookID: &h.ID})
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries of %d = %v, %v", h.ID, ds, err)
		}
		d := ds[0]
		if r.hitsOf(d.ID) != 1 {
			t.Errorf("delivery %d sent %d times; want 1", d.ID, r.hitsOf(d.ID))
		}
		now := clk.Now()
		if d.Status != notify.DeliveryDelivered || d.Attempts != 1 || d.LastStatus != 200 || d.LastError != "" || d.DeliveredAt == nil || !d.DeliveredAt.Equal(now) {
			t.Errorf("delivery after success = %+v", d)
		}
		var got map[string]any
		if err := json.Unmarshal(r.bodies[d.ID], &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"kind": "case.dispatched", "case_id": 42.0, "case_number": "202603060001", "region_path": pathGridX,
			"action": "dispatch", "from_state": "registered", "to_state": "dispatched", "actor_name": "王调度",
			"at": "2026-03-06T22:40:00Z", "recipients": []any{float64(f.carol.UserID)}, "public": map[string]any{"category": "供暖"},
			"title_zh": "案件 202603060001 已派遣", "title_en": "Case 202603060001 dispatched", "body": "27号楼1单元楼道积水"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("body (-want +got):\n%s", diff)
		}
		if string(d.Event) != string(r.bodies[d.ID]) {
			t.Errorf("stored event %s differs from the body sent %s", d.Event, r.bodies[d.ID])
		}
		hd := r.headers[d.ID]
		if !notify.VerifySignature(testSecret, hd.Get(notify.HeaderTimestamp), r.bodies[d.ID], hd.Get(notify.HeaderSignature), now, 5*time.Minute) {
			t.Errorf("VerifySignature refuses a genuine request")
		}
		if notify.VerifySignature(testSecret, hd.Get(notify.HeaderTimestamp), r.bodies[d.ID], hd.Get(notify.HeaderSignature), now.Add(time.Hour), 5*time.Minute) {
			t.Errorf("VerifySignature accepts a replay an hour later")
		}
		if notify.VerifySignature("another-secret-0123", hd.Get(notify.HeaderTimestamp), r.bodies[d.ID], hd.Get(notify.HeaderSignature), now, 0) {
			t.Errorf("VerifySignature accepts another secret")
		}

		// The inactive webhook's delivery waits, unsent, until it is active.
		if n := count(t, db, "webhook_deliveries", "webhook_id = $1 AND status = 'pending' AND attempts = 0", off.ID); n != 1 {
			t.Errorf("inactive webhook's pending deliveries = %d; want 1", n)
		}
		if _, err := f.svc.UpdateWebhook(f.sys, off.ID, notify.WebhookUpdate{Active: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		runOnce(t, w, 1, 0)
	})
}

// A failing receiver is retried with growing delays on the fake clock,
// the delivery dies after MaxAttempts, shows on the dead-letter list, and
// is sent again — with the same delivery id — when redelivered.
func TestWorkerRetriesAndDeadLetters(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		f := newFixture(t, db, clk, notify.Options{})
		r := newReceiver(t, clk)
		r.status = http.StatusInternalServerError
		f.mustWebhook(t, notify.WebhookInput{Name: "sms", URL: r.srv.URL + "/hook", Secret: testSecret, RegionPath: pathStreetX})
		f.publish(t, f.alice, caseEvent("case.dispatched"))
		w := f.newWorker(r, func(o *notify.WorkerOptions) { o.MaxAttempts = 4 })

		var lastDelay time.Duration
		for attempt := 1; attempt <= 3; attempt++ {
			runOnce(t, w, 0, 1)
			d := f.onlyDelivery(t)
			delay := d.NextAttemptAt.Sub(clk.Now())
			if d.Status != notify.DeliveryPending || d.Attempts != attempt || d.LastStatus != 500 || !strings.Contains(d.LastError, "gateway down") {
				t.Fatalf("after failure %d: %+v", attempt, d)
			}
			if want := 30 * time.Second << (attempt - 1); delay != want {
				t.Errorf("after failure %d: next attempt in %v; want %v", attempt, delay, want)
			}
			if delay <= lastDelay {
				t.Errorf("after failure %d: delay %v not longer than %v", attempt, delay, lastDelay)
			}
			lastDelay = delay
			// Not due yet: nothing happens a second before.
			clk.Advance(delay - time.Second)
			runOnce(t, w, 0, 0)
			clk.Advance(time.Second)
		}
		runOnce(t, w, 0, 1)
		d := f.onlyDelivery(t)
		if d.Status != notify.DeliveryDead || d.Attempts != 4 {
			t.Fatalf("after %d failures: %+v; want dead", 4, d)
		}
		clk.Advance(24 * time.Hour)
		runOnce(t, w, 0, 0)
		if n := r.hitsOf(d.ID); n != 4 {
			t.Errorf("requests for delivery %d = %d; want 4", d.ID, n)
		}

		// The dead-letter list, scoped like the webhooks.
		dead, total, err := f.svc.FindDeliveries(as(f.adminX), notify.DeliveryFilter{Status: ptr(notify.DeliveryDead)})
		if err != nil || total != 1 || dead[0].ID != d.ID {
			t.Fatalf("admin X's dead letters = %v (total %d), %v", dead, total, err)
		}
		if ds, total, err := f.svc.FindDeliveries(as(f.adminY), notify.DeliveryFilter{}); err != nil || total != 0 || len(ds) != 0 {
			t.Errorf("admin Y sees deliveries %v (total %d), %v", ds, total, err)
		}
		_, _, err = f.svc.FindDeliveries(f.sys, notify.DeliveryFilter{Status: ptr(notify.DeliveryStatus("lost"))})
		wantErr(t, err, apperr.Invalid, "status")
		_, _, err = f.svc.FindDeliveries(as(f.alice), notify.DeliveryFilter{})
		wantErr(t, err, apperr.Forbidden, "")
		_, err = f.svc.FindDeliveryByID(as(f.adminY), d.ID)
		wantErr(t, err, apperr.Forbidden, "")

		// Redelivery: only by an administrator covering the webhook, only
		// of a dead delivery.
		wantErr(t, f.svc.Redeliver(as(f.adminY), d.ID), apperr.Forbidden, "")
		wantErr(t, f.svc.Redeliver(as(f.adminX), 999999), apperr.NotFound, "")
		if err := f.svc.Redeliver(as(f.adminX), d.ID); err != nil {
			t.Fatal(err)
		}
		wantErr(t, f.svc.Redeliver(as(f.adminX), d.ID), apperr.Conflict, "status")
		d, err = f.svc.FindDeliveryByID(as(f.adminX), d.ID)
		if err != nil || d.Status != notify.DeliveryPending || d.Attempts != 0 || !d.NextAttemptAt.Equal(clk.Now()) {
			t.Fatalf("redelivered = %+v, %v; want pending, no attempts, due now", d, err)
		}
		r.set(func(r *receiver) { r.status = http.StatusNoContent })
		runOnce(t, w, 1, 0)
		if d = f.onlyDelivery(t); d.Status != notify.DeliveryDelivered || d.LastStatus != 204 || d.LastError != "" {
			t.Errorf("after redelivery: %+v", d)
		}
		if n := r.hitsOf(d.ID); n != 5 {
			t.Errorf("requests with delivery id %d = %d; want 5 (the id stays for receiver dedupe)", d.ID, n)
		}
		wantErr(t, f.svc.Redeliver(f.sys, d.ID), apperr.Conflict, "status")
	})
}

// A claimed delivery is hidden from other workers while its lease lasts;
// if the lease runs out (the first worker hung or died), another worker
// sends it again — at least once, the same delivery id — and the late
// answer of the first is not recorded over the second's.
func TestWorkerLease(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		f := newFixture(t, db, clk, notify.Options{})
		r := newReceiver(t, clk)
		f.mustWebhook(t, notify.WebhookInput{Name: "sms", URL: r.srv.URL + "/hook", Secret: testSecret})
		f.publish(t, f.alice, caseEvent("case.dispatched"))
		lease := func(o *notify.WorkerOptions) { o.Lease = time.Minute }
		a, b := f.newWorker(r, lease), f.newWorker(r, lease)
		r.during = func(n int) {
			if n != 1 {
				return
			}
			// In flight at a: hidden from b.
			if d, fl, err := b.RunOnce(context.Background()); d+fl != 0 || err != nil {
				t.Errorf("b during a's lease: %d delivered, %d failed, %v; want nothing", d, fl, err)
			}
			// a's lease is over: b sends it again.
			clk.Advance(time.Minute)
			if d, fl, err := b.RunOnce(context.Background()); d != 1 || fl != 0 || err != nil {
				t.Errorf("b after a's lease: %d delivered, %d failed, %v; want 1 delivered", d, fl, err)
			}
		}
		runOnce(t, a, 1, 0) // a's request did arrive; its record is fenced off
		d := f.onlyDelivery(t)
		if d.Status != notify.DeliveryDelivered || d.Attempts != 2 || r.hitsOf(d.ID) != 2 {
			t.Errorf("delivery %+v sent %d times; want delivered by the second attempt, sent twice", d, r.hitsOf(d.ID))
		}
	})
}

// Several workers running at once send every delivery exactly once (on
// PostgreSQL through FOR UPDATE SKIP LOCKED and the lease; on SQLite the
// single writer serialises the claims).
func TestWorkersDeliverEachOnce(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		f := newFixture(t, db, clk, notify.Options{})
		r := newReceiver(t, clk)
		f.mustWebhook(t, notify.WebhookInput{Name: "sms", URL: r.srv.URL + "/hook", Secret: testSecret})
		f.mustWebhook(t, notify.WebhookInput{Name: "wechat", URL: r.srv.URL + "/hook", Secret: testSecret})
		const events = 60
		es := make([]notify.Event, events)
		for i := range es {
			es[i] = caseEvent("case.reported")
			es[i].CaseID = int64(i + 1)
		}
		f.publish(t, f.alice, es...)

		const workers = 4
		var wg sync.WaitGroup
		start := make(chan struct{})
		sent := make([]int, workers)
		for i := range workers {
			w := f.newWorker(r, func(o *notify.WorkerOptions) { o.Batch, o.Concurrency = 7, 3 })
			wg.Go(func() {
				<-start
				for {
					d, fl, err := w.RunOnce(context.Background())
					if err != nil {
						t.Errorf("worker %d: %v", i, err)
						return
					}
					if d+fl == 0 {
						return
					}
					sent[i] += d
				}
			})
		}
		close(start)
		wg.Wait()

		total := 0
		for _, n := range sent {
			total += n
		}
		if total != 2*events {
			t.Errorf("workers delivered %v = %d; want %d", sent, total, 2*events)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.hits) != 2*events {
			t.Errorf("%d distinct deliveries arrived; want %d", len(r.hits), 2*events)
		}
		for id, n := range r.hits {
			if n != 1 {
				t.Errorf("delivery %d arrived %d times", id, n)
			}
		}
		if n := count(t, db, "webhook_deliveries", "status = 'delivered' AND attempts = 1"); n != 2*events {
			t.Errorf("%d deliveries delivered at the first attempt; want %d", n, 2*events)
		}
	})
}

// Run sends as soon as a commit wakes it, and returns when its context
// ends; old delivered rows are purged.
func TestWorkerRun(t *testing.T) {
	engines(t, func(t *testing.T, db *sqldb.DB, clk *clock) {
		r := newReceiver(t, clk)
		r.arrived = make(chan int64, 1)
		var w *notify.Worker
		f := newFixture(t, db, clk, notify.Options{Wake: func() { w.Wake() }})
		w = f.newWorker(r, func(o *notify.WorkerOptions) { o.PollInterval = time.Hour })
		f.mustWebhook(t, notify.WebhookInput{Name: "sms", URL: r.srv.URL + "/hook", Secret: testSecret})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { w.Run(ctx); close(done) }()
		f.publish(t, f.alice, caseEvent("case.reported"))
		id := <-r.arrived
		cancel()
		<-done
		// Cancelling may cut the exchange short after the request arrived:
		// then the row is handed back, due, its attempt not counted.
		d := f.onlyDelivery(t)
		if d.ID != id || r.hitsOf(id) != 1 {
			t.Errorf("delivery %d arrived %d times; want %d once", id, r.hitsOf(id), d.ID)
		}
		switch {
		case d.Status == notify.DeliveryDelivered && d.Attempts == 1:
		case d.Status == notify.DeliveryPending && d.Attempts == 0 && !d.NextAttemptAt.After(clk.Now()):
			runOnce(t, w, 1, 0)
		default:
			t.Fatalf("after Run: %+v", d)
		}

		// Delivered rows are purged once old enough.
		clk.Advance(time.Hour)
		if n, err := w.PurgeDelivered(context.Background(), clk.Now().Add(-2*time.Hour)); err != nil || n != 0 {
			t.Errorf("purge of rows older than 2h = %d, %v; want 0", n, err)
		}
		if n, err := w.PurgeDelivered(context.Background(), clk.Now()); err != nil || n != 1 {
			t.Errorf("purge of rows older than now = %d, %v; want 1", n, err)
		}
		if n := count(t, db, "webhook_deliveries", ""); n != 0 {
			t.Errorf("%d deliveries left", n)
		}
	})
}

// Backoff doubles from the base, stays within ±20%, and is capped.
func TestBackoff(t *testing.T) {
	base, ceiling := 30*time.Second, time.Hour
	var want []time.Duration
	for _, s := range []string{"30s", "1m", "2m", "4m", "8m", "16m", "32m", "1h", "1h", "1h"} {
		d, _ := time.ParseDuration(s)
		want = append(want, d)
	}
	var got []time.Duration
	for attempt := 1; attempt <= 10; attempt++ {
		got = append(got, notify.Backoff(attempt, 0.5, base, ceiling))
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("backoff without jitter (-want +got):\n%s", d)
	}
	if got := notify.Backoff(1, 0, base, ceiling); got != 24*time.Second {
		t.Errorf("lowest jitter = %v; want 24s", got)
	}
	if got := notify.Backoff(1, 0.999999, base, ceiling); got < 35*time.Second || got >= 36*time.Second {
		t.Errorf("highest jitter = %v; want just under 36s", got)
	}
	if got := notify.Backoff(100, 0.999, base, ceiling); got != ceiling {
		t.Errorf("capped = %v; want %v", got, ceiling)
	}
	// With any jitter, each delay below the cap is longer than the last.
	for _, lo := range []float64{0, 0.3, 0.7, 0.999} {
		for attempt := 1; attempt < 7; attempt++ {
			if a, b := notify.Backoff(attempt, 0.999, base, ceiling), notify.Backoff(attempt+1, lo, base, ceiling); b <= a {
				t.Errorf("attempt %d (high jitter) %v ≥ attempt %d (jitter %v) %v", attempt, a, attempt+1, lo, b)
			}
		}
	}
}
