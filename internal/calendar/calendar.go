package calendar

import (
	"fmt"
	"slices"
	"sort"
	"time"
	_ "time/tzdata" // Asia/Shanghai must load on machines without a zoneinfo database

	"github.com/gridwork/gridwork/internal/apperr"
)

// DefaultZone is the time zone of the calendar unless Options say otherwise.
const DefaultZone = "Asia/Shanghai"

// Calendar is an immutable snapshot of the work calendar: the known years,
// their overrides, the working hours and the time zone. It is safe for
// concurrent use; Service.Current hands out a fresh one after every edit.
type Calendar struct {
	loc   *time.Location
	h     hours
	years []int
	days  []Day // sorted by date

	// Day tables, indexed by day number − first, from 1 January of the
	// first known year to 31 December of the last.
	first       int
	known       []bool      // the day's year has been entered
	work        []bool      // the day is a working day
	cum         []int32     // cum[i]: working days among indexes [0, i); len n+1
	nextUnknown []int32     // nextUnknown[i]: the smallest j ≥ i with !known[j], or n; len n+1
	override    map[int]int // day number → index into days
}

// NewCalendar builds a calendar from the years it knows and their
// overrides, with opt's hours and time zone (defaults: OfficeHours,
// Asia/Shanghai). Every day's year must be among years; a date may appear
// once. Bad input is apperr.Invalid.
func NewCalendar(opt Options, years []int, days []Day) (*Calendar, error) {
	loc, err := opt.location()
	if err != nil {
		return nil, err
	}
	h, err := newHours(opt.Hours)
	if err != nil {
		return nil, err
	}
	c := &Calendar{loc: loc, h: h, override: make(map[int]int, len(days))}
	c.years = slices.Clone(years)
	slices.Sort(c.years)
	c.years = slices.Compact(c.years)
	for _, y := range c.years {
		if err := checkYear("year", y); err != nil {
			return nil, err
		}
	}
	c.days = make([]Day, 0, len(days))
	for _, in := range days {
		d, err := checkDay(DayInput(in))
		if err != nil {
			return nil, err
		}
		if _, ok := slices.BinarySearch(c.years, d.Date.Year()); !ok {
			return nil, apperr.Invalidf("date", "%s所在的%d年尚未添加到工作日历", "%s: the year %d has not been added to the calendar",
				d.Date.Format(time.DateOnly), d.Date.Year())
		}
		c.days = append(c.days, d)
	}
	slices.SortFunc(c.days, func(a, b Day) int { return a.Date.Compare(b.Date) })
	for i := 1; i < len(c.days); i++ {
		if c.days[i].Date.Equal(c.days[i-1].Date) {
			return nil, apperr.Invalidf("date", "日期 %s 重复", "date %s appears twice", c.days[i].Date.Format(time.DateOnly))
		}
	}
	c.buildTables()
	return c, nil
}

// buildTables fills the day tables from the years and overrides.
func (c *Calendar) buildTables() {
	n := 0
	if len(c.years) > 0 {
		c.first = dayNumber(c.years[0], time.January, 1)
		n = dayNumber(c.years[len(c.years)-1]+1, time.January, 1) - c.first
	}
	c.known, c.work = make([]bool, n), make([]bool, n)
	for _, y := range c.years {
		from, to := dayNumber(y, time.January, 1)-c.first, dayNumber(y+1, time.January, 1)-c.first
		for i := from; i < to; i++ {
			c.known[i] = true
			wd := time.Weekday((c.first + i + 4) % 7) // 1970-01-01 was a Thursday
			c.work[i] = wd != time.Saturday && wd != time.Sunday
		}
	}
	for i, d := range c.days {
		dn := dayNumber(d.Date.Date())
		c.override[dn] = i
		c.work[dn-c.first] = d.Kind == Work
	}
	c.cum = make([]int32, n+1)
	for i := range n {
		c.cum[i+1] = c.cum[i]
		if c.work[i] {
			c.cum[i+1]++
		}
	}
	c.nextUnknown = make([]int32, n+1)
	c.nextUnknown[n] = int32(n)
	for i := n - 1; i >= 0; i-- {
		if c.known[i] {
			c.nextUnknown[i] = c.nextUnknown[i+1]
		} else {
			c.nextUnknown[i] = int32(i)
		}
	}
}

