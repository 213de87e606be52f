package bench

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// TestDriveCountsAndPaces: drive records successes per operation, counts
// failures with their first distinct texts, and with a think time each
// user waits between its requests.
func TestDriveCountsAndPaces(t *testing.T) {
	var calls atomic.Int64
	w := func(ctx context.Context) (string, error) {
		n := calls.Add(1)
		time.Sleep(time.Millisecond)
		if n%5 == 0 {
			return "write", errors.New("refused")
		}
		if n%2 == 0 {
			return "write", nil
		}
		return "read", nil
	}
	workers := []worker{w, w, w, w}
	res, err := drive(context.Background(), "test", workers, Options{Concurrency: 4, Duration: 300 * time.Millisecond, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors == 0 || res.Latency.Count() == 0 || res.Ops["read"] == nil || res.Ops["write"] == nil || res.Ops["write"].Errors != res.Errors {
		t.Fatalf("result %+v: want successes of both operations and the failures counted on write", res)
	}
	if len(res.FirstErrors) != 1 || res.FirstErrors[0] != "refused" {
		t.Errorf("first errors %q, want the one distinct text", res.FirstErrors)
	}
	if got := res.Requests(); got < res.Latency.Count() || res.Throughput() <= 0 {
		t.Errorf("requests %d, throughput %.1f", got, res.Throughput())
	}

	// With 100 ms of thought between requests, 4 users make about 12
	// requests in 300 ms; without, they make hundreds.
	calls.Store(0)
	res, err = drive(context.Background(), "test", workers, Options{Concurrency: 4, Duration: 300 * time.Millisecond, Think: 100 * time.Millisecond, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Requests(); n == 0 || n > 30 {
		t.Errorf("%d requests with 100 ms think time from 4 users in 300 ms, want about 12", n)
	}
}
