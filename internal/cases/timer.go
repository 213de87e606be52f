package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/category"
)

// clock does the time-limit arithmetic of one use case on one calendar
// snapshot.
type clock struct {
	cal *calendar.Calendar
}

// clockOf returns the arithmetic on the current calendar.
func (s *Service) clockOf(ctx context.Context) (clock, error) {
	cal, err := s.cal.Current(ctx)
	if err != nil {
		return clock{}, err
	}
	return clock{cal: cal}, nil
}

// The light's thresholds, as parts of the limit (issue 3): green up to 80 %,
// yellow up to 100 %, red beyond.
const (
	yellowNum, yellowDen = 8, 10
)

// newTimer starts the clock of step st with limit l at start.
func (k clock) newTimer(st category.Step, start time.Time, l calendar.Limit) (*Timer, error) {
	due, err := k.cal.Deadline(start, l)
	if err != nil {
		return nil, err
	}
	t := &Timer{Step: st, Start: ts(start), Limit: l, Due: ts(due)}
	if err := k.thresholds(t); err != nil {
		return nil, err
	}
	return t, nil
}

// budget is the timer's allowance on its limit's clock.
func (k clock) budget(t *Timer) time.Duration { return k.cal.Budget(t.Limit) + t.Extra }

// used is how much of the timer's allowance has run at at.
func (k clock) used(t *Timer, at time.Time) (time.Duration, error) {
	e, err := k.cal.Elapsed(t.Start, at, t.Limit.Unit)
	if err != nil {
		return 0, err
	}
	return e - t.Suspended, nil
}

// thresholds sets the instants after which the light turns yellow and red:
// the last instants at which no more than 80 % and 100 % of the allowance
// have run (suspended time added back, since it has not run on the clock
// the calendar reads).
func (k clock) thresholds(t *Timer) error {
	b := k.budget(t)
	y, err := k.last(t.Start, b*yellowNum/yellowDen+t.Suspended, t.Limit.Unit)
	if err != nil {
		return err
	}
	r, err := k.last(t.Start, b+t.Suspended, t.Limit.Unit)
	if err != nil {
		return err
	}
	t.YellowAt, t.RedAt = ts(y), ts(r)
	return nil
}

// resume moves the timer past a suspension from from to to: the suspended
// time is measured on the timer's clock, added to Suspended, and the
// deadline and thresholds move by it.
func (k clock) resume(t *Timer, from, to time.Time) error {
	if from.Before(t.Start) {
		from = t.Start
	}
	d, err := k.cal.Elapsed(from, to, t.Limit.Unit)
	if err != nil {
		return err
	}
	if d == 0 {
		return nil
	}
	due, err := k.deadlineAfter(t.Due, d, t.Limit.Unit)
	if err != nil {
		return err
	}
	t.Suspended += d
	t.Due = ts(due)
	return k.thresholds(t)
}

// extend moves the timer's deadline by limit by, as counted from the
// current deadline, and widens the allowance by the same time measured on
// the timer's own clock.
func (k clock) extend(t *Timer, by calendar.Limit) error {
	due, err := k.cal.Deadline(t.Due, by)
	if err != nil {
		return err
	}
	d, err := k.cal.Elapsed(t.Due, due, t.Limit.Unit)
	if err != nil {
		return err
	}
	t.Extra += d
	t.Due = ts(due)
	return k.thresholds(t)
}

// deadlineAfter returns when d of unit u's clock has run from from, named
// as the calendar names deadlines: the earliest such instant, except that
// for working days it is the opening of the next working period.
func (k clock) deadlineAfter(from time.Time, d time.Duration, u calendar.Unit) (time.Time, error) {
	if u == calendar.WorkingDays {
		return k.last(from, d, u)
	}
	return k.search(from, d, u, false)
}

// last returns the last instant t at which no more than d of unit u's
// clock has run since from: the instant after which more has.
func (k clock) last(from time.Time, d time.Duration, u calendar.Unit) (time.Time, error) {
	return k.search(from, d, u, true)
}

// search finds, to the second, the first instant at which the clock read
// from from exceeds d (strict) or reaches d (!strict). The wall clock is a
// sum; working clocks are bisected between from and the deadline of one
// whole unit more than d, which the clock certainly exceeds.
func (k clock) search(from time.Time, d time.Duration, u calendar.Unit, strict bool) (time.Time, error) {
	if !u.Working() {
		return from.Add(d), nil
	}
	if d <= 0 && !strict {
		return from, nil
	}
	step := time.Hour
	if u == calendar.WorkingDays {
		step = 24 * time.Hour
	}
	n := int(d/step) + 1
	if n > calendar.MaxAmount {
		return time.Time{}, fmt.Errorf("cases: time span %s of unit %s is beyond any limit", d, u)
	}
	hi, err := k.cal.Deadline(from, calendar.Limit{Amount: n, Unit: u})
	if err != nil {
		return time.Time{}, err
	}
	done := func(t time.Time) (bool, error) {
		e, err := k.cal.Elapsed(from, t, u)
		if strict {
			return e > d, err
		}
		return e >= d, err
	}
	// The clock at hi is n units > d; widen once in case hi is the
	// opening of a working day that the clock only passes after it.
	if ok, err := done(hi); err != nil {
		return time.Time{}, err
	} else if !ok {
		hi = hi.Add(time.Second)
	}
	lo := from
	for hi.Sub(lo) > time.Millisecond {
		mid := lo.Add(hi.Sub(lo) / 2)
		ok, err := done(mid)
		if err != nil {
			return time.Time{}, err
		}
		if ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	// Limits are whole minutes and hours; the working-day clock's scaling
	// leaves nanosecond dust, which rounding to the second removes.
	return hi.Round(time.Second), nil
}
