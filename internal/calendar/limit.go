package calendar

import (
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
)

// Unit is the clock a time limit is counted on.
type Unit string

// The units (see the package documentation for their clocks).
const (
	Minutes      Unit = "m"  // wall-clock minutes, round the clock
	Hours        Unit = "h"  // wall-clock hours, round the clock
	WorkingHours Unit = "wh" // hours inside the working hours of working days
	WorkingDays  Unit = "wd" // whole working days
)

// Valid reports whether u is one of the four units.
func (u Unit) Valid() bool {
	switch u {
	case Minutes, Hours, WorkingHours, WorkingDays:
		return true
	}
	return false
}

// Working reports whether u needs the work calendar (wh and wd).
func (u Unit) Working() bool { return u == WorkingHours || u == WorkingDays }

// Label names the unit for people.
func (u Unit) Label() apperr.Text {
	switch u {
	case Minutes:
		return apperr.Text{ZH: "分钟", EN: "minutes"}
	case Hours:
		return apperr.Text{ZH: "小时", EN: "hours"}
	case WorkingHours:
		return apperr.Text{ZH: "工作小时", EN: "working hours"}
	case WorkingDays:
		return apperr.Text{ZH: "工作日", EN: "working days"}
	}
	return apperr.Text{ZH: string(u), EN: string(u)}
}

// step is how much one unit of u adds to its clock.
func (u Unit) step() time.Duration {
	switch u {
	case Minutes:
		return time.Minute
	case Hours, WorkingHours:
		return time.Hour
	case WorkingDays:
		return 24 * time.Hour
	}
	return 0
}

// MaxAmount bounds a limit's amount, far above any real policy (9999 working
// days are some forty years) and low enough that no arithmetic overflows.
const MaxAmount = 9999

// Limit is a time limit: an amount of a unit, written "30m", "6h", "4wh" or
// "15wd". The zero Limit means "no limit" (IsZero).
type Limit struct {
	Amount int
	Unit   Unit
}

// ParseLimit reads a limit written as a positive whole number and a unit:
// "30m", "6h", "4wh", "15wd" (surrounding spaces are ignored). Anything else
// is apperr.Invalid on field "limit".
func ParseLimit(s string) (Limit, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	u := Unit(t[i:])
	n, err := strconv.Atoi(t[:i])
	if i == 0 || err != nil || !u.Valid() {
		return Limit{}, apperr.Invalidf("limit",
			"时限“%s”格式有误：应为正整数加单位（m 分钟、h 小时、wh 工作小时、wd 工作日），如 30m、4wh、15wd",
			"time limit %q is not valid: write a whole number and a unit (m minutes, h hours, wh working hours, wd working days), e.g. 30m, 4wh, 15wd", s)
	}
	l := Limit{Amount: n, Unit: u}
	if err := l.Validate(); err != nil {
		return Limit{}, err
	}
	return l, nil
}

// MustParseLimit is ParseLimit for constants in code and tests; it panics on
// a bad limit.
func MustParseLimit(s string) Limit {
	l, err := ParseLimit(s)
	if err != nil {
		panic(err)
	}
	return l
}

// Validate checks the unit and that the amount is between 1 and MaxAmount;
// it returns apperr.Invalid on field "limit".
func (l Limit) Validate() error {
	if !l.Unit.Valid() {
		return apperr.Invalidf("limit", "时限单位“%s”无效（应为 m、h、wh 或 wd）",
			"time limit unit %q is not valid (m, h, wh or wd)", string(l.Unit))
	}
	if l.Amount < 1 || l.Amount > MaxAmount {
		return apperr.Invalidf("limit", "时限数值应在 1 到 %d 之间", "a time limit's amount must be between 1 and %d", MaxAmount)
	}
	return nil
}

// IsZero reports whether l is the zero Limit ("no limit").
func (l Limit) IsZero() bool { return l == Limit{} }

// String writes the limit as ParseLimit reads it ("4wh"); "" for the zero Limit.
func (l Limit) String() string {
	if l.IsZero() {
		return ""
	}
	return strconv.Itoa(l.Amount) + string(l.Unit)
}

// Text describes the limit for people, e.g. "4工作小时" / "4 working hours".
func (l Limit) Text() apperr.Text {
	lb := l.Unit.Label()
	return apperr.Text{ZH: strconv.Itoa(l.Amount) + lb.ZH, EN: strconv.Itoa(l.Amount) + " " + lb.EN}
}

// MarshalText writes the limit as String does, so that JSON carries "4wh".
func (l Limit) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads a limit as ParseLimit does; empty text is the zero Limit.
func (l *Limit) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*l = Limit{}
		return nil
	}
	v, err := ParseLimit(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// budget is the limit on its own clock (see Calendar.Budget).
func (l Limit) budget() time.Duration { return time.Duration(l.Amount) * l.Unit.step() }
