package ratelimit

import (
	"testing"
	"time"
)

func TestPerKey(t *testing.T) {
	l := New(3)
	t0 := time.Date(2026, 3, 6, 22, 40, 0, 0, time.UTC)
	for i := range 3 {
		if !l.Allow("1.2.3.4", t0) {
			t.Fatalf("event %d refused within the burst", i+1)
		}
	}
	if l.Allow("1.2.3.4", t0) {
		t.Fatal("fourth event in the same instant allowed")
	}
	if !l.Allow("5.6.7.8", t0) {
		t.Fatal("another key is limited by the first")
	}
	if !l.Allow("1.2.3.4", t0.Add(20*time.Second)) {
		t.Fatal("no token back after a third of a minute at 3/min")
	}
	if !l.Allow("", t0) || !l.Allow("", t0) || !l.Allow("", t0) || !l.Allow("", t0) {
		t.Fatal("the empty key is limited")
	}
}
