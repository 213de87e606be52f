package cases

import (
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/category"
)

// TestClock checks the timer arithmetic on the embedded 2026 calendar with
// office hours (08:30–12:00, 14:00–18:00), where the working-hours clock
// stands still over lunch.
func TestClock(t *testing.T) {
	cal, err := calendar.Default(calendar.Options{})
	if err != nil {
		t.Fatal(err)
	}
	k := clock{cal: cal}
	loc := cal.Location()
	at := func(d, hh, mm int) time.Time { return time.Date(2026, 3, d, hh, mm, 0, 0, loc) }
	hm := func(x time.Time) string { return x.In(loc).Format("02 15:04:05") }
	for _, c := range []struct {
		name             string
		start            time.Time
		limit            string
		due, yellow, red string
		lightAt          time.Time
		light            Light
	}{
		// 4wh from Monday 10:00: 2 h before lunch, 2 h after: due 16:00;
		// 80 % = 3 h 12 min: 15:12; the clock runs on past 16:00.
		{"working hours", at(9, 10, 0), "4wh", "09 16:00:00", "09 15:12:00", "09 16:00:00", at(9, 15, 30), LightYellow},
		// 3wh from 09:00 is used up at 12:00, and stays at 100 % until the
		// afternoon opens: due 12:00 (the earliest instant), red after 14:00.
		{"used up at lunch", at(9, 9, 0), "3wh", "09 12:00:00", "09 11:24:00", "09 14:00:00", at(9, 13, 0), LightYellow},
		{"red after lunch", at(9, 9, 0), "3wh", "09 12:00:00", "09 11:24:00", "09 14:00:00", at(9, 14, 1), LightRed},
		// 2wd from Friday 6 March 22:40 (after the close): from Monday
		// 08:30, due at the opening of Wednesday 11 March; 80 % = 38.4 h =
		// Monday plus 0.6 of Tuesday's 9.5 h window = 5 h 42 min: 14:12.
		{"working days after hours", time.Date(2026, 3, 6, 22, 40, 0, 0, loc), "2wd", "11 08:30:00", "10 14:12:00", "11 08:30:00", at(10, 18, 0), LightYellow},
		// Wall clock: 30 min from 22:40.
		{"minutes", time.Date(2026, 3, 6, 22, 40, 0, 0, loc), "30m", "06 23:10:00", "06 23:04:00", "06 23:10:00", time.Date(2026, 3, 6, 23, 10, 0, 0, loc), LightYellow},
	} {
		tm, err := k.newTimer(category.StepHandle, c.start, calendar.MustParseLimit(c.limit))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := [3]string{hm(tm.Due), hm(tm.YellowAt), hm(tm.RedAt)}; got != [3]string{c.due, c.yellow, c.red} {
			t.Errorf("%s: due, yellow, red = %v, want %v", c.name, got, [3]string{c.due, c.yellow, c.red})
		}
		if l := tm.LightAt(c.lightAt); l != c.light {
			t.Errorf("%s: light at %s = %s, want %s", c.name, hm(c.lightAt), l, c.light)
		}
	}

	// Suspended 11:00–15:00 on a 3wh clock started at 09:00: 2 working
	// hours (11–12, 14–15) stood still, so the deadline moves from 12:00
	// by 2 working hours to 16:00, and red waits until after 16:00.
	tm, err := k.newTimer(category.StepHandle, at(9, 9, 0), calendar.MustParseLimit("3wh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.resume(tm, at(9, 11, 0), at(9, 15, 0)); err != nil {
		t.Fatal(err)
	}
	if got := [4]string{hm(tm.Due), hm(tm.YellowAt), hm(tm.RedAt), tm.Suspended.String()}; got != [4]string{"09 16:00:00", "09 15:24:00", "09 16:00:00", "2h0m0s"} {
		t.Errorf("after suspension: %v", got)
	}
	if u, err := k.used(tm, at(9, 15, 30)); err != nil || u != 150*time.Minute {
		t.Errorf("used at 15:30 = %s, %v; want 2h30m", u, err)
	}
	// An extension of 1wh from 16:00 moves the deadline to 17:00.
	if err := k.extend(tm, calendar.MustParseLimit("1wh")); err != nil {
		t.Fatal(err)
	}
	if got := [3]string{hm(tm.Due), hm(tm.RedAt), tm.Extra.String()}; got != [3]string{"09 17:00:00", "09 17:00:00", "1h0m0s"} {
		t.Errorf("after extension: %v", got)
	}
	// A year without calendar data is the calendar's Invalid error.
	if _, err := k.newTimer(category.StepHandle, time.Date(2027, 12, 30, 9, 0, 0, 0, loc), calendar.MustParseLimit("3wd")); err == nil {
		t.Error("a deadline in 2027, which the calendar does not know")
	}
}
