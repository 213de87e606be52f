package calendar_test

import (
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/calendar"
)

// shanghai is the calendar's default zone, loaded from the embedded tzdata.
var shanghai = mustZone("Asia/Shanghai")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at reads "2006-01-02 15:04" in Asia/Shanghai.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, shanghai)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v
}

// office is the default calendar: the shipped 2025–2026 data, office hours
// 08:30–12:00 and 14:00–18:00, Asia/Shanghai.
func office(t testing.TB) *calendar.Calendar {
	t.Helper()
	c, err := calendar.Default(calendar.Options{})
	if err != nil {
		t.Fatalf("default calendar: %v", err)
	}
	return c
}

// allDay is the shipped data with round-the-clock hours (a command centre).
func allDay(t testing.TB) *calendar.Calendar {
	t.Helper()
	c, err := calendar.Default(calendar.Options{Hours: calendar.AllDay()})
	if err != nil {
		t.Fatalf("default calendar: %v", err)
	}
	return c
}

type deadlineCase struct {
	start, limit, want string
}

func checkDeadlines(t *testing.T, c *calendar.Calendar, cases []deadlineCase) {
	t.Helper()
	for _, tc := range cases {
		l := calendar.MustParseLimit(tc.limit)
		got, err := c.Deadline(at(t, tc.start), l)
		if err != nil {
			t.Errorf("Deadline(%s, %s): %v", tc.start, tc.limit, err)
			continue
		}
		if want := at(t, tc.want); !got.Equal(want) {
			t.Errorf("Deadline(%s, %s) = %s, want %s", tc.start, tc.limit, got.Format("2006-01-02 15:04 Mon"), want.Format("2006-01-02 15:04 Mon"))
		}
		// And the clock reads exactly the budget at the deadline.
		used, err := c.Elapsed(at(t, tc.start), got, l.Unit)
		if err != nil || used != c.Budget(l) {
			t.Errorf("Elapsed(%s, deadline, %s) = %v, %v; want %v", tc.start, l.Unit, used, err, c.Budget(l))
		}
	}
}

// The 2026 National Day and Mid-Autumn arrangement (from the CSV):
// Sun 09-20 is a working day; Fri 09-25 (Mid-Autumn), Sat 09-26 and Sun
// 09-27 are off; Mon 09-28 to Wed 09-30 are working days; Thu 10-01 to Wed
// 10-07 are off; Thu 10-08, Fri 10-09 and Sat 10-10 are working days; Sun
// 10-11 is off.
func TestDeadlineNationalDay2026(t *testing.T) {
	// A resident reports at 22:40 on Friday 2026-09-25, itself a holiday.
	checkDeadlines(t, office(t), []deadlineCase{
		// Wall-clock limits run through the night and the holiday.
		{"2026-09-25 22:40", "30m", "2026-09-25 23:10"},
		{"2026-09-25 22:40", "1h", "2026-09-25 23:40"},
		{"2026-09-25 22:40", "6h", "2026-09-26 04:40"},
		// 4wh: nothing runs until Mon 09-28 08:30; 08:30–12:00 is 3.5 h,
		// the last 0.5 h is 14:00–14:30.
		{"2026-09-25 22:40", "4wh", "2026-09-28 14:30"},
		// 8wh: all of Monday (7.5 h), then 0.5 h on Tuesday: 09:00.
		{"2026-09-25 22:40", "8wh", "2026-09-29 09:00"},
		// 24wh: Mon, Tue, Wed are 22.5 h; 10-01…10-07 are off; the last
		// 1.5 h are Thu 10-08 08:30–10:00.
		{"2026-09-25 22:40", "24wh", "2026-10-08 10:00"},
		// 2wd: the clock starts at Mon 09-28 08:30 (a day off); two working
		// days later is Wed 09-30 08:30.
		{"2026-09-25 22:40", "2wd", "2026-09-30 08:30"},
		// 5wd: after Mon 09-28 come Tue 09-29 (1), Wed 09-30 (2), the block,
		// Thu 10-08 (3), Fri 10-09 (4), and the swapped Sat 10-10 (5).
		{"2026-09-25 22:40", "5wd", "2026-10-10 08:30"},
		// 15wd: … Sat 10-10 (5), Sun 10-11 off, 10-12…10-16 (6–10),
		// 10-19…10-23 (11–15).
		{"2026-09-25 22:40", "15wd", "2026-10-23 08:30"},
		// A start inside the last working day before the block keeps its
		// clock time: Wed 09-30 15:20 + 1wd jumps the block to Thu 10-08
		// 15:20; + 3wd is the swapped Saturday 10-10 15:20.
		{"2026-09-30 15:20", "1wd", "2026-10-08 15:20"},
		{"2026-09-30 15:20", "3wd", "2026-10-10 15:20"},
		// 4wh from Wed 09-30 15:20: 2h40m that day, 1h20m on 10-08: 09:50.
		{"2026-09-30 15:20", "4wh", "2026-10-08 09:50"},
		// The swapped Sunday 09-20 is a working day: 2wh from 17:00 Sat
		// 09-19 starts Sun 09-20 08:30 and ends 10:30.
		{"2026-09-19 17:00", "2wh", "2026-09-20 10:30"},
	})
}

