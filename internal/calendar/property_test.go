package calendar_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/calendar"
)

// randomStart returns a start anywhere in 2025–2026 or, one time in two,
// inside one of the blocks with swapped days (Spring Festival and National
// Day of both years), at a random second.
func randomStart(r *rand.Rand) time.Time {
	ranges := [][2]string{
		{"2025-01-01", "2026-12-31"},
		{"2025-01-20", "2025-02-12"}, // Spring Festival 2025, swapped Sun 01-26 and Sat 02-08
		{"2025-09-24", "2025-10-14"}, // National Day 2025, swapped Sun 09-28 and Sat 10-11
		{"2026-02-10", "2026-03-03"}, // Spring Festival 2026, swapped Sat 02-14 and 02-28
		{"2026-09-17", "2026-10-13"}, // Mid-Autumn and National Day 2026, swapped Sun 09-20 and Sat 10-10
	}
	rg := ranges[0]
	if r.IntN(2) == 0 {
		rg = ranges[1+r.IntN(len(ranges)-1)]
	}
	from, _ := time.ParseInLocation(time.DateOnly, rg[0], shanghai)
	to, _ := time.ParseInLocation(time.DateOnly, rg[1], shanghai)
	t := from.Add(time.Duration(r.Int64N(int64(to.Sub(from))/int64(time.Second))) * time.Second)
	// Land on the edges of the working hours often: they are where bugs live.
	if r.IntN(3) == 0 {
		y, m, d := t.Date()
		edges := []time.Duration{0, 8*time.Hour + 30*time.Minute, 12 * time.Hour, 14 * time.Hour, 18 * time.Hour, 23*time.Hour + 59*time.Minute}
		t = time.Date(y, m, d, 0, 0, 0, 0, shanghai).Add(edges[r.IntN(len(edges))])
	}
	return t
}

func randomLimit(r *rand.Rand) calendar.Limit {
	switch r.IntN(4) {
	case 0:
		return calendar.Limit{Amount: 1 + r.IntN(120), Unit: calendar.Minutes}
	case 1:
		return calendar.Limit{Amount: 1 + r.IntN(72), Unit: calendar.Hours}
	case 2:
		return calendar.Limit{Amount: 1 + r.IntN(80), Unit: calendar.WorkingHours}
	}
	return calendar.Limit{Amount: 1 + r.IntN(20), Unit: calendar.WorkingDays}
}

// TestDeadlineElapsedConsistent is the contract between the two:
// Elapsed(start, Deadline(start, l), l.Unit) == Budget(l), for many random
// starts and limits, with office hours and round the clock. For wh it also
// checks that the deadline is the earliest such instant.
func TestDeadlineElapsedConsistent(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 10))
	for _, c := range []*calendar.Calendar{office(t), allDay(t)} {
		checked, beyond := 0, 0
		for range 20000 {
			start, l := randomStart(r), randomLimit(r)
			d, err := c.Deadline(start, l)
			if err != nil {
				if e := apperr.As(err); e == nil || e.Field != "calendar" || e.Msg.EN != "no work calendar for 2027 yet" {
					t.Fatalf("Deadline(%s, %s): %v", start, l, err)
				}
				beyond++
				continue
			}
			checked++
			used, err := c.Elapsed(start, d, l.Unit)
			if err != nil || used != c.Budget(l) {
				t.Fatalf("%s: Deadline(%s, %s) = %s; Elapsed = %v, %v; want %v", c, start, l, d, used, err, c.Budget(l))
			}
			if !d.After(start) {
				t.Fatalf("Deadline(%s, %s) = %s, not after the start", start, l, d)
			}
			if l.Unit == calendar.WorkingHours {
				if less, _ := c.Elapsed(start, d.Add(-time.Second), l.Unit); less >= c.Budget(l) {
					t.Fatalf("Deadline(%s, %s) = %s is not the earliest: a second before, %v had run", start, l, d, less)
				}
			}
			if l.Unit.Working() {
				// The deadline falls on a working day, or is the midnight ending one.
				if ok, err := c.WorkingDay(d.Add(-time.Nanosecond)); err != nil || !ok {
					if ok2, err2 := c.WorkingDay(d); err2 != nil || !ok2 || l.Unit == calendar.WorkingHours {
						t.Fatalf("Deadline(%s, %s) = %s is not on a working day", start, l, d)
					}
				}
			}
		}
		if checked < 15000 || beyond == 0 {
			t.Errorf("checked %d, beyond 2026 %d: the sample misses a case", checked, beyond)
		}
	}
}

