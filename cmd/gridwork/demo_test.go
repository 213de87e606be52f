package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoInterruptedLeavesNothing: a demo interrupted while it writes its
// history is removed, database and key, so that the next run starts over
// instead of serving half a demo; a negative -cases is refused up front.
func TestDemoInterruptedLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := gridwork(context.Background(), nil, "demo", "-size", "village", "-no-serve", "-dir", dir, "-cases", "-3"); code != 1 || !strings.Contains(errOut, "-cases") {
		t.Errorf("negative -cases: %d %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "demo.db")); !os.IsNotExist(err) {
		t.Errorf("a refused demo left a database: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"demo", "-size", "village", "-no-serve", "-dir", dir, "-cases", "1000000"},
			strings.NewReader(""), &out, &errb, func(string) string { return "" })
	}()
	deadline := time.Now().Add(2 * time.Minute)
	for !strings.Contains(out.String(), "Generating 1000000 cases") {
		if time.Now().After(deadline) {
			t.Fatalf("the history did not start: %s %s", out.String(), errb.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // well inside the history: it takes minutes
	cancel()
	if code := <-done; code != 1 || !strings.Contains(errb.String(), "unfinished demo was removed") {
		t.Fatalf("interrupted demo: exit %d, %s", code, errb.String())
	}
	for _, name := range []string{"demo.db", "demo.db-wal", "pii.key"} {
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s is left after the interrupted demo: %v", name, err)
		}
	}
}

// TestProgressLines: off a terminal the history's progress is a line at
// each tenth, with the rate and the time left.
func TestProgressLines(t *testing.T) {
	var b strings.Builder
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	p := progressLines(&b, func() time.Time { return at })
	p(0, 1000)
	for _, done := range []int{50, 100, 150, 350, 1000} {
		at = at.Add(10 * time.Second)
		p(done, 1000)
	}
	want := "history: 100/1000 cases (10%), 5 cases/s, 3m0s left\n" +
		"history: 350/1000 cases (35%), 9 cases/s, 1m14s left\n" +
		"history: 1000/1000 cases (100%), 20 cases/s, 0s left\n"
	if b.String() != want {
		t.Errorf("progress lines:\n%s\nwant:\n%s", b.String(), want)
	}
}