// A command centre works round the clock: only whole days off stop the clock.
func TestDeadlineNationalDay2026AllDay(t *testing.T) {
	checkDeadlines(t, allDay(t), []deadlineCase{
		// Fri 09-25 to Sun 09-27 are off: 4wh from 22:40 Friday is Mon 09-28 04:00.
		{"2026-09-25 22:40", "4wh", "2026-09-28 04:00"},
		// 2wd counts from Mon 09-28 00:00: Wed 09-30 00:00.
		{"2026-09-25 22:40", "2wd", "2026-09-30 00:00"},
		// From Wed 09-30 22:00, 3wh: 2 h that day, 1 h on Thu 10-08.
		{"2026-09-30 22:00", "3wh", "2026-10-08 01:00"},
		// 24wh from Wed 09-30 00:00 ends with the day, at midnight.
		{"2026-09-30 00:00", "24wh", "2026-10-01 00:00"},
		// 1wd from Wed 09-30 00:00 is the next working day's midnight.
		{"2026-09-30 00:00", "1wd", "2026-10-08 00:00"},
	})
}

// The 2026 Spring Festival (from the CSV): Sat 02-14 is a working day,
// Sun 02-15 to Mon 02-23 are off, Sat 02-28 is a working day.
func TestDeadlineSpringFestival2026(t *testing.T) {
	checkDeadlines(t, office(t), []deadlineCase{
		// Fri 02-13 16:00, 4wh: 2 h that day, then the swapped Saturday
		// 02-14 08:30–10:30.
		{"2026-02-13 16:00", "4wh", "2026-02-14 10:30"},
		// 20wh: 2 h (Fri) + 7.5 h (Sat 02-14) + 7.5 h (Tue 02-24) = 17 h,
		// the last 3 h on Wed 02-25 08:30–11:30.
		{"2026-02-13 16:00", "20wh", "2026-02-25 11:30"},
		// 1wd: the next working day is the swapped Saturday.
		{"2026-02-13 16:00", "1wd", "2026-02-14 16:00"},
		// 2wd: Sat 02-14 (1), the nine-day block, Tue 02-24 (2).
		{"2026-02-13 16:00", "2wd", "2026-02-24 16:00"},
		// 6wd: 02-24 (2), 02-25 (3), 02-26 (4), 02-27 (5), Sat 02-28 (6).
		{"2026-02-13 16:00", "6wd", "2026-02-28 16:00"},
		// Reported on the swapped Saturday itself: 1wd is Tue 02-24.
		{"2026-02-14 09:00", "1wd", "2026-02-24 09:00"},
		// Reported during the block (Sun 02-22): counts from Tue 02-24
		// 08:30; 3wd is Fri 02-27 08:30, 4wd the swapped Sat 02-28 08:30.
		{"2026-02-22 10:00", "3wd", "2026-02-27 08:30"},
		{"2026-02-22 10:00", "4wd", "2026-02-28 08:30"},
		// Sat 02-28 17:30, 1wh: 0.5 h that day, Sun 03-01 is off, 0.5 h on Mon 03-02.
		{"2026-02-28 17:30", "1wh", "2026-03-02 09:00"},
		// 30m and 1h ignore the festival.
		{"2026-02-16 09:00", "30m", "2026-02-16 09:30"},
		{"2026-02-16 23:30", "1h", "2026-02-17 00:30"},
	})
}