// TestElapsedAdditive: suspended time is subtracted with Elapsed in the
// same unit, which is only right if the measures add up. wd rounds down to
// the nanosecond, so a sum may be 1 ns short.
func TestElapsedAdditive(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	c := office(t)
	for range 5000 {
		a := randomStart(r)
		b := a.Add(time.Duration(r.Int64N(int64(20 * 24 * time.Hour))))
		cc := b.Add(time.Duration(r.Int64N(int64(20 * 24 * time.Hour))))
		for _, u := range []calendar.Unit{calendar.Minutes, calendar.WorkingHours, calendar.WorkingDays} {
			ab, err1 := c.Elapsed(a, b, u)
			bc, err2 := c.Elapsed(b, cc, u)
			ac, err3 := c.Elapsed(a, cc, u)
			if err1 != nil || err2 != nil || err3 != nil {
				continue // beyond 2026
			}
			if diff := ac - ab - bc; diff < 0 || diff > 1 {
				t.Fatalf("%s: Elapsed(a,c)=%v but Elapsed(a,b)+Elapsed(b,c)=%v+%v (a=%s b=%s c=%s)", u, ac, ab, bc, a, b, cc)
			}
		}
	}
}

// minuteClock is the slow, obvious reference: it walks minute by minute and
// asks of each minute whether it is working time (wh) or inside a working
// day's window (wd).
type minuteClock struct {
	c          *calendar.Calendar
	open, shut time.Duration // the office window 08:30–18:00
}

func (m minuteClock) runs(t time.Time, u calendar.Unit) bool {
	ok, err := m.c.WorkingDay(t)
	if err != nil || !ok {
		return false
	}
	y, mo, d := t.Date()
	off := t.Sub(time.Date(y, mo, d, 0, 0, 0, 0, t.Location()))
	if u == calendar.WorkingDays {
		return off >= m.open && off < m.shut
	}
	for _, sp := range calendar.OfficeHours() {
		if off >= sp.Start && off < sp.End {
			return true
		}
	}
	return false
}

// TestAgainstMinuteWalk compares Elapsed and Deadline with the minute walk
// for random minute-aligned starts.
func TestAgainstMinuteWalk(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	c := office(t)
	ref := minuteClock{c: c, open: 8*time.Hour + 30*time.Minute, shut: 18 * time.Hour}
	window := 9*time.Hour + 30*time.Minute
	for range 300 {
		start := randomStart(r).Truncate(time.Minute)
		if start.Year() != 2025 && !start.Before(time.Date(2026, 12, 1, 0, 0, 0, 0, shanghai)) {
			continue
		}
		// Elapsed over up to 12 days.
		end := start.Add(time.Duration(r.IntN(12*24*60)) * time.Minute)
		for _, u := range []calendar.Unit{calendar.WorkingHours, calendar.WorkingDays} {
			var n time.Duration
			for m := start; m.Before(end); m = m.Add(time.Minute) {
				if ref.runs(m, u) {
					n += time.Minute
				}
			}
			want := n
			if u == calendar.WorkingDays {
				// Whole minutes × 24 h fits easily; the division rounds down as Elapsed does.
				want = time.Duration(int64(n/time.Minute)) * 24 * time.Hour / (window / time.Minute)
			}
			got, err := c.Elapsed(start, end, u)
			if err != nil || got != want {
				t.Fatalf("Elapsed(%s, %s, %s) = %v, %v; the minute walk says %v", start, end, u, got, err, want)
			}
		}
		// Deadline in wh: the end of the minute that uses the budget up.
		l := calendar.Limit{Amount: 1 + r.IntN(30), Unit: calendar.WorkingHours}
		left, m := c.Budget(l), start
		for ; left > 0; m = m.Add(time.Minute) {
			if ref.runs(m, calendar.WorkingHours) {
				left -= time.Minute
			}
		}
		got, err := c.Deadline(start, l)
		if err != nil || !got.Equal(m) {
			t.Fatalf("Deadline(%s, %s) = %s, %v; the minute walk says %s", start, l, got, err, m)
		}
	}
}
