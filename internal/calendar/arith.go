package calendar

import (
	"math/bits"
	"time"
)

// Budget returns the limit on its own clock: minutes or hours for m, h and
// wh, and 24 h per working day for wd. It is what Elapsed is compared with
// (the traffic light's ratio is Elapsed / Budget).
func (c *Calendar) Budget(l Limit) time.Duration { return l.budget() }

// Deadline returns when limit l, started at start, runs out: the earliest
// instant at which Elapsed(start, ·, l.Unit) reaches Budget(l) (for wd, the
// opening of the working day rather than the close of the one before; see
// the package documentation). m and h never fail; wh and wd fail with
// apperr.Invalid on field "calendar", naming the year, when they need a day
// of a year the calendar does not know, and with field "limit" for a bad
// limit. The result is in the calendar's time zone.
func (c *Calendar) Deadline(start time.Time, l Limit) (time.Time, error) {
	if err := l.Validate(); err != nil {
		return time.Time{}, err
	}
	switch l.Unit {
	case WorkingHours:
		return c.deadlineWH(start, l.budget())
	case WorkingDays:
		return c.deadlineWD(start, l.Amount)
	}
	return start.Add(l.budget()).In(c.loc), nil
}

// deadlineWH walks the working hours: what is left of the start's day,
// then whole working days (by the day tables, not one by one), then the
// remainder into the last day's spans.
func (c *Calendar) deadlineWH(start time.Time, b time.Duration) (time.Time, error) {
	ds, os := c.civil(start)
	if err := c.checkKnown(ds, ds); err != nil {
		return time.Time{}, err
	}
	if c.isWork(ds) {
		done := c.h.workedBefore(os)
		left := c.h.perDay - done
		if b <= left {
			return c.instant(ds, c.h.workedAt(done+b)), nil
		}
		b -= left
	}
	// b > 0 remains: it ends on the kth working day after ds, having used
	// k−1 whole days before it and r (0 < r ≤ perDay) of that day.
	k := int((b + c.h.perDay - 1) / c.h.perDay)
	r := b - time.Duration(k-1)*c.h.perDay
	dk, err := c.nthWorkingAfter(ds, k)
	if err != nil {
		return time.Time{}, err
	}
	return c.instant(dk, c.h.workedAt(r)), nil
}

// deadlineWD applies the wd rule: the same clock time on the nth working
// day after the start's day when the start is on a working day before its
// close (clock time raised to the opening), otherwise the opening of the
// nth working day after the next working day.
func (c *Calendar) deadlineWD(start time.Time, n int) (time.Time, error) {
	ds, os := c.civil(start)
	if err := c.checkKnown(ds, ds); err != nil {
		return time.Time{}, err
	}
	if c.isWork(ds) && os < c.h.close {
		dn, err := c.nthWorkingAfter(ds, n)
		if err != nil {
			return time.Time{}, err
		}
		return c.instant(dn, max(os, c.h.open)), nil
	}
	dn, err := c.nthWorkingAfter(ds, n+1)
	if err != nil {
		return time.Time{}, err
	}
	return c.instant(dn, c.h.open), nil
}

// Elapsed returns how much of unit u's clock ran from start to end (0 when
// end is not after start): wall-clock time for m and h, working hours for
// wh, and for wd 24 h per working day scaled by the share of its working
// window inside the interval. It fails like Deadline when the interval
// touches a day of an unknown year (wh and wd only).
func (c *Calendar) Elapsed(start, end time.Time, u Unit) (time.Duration, error) {
	if !u.Valid() {
		return 0, Limit{Amount: 1, Unit: u}.Validate()
	}
	if !end.After(start) {
		return 0, nil
	}
	if !u.Working() {
		return end.Sub(start), nil
	}
	ds, os := c.civil(start)
	de, oe := c.civil(end)
	if oe == 0 {
		// Midnight ends the day before: the next day's year need not be known.
		de, oe = de-1, 24*time.Hour
	}
	if de < ds || (de == ds && oe <= os) {
		return 0, nil // a daylight-saving fold can put end's clock before start's
	}
	if err := c.checkKnown(ds, de); err != nil {
		return 0, err
	}
	before, perDay := c.h.workedBefore, c.h.perDay
	if u == WorkingDays {
		before, perDay = c.h.windowBefore, c.h.close-c.h.open
	}
	var x time.Duration
	if ds == de {
		if c.isWork(ds) {
			x = before(oe) - before(os)
		}
	} else {
		if c.isWork(ds) {
			x += perDay - before(os)
		}
		if c.isWork(de) {
			x += before(oe)
		}
		x += time.Duration(c.workingBetween(ds, de)) * perDay
	}
	if u == WorkingDays {
		x = scale(x, 24*time.Hour, perDay)
	}
	return x, nil
}

// scale returns x·num/den without overflow (x, num ≥ 0, den > 0, result
// below 2⁶³), exact when x is a multiple of den.
func scale(x, num, den time.Duration) time.Duration {
	if num == den {
		return x
	}
	hi, lo := bits.Mul64(uint64(x), uint64(num))
	q, _ := bits.Div64(hi, lo, uint64(den))
	return time.Duration(q)
}