// Starts in the lunch break, before opening and at closing, on an ordinary
// week (Mon 2026-03-02 to Fri 03-06, all working days).
func TestDeadlineOrdinaryWeek(t *testing.T) {
	checkDeadlines(t, office(t), []deadlineCase{
		// Lunch break: working hours resume at 14:00.
		{"2026-03-04 12:30", "1wh", "2026-03-04 15:00"},
		{"2026-03-04 12:30", "4wh", "2026-03-04 18:00"}, // exactly the afternoon
		{"2026-03-04 12:30", "5wh", "2026-03-05 09:30"},
		{"2026-03-04 12:30", "30m", "2026-03-04 13:00"},
		// wd keeps the clock time, lunch included in the working window.
		{"2026-03-04 12:30", "1wd", "2026-03-05 12:30"},
		// A budget that ends with the morning is due at 12:00, not 14:00.
		{"2026-03-03 11:00", "1wh", "2026-03-03 12:00"},
		{"2026-03-03 11:00", "2wh", "2026-03-03 15:00"},
		// Before opening counts from 08:30.
		{"2026-03-02 07:00", "1wh", "2026-03-02 09:30"},
		{"2026-03-02 07:00", "2wd", "2026-03-04 08:30"},
		// At closing (18:00) counts from the next morning.
		{"2026-03-02 18:00", "1wh", "2026-03-03 09:30"},
		{"2026-03-02 18:00", "1wd", "2026-03-04 08:30"},
		// One minute before closing keeps its clock time.
		{"2026-03-02 17:59", "1wd", "2026-03-03 17:59"},
		// Friday 22:40 on an ordinary week: 2wd is Wednesday 08:30.
		{"2026-03-06 22:40", "2wd", "2026-03-11 08:30"},
		// A whole week of working hours from Monday's opening ends Friday 18:00.
		{"2026-03-02 08:30", "37wh", "2026-03-06 17:30"},
		{"2026-03-02 08:30", "5wd", "2026-03-09 08:30"},
		// New Year 2026 (01-01 to 01-03 off, Sun 01-04 working) across the
		// change of year: Wed 2025-12-31 17:00 + 2wh is Sun 01-04 09:30.
		{"2025-12-31 17:00", "2wh", "2026-01-04 09:30"},
	})
}

func TestElapsedAcrossHoliday(t *testing.T) {
	c, c24 := office(t), allDay(t)
	cases := []struct {
		cal        *calendar.Calendar
		start, end string
		unit       calendar.Unit
		want       time.Duration
	}{
		// Wed 2026-09-30 13:15 to Thu 10-08 13:15 spans the National Day block.
		// wh: 14:00–18:00 on 09-30 (13:15–14:00 is lunch) and 08:30–12:00 on
		// 10-08: 7.5 h, one working day's hours.
		{c, "2026-09-30 13:15", "2026-10-08 13:15", calendar.WorkingHours, 7*time.Hour + 30*time.Minute},
		// wd: 4h45m of 09-30's window (08:30–18:00, 9.5 h) and 4h45m of
		// 10-08's: one whole window, 24 h.
		{c, "2026-09-30 13:15", "2026-10-08 13:15", calendar.WorkingDays, 24 * time.Hour},
		// h and m: eight days on the wall clock.
		{c, "2026-09-30 13:15", "2026-10-08 13:15", calendar.Hours, 192 * time.Hour},
		{c, "2026-09-30 13:15", "2026-10-08 13:15", calendar.Minutes, 192 * time.Hour},
		// Half a window is 12 h: 08:30–13:15 of Thu 10-08.
		{c, "2026-10-07 20:00", "2026-10-08 13:15", calendar.WorkingDays, 12 * time.Hour},
		// Inside the block nothing runs on the working clocks.
		{c, "2026-10-02 09:00", "2026-10-05 17:00", calendar.WorkingHours, 0},
		{c, "2026-10-02 09:00", "2026-10-05 17:00", calendar.WorkingDays, 0},
		// The Spring Festival block from Fri 02-13 18:00 to Tue 02-24 08:30
		// holds the swapped Sat 02-14: 7.5 h, one working day.
		{c, "2026-02-13 18:00", "2026-02-24 08:30", calendar.WorkingHours, 7*time.Hour + 30*time.Minute},
		{c, "2026-02-13 18:00", "2026-02-24 08:30", calendar.WorkingDays, 24 * time.Hour},
		// Round the clock: Fri 09-25 to Thu 10-08 00:00 holds three working
		// days (09-28, 09-29, 09-30).
		{c24, "2026-09-25 00:00", "2026-10-08 00:00", calendar.WorkingDays, 72 * time.Hour},
		{c24, "2026-09-25 00:00", "2026-10-08 00:00", calendar.WorkingHours, 72 * time.Hour},
		// An end before the start is nothing.
		{c, "2026-10-08 13:15", "2026-09-30 13:15", calendar.WorkingHours, 0},
	}
	for _, tc := range cases {
		got, err := tc.cal.Elapsed(at(t, tc.start), at(t, tc.end), tc.unit)
		if err != nil || got != tc.want {
			t.Errorf("Elapsed(%s, %s, %s) = %v, %v; want %v", tc.start, tc.end, tc.unit, got, err, tc.want)
		}
	}
}

