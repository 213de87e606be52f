package calendar_test

import (
	"context"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// BenchmarkDeadline: the deadlines a case computes at every step. Starts
// are spread over 2026 so that holiday blocks are crossed.
func BenchmarkDeadline(b *testing.B) {
	c := office(b)
	starts := make([]time.Time, 1024)
	for i := range starts {
		starts[i] = at(b, "2026-01-05 09:00").Add(time.Duration(i) * 7 * time.Hour)
	}
	for _, s := range []string{"30m", "4wh", "40wh", "15wd"} {
		l := calendar.MustParseLimit(s)
		b.Run(s, func(b *testing.B) {
			i := 0
			for b.Loop() {
				if _, err := c.Deadline(starts[i&1023], l); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkElapsed: the traffic light reads the clock of every open case.
func BenchmarkElapsed(b *testing.B) {
	c := office(b)
	start := at(b, "2025-01-02 10:17")
	for _, tc := range []struct {
		name string
		end  time.Time
		unit calendar.Unit
	}{
		{"wh_week", at(b, "2025-01-09 15:42"), calendar.WorkingHours},
		{"wd_two_years", at(b, "2026-12-30 15:42"), calendar.WorkingDays},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.Elapsed(start, tc.end, tc.unit); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNewCalendar is the cost of rebuilding the snapshot after an edit.
func BenchmarkNewCalendar(b *testing.B) {
	for b.Loop() {
		if _, err := calendar.Default(calendar.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCurrent is the cached snapshot every case operation asks for.
func BenchmarkCurrent(b *testing.B) {
	db := sqldbtest.SQLite(b, sqldbtest.Options{})
	svc := calendar.NewService(db, calendar.Options{})
	if _, err := svc.SeedDefaults(sys()); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := svc.Current(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