// Default returns the calendar of the embedded national data (2025 and
// 2026) with opt's hours and time zone: for tests, tools, and the seed.
func Default(opt Options) (*Calendar, error) {
	years, days, err := defaultData()
	if err != nil {
		return nil, err
	}
	ys := make([]int, 0, len(years))
	for _, y := range years {
		ys = append(ys, y.Year)
	}
	return NewCalendar(opt, ys, days)
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Hours returns the daily working hours.
func (c *Calendar) Hours() []Span { return slices.Clone(c.h.spans) }

// Years returns the known years in order.
func (c *Calendar) Years() []int { return slices.Clone(c.years) }

// Days returns the overrides of year (every year when year is 0), by date.
func (c *Calendar) Days(year int) []Day {
	var out []Day
	for _, d := range c.days {
		if year == 0 || d.Date.Year() == year {
			out = append(out, d)
		}
	}
	return out
}

// WorkingDay reports whether t's date, in the calendar's time zone, is a
// working day; a date of an unknown year is the "calendar" error.
func (c *Calendar) WorkingDay(t time.Time) (bool, error) {
	dn, _ := c.civil(t)
	if err := c.checkKnown(dn, dn); err != nil {
		return false, err
	}
	return c.work[dn-c.first], nil
}

// Override returns the override of t's date in the calendar's time zone
// (a holiday-block day or a swapped working day), if there is one.
func (c *Calendar) Override(t time.Time) (Day, bool) {
	dn, _ := c.civil(t)
	i, ok := c.override[dn]
	if !ok {
		return Day{}, false
	}
	return c.days[i], true
}

// dayNumber is the number of days from 1970-01-01 to a civil date.
func dayNumber(y int, m time.Month, d int) int {
	s := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()
	n := s / 86400
	if s%86400 < 0 {
		n--
	}
	return int(n)
}

// dateOfNumber is the civil date of a day number.
func dateOfNumber(n int) (int, time.Month, int) {
	return time.Unix(int64(n)*86400, 0).UTC().Date()
}

// civil returns t's local day number and clock time (from midnight, as the
// wall clock reads, whatever daylight saving does).
func (c *Calendar) civil(t time.Time) (day int, off time.Duration) {
	lt := t.In(c.loc)
	y, m, d := lt.Date()
	hh, mm, ss := lt.Clock()
	off = time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute + time.Duration(ss)*time.Second + time.Duration(lt.Nanosecond())
	return dayNumber(y, m, d), off
}

// instant is the time at clock time off (0 ≤ off ≤ 24h) of day number dn.
func (c *Calendar) instant(dn int, off time.Duration) time.Time {
	y, m, d := dateOfNumber(dn)
	return time.Date(y, m, d, 0, 0, 0, int(off), c.loc)
}

// yearOf is the year of a day number.
func yearOf(dn int) int {
	y, _, _ := dateOfNumber(dn)
	return y
}

// checkKnown returns the "calendar" error for the first day in [a, b]
// whose year is unknown, or nil.
func (c *Calendar) checkKnown(a, b int) error {
	n := len(c.known)
	i := a - c.first
	if i < 0 || i >= n {
		return missingYear(yearOf(a))
	}
	if j := int(c.nextUnknown[i]); c.first+j <= b {
		return missingYear(yearOf(c.first + j))
	}
	return nil
}

// isWork reports whether known day dn is a working day.
func (c *Calendar) isWork(dn int) bool { return c.work[dn-c.first] }

// workingBetween counts the working days strictly between known days a and b.
func (c *Calendar) workingBetween(a, b int) int {
	if b-a < 2 {
		return 0
	}
	return int(c.cum[b-c.first] - c.cum[a+1-c.first])
}

// nthWorkingAfter returns the kth (k ≥ 1) working day after known day d,
// or the "calendar" error for the first unknown year on the way.
func (c *Calendar) nthWorkingAfter(d, k int) (int, error) {
	n := len(c.known)
	i := d - c.first + 1
	want := c.cum[i] + int32(k)
	j := i + sort.Search(n-i, func(x int) bool { return c.cum[i+x+1] >= want })
	if stop := int(c.nextUnknown[i]); j >= stop {
		return 0, missingYear(yearOf(c.first + stop))
	}
	return c.first + j, nil
}

// String describes the calendar for logs.
func (c *Calendar) String() string {
	return fmt.Sprintf("calendar %s years=%v overrides=%d hours=%v", c.loc, c.years, len(c.days), c.h.spans)
}