// wantCalendarError checks the missing-year error: Invalid on field
// "calendar", naming the year in both languages.
func wantCalendarError(t *testing.T, err error, year string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != apperr.Invalid || e.Field != "calendar" {
		t.Fatalf("err = %v, want invalid on field calendar", err)
	}
	if want := year + "年的工作日历尚未录入"; e.Msg.ZH != want {
		t.Errorf("ZH = %q, want %q", e.Msg.ZH, want)
	}
	if want := "no work calendar for " + year + " yet"; e.Msg.EN != want {
		t.Errorf("EN = %q, want %q", e.Msg.EN, want)
	}
}

func TestMissingYear(t *testing.T) {
	c := office(t)
	// Thu 2026-12-31 10:00 + 2wd needs January 2027.
	_, err := c.Deadline(at(t, "2026-12-31 10:00"), calendar.MustParseLimit("2wd"))
	wantCalendarError(t, err, "2027")
	// 17:00 + 4wh: one hour left in 2026, the rest in 2027.
	_, err = c.Deadline(at(t, "2026-12-31 17:00"), calendar.MustParseLimit("4wh"))
	wantCalendarError(t, err, "2027")
	// Reported in 2027 itself.
	_, err = c.Deadline(at(t, "2027-03-01 09:00"), calendar.MustParseLimit("1wh"))
	wantCalendarError(t, err, "2027")
	// And before the first known year.
	_, err = c.Deadline(at(t, "2024-12-31 10:00"), calendar.MustParseLimit("1wh"))
	wantCalendarError(t, err, "2024")
	_, err = c.Elapsed(at(t, "2026-12-30 10:00"), at(t, "2027-01-02 10:00"), calendar.WorkingDays)
	wantCalendarError(t, err, "2027")
	_, err = c.WorkingDay(at(t, "2027-01-04 10:00"))
	wantCalendarError(t, err, "2027")

	// What fits in 2026 still works: 10:00–12:00 and 14:00–16:00.
	checkDeadlines(t, c, []deadlineCase{{"2026-12-31 10:00", "4wh", "2026-12-31 16:00"}})
	// Wall-clock limits never need the calendar.
	checkDeadlines(t, c, []deadlineCase{{"2027-03-01 09:00", "30m", "2027-03-01 09:30"}})
	// An interval that ends at midnight does not need the next day's year.
	if got, err := c.Elapsed(at(t, "2026-12-31 17:00"), at(t, "2027-01-01 00:00"), calendar.WorkingHours); err != nil || got != time.Hour {
		t.Errorf("Elapsed to 2027-01-01 00:00 = %v, %v; want 1h", got, err)
	}
}

// A calendar with a gap (2025 and 2027 known, 2026 not) refuses to cross it.
func TestMissingYearGap(t *testing.T) {
	c, err := calendar.NewCalendar(calendar.Options{}, []int{2025, 2027}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Deadline(at(t, "2025-12-31 10:00"), calendar.MustParseLimit("1wd"))
	wantCalendarError(t, err, "2026")
	checkDeadlines(t, c, []deadlineCase{{"2027-01-01 10:00", "1wd", "2027-01-04 10:00"}})
}

func TestWorkingDayAndOverride(t *testing.T) {
	c := office(t)
	for _, tc := range []struct {
		date string
		want bool
		name string
	}{
		{"2026-09-25 12:00", false, "中秋节"}, // a Friday off
		{"2026-09-20 12:00", true, "国庆节"},  // a Sunday on
		{"2026-10-10 12:00", true, "国庆节"},  // a Saturday on
		{"2026-03-04 12:00", true, ""},     // an ordinary Wednesday
		{"2026-03-07 12:00", false, ""},    // an ordinary Saturday
	} {
		got, err := c.WorkingDay(at(t, tc.date))
		if err != nil || got != tc.want {
			t.Errorf("WorkingDay(%s) = %v, %v; want %v", tc.date, got, err, tc.want)
		}
		d, ok := c.Override(at(t, tc.date))
		if ok != (tc.name != "") || d.Name != tc.name {
			t.Errorf("Override(%s) = %+v, %v; want name %q", tc.date, d, ok, tc.name)
		}
	}
	// A late-night UTC time is already the next day in Shanghai.
	utc := time.Date(2026, 9, 24, 16, 30, 0, 0, time.UTC) // 2026-09-25 00:30 in Shanghai
	if got, _ := c.WorkingDay(utc); got {
		t.Errorf("WorkingDay(%s) = true; the Shanghai date is the Mid-Autumn holiday", utc)
	}
}

func TestBudget(t *testing.T) {
	c := office(t)
	for s, want := range map[string]time.Duration{
		"30m": 30 * time.Minute, "6h": 6 * time.Hour, "4wh": 4 * time.Hour, "15wd": 15 * 24 * time.Hour,
	} {
		if got := c.Budget(calendar.MustParseLimit(s)); got != want {
			t.Errorf("Budget(%s) = %v, want %v", s, got, want)
		}
	}
}
