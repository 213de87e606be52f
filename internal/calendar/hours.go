package calendar

import (
	"fmt"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
)

// Span is a stretch of a working day in local clock time, from Start up to
// (not including) End, both measured from midnight: {8h30m, 12h} is
// 08:30–12:00. End may be 24h (midnight at the end of the day).
type Span struct {
	Start, End time.Duration
}

// String writes the span as "08:30-12:00".
func (s Span) String() string { return clock(s.Start) + "-" + clock(s.End) }

// clock writes an offset from midnight as "hh:mm" (with seconds when it has them).
func clock(d time.Duration) string {
	h, m, sec := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	if sec != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}

// OfficeHours returns the default working hours of offices:
// 08:30–12:00 and 14:00–18:00.
func OfficeHours() []Span {
	return []Span{{8*time.Hour + 30*time.Minute, 12 * time.Hour}, {14 * time.Hour, 18 * time.Hour}}
}

// AllDay returns round-the-clock hours (a command centre): 00:00–24:00.
func AllDay() []Span { return []Span{{0, 24 * time.Hour}} }

// ParseHours reads working hours written as comma-separated spans,
// "08:30-12:00,14:00-18:00" (an en dash or "~" may stand for "-"), or
// "24h" for round the clock. Spans must be in order and must not overlap.
// A bad value is apperr.Invalid on field "hours".
func ParseHours(s string) ([]Span, error) {
	t := strings.TrimSpace(s)
	if strings.EqualFold(t, "24h") {
		return AllDay(), nil
	}
	var spans []Span
	for _, part := range strings.Split(t, ",") {
		part = strings.NewReplacer("–", "-", "~", "-", "—", "-").Replace(strings.TrimSpace(part))
		from, to, ok := strings.Cut(part, "-")
		if !ok {
			return nil, badHours(s)
		}
		a, ok1 := parseClock(from)
		b, ok2 := parseClock(to)
		if !ok1 || !ok2 {
			return nil, badHours(s)
		}
		spans = append(spans, Span{a, b})
	}
	if err := checkHours(spans); err != nil {
		return nil, err
	}
	return spans, nil
}

// parseClock reads "hh:mm" (00:00–24:00).
func parseClock(s string) (time.Duration, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 || !digits(h) || !digits(m) {
		return 0, false
	}
	hh, mm := atoi(h), atoi(m)
	if mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, true
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func badHours(s string) error {
	return apperr.Invalidf("hours", "工作时间“%s”格式有误：应写作 08:30-12:00,14:00-18:00 或 24h",
		"working hours %q are not valid: write them as 08:30-12:00,14:00-18:00 or 24h", s)
}

// checkHours validates spans: at least one, each within 00:00–24:00 and
// not empty, in order, not overlapping.
func checkHours(spans []Span) error {
	if len(spans) == 0 {
		return apperr.New(apperr.Invalid, "hours", "工作时间不能为空", "working hours must not be empty")
	}
	prev := time.Duration(0)
	for i, sp := range spans {
		if sp.Start < 0 || sp.End > 24*time.Hour || sp.Start >= sp.End {
			return apperr.Invalidf("hours", "工作时段 %s 无效：应在 00:00 到 24:00 之间且开始早于结束",
				"working span %s is not valid: it must lie within 00:00–24:00 and start before it ends", sp)
		}
		if i > 0 && sp.Start < prev {
			return apperr.Invalidf("hours", "工作时段 %s 与前一时段重叠或顺序颠倒",
				"working span %s overlaps the one before it or is out of order", sp)
		}
		prev = sp.End
	}
	return nil
}

// hours is validated working hours with the figures the arithmetic needs.
type hours struct {
	spans       []Span
	perDay      time.Duration // working hours of one working day
	open, close time.Duration // the working window: first opening, last close
}

func newHours(spans []Span) (hours, error) {
	if spans == nil {
		spans = OfficeHours()
	}
	if err := checkHours(spans); err != nil {
		return hours{}, err
	}
	h := hours{spans: append([]Span(nil), spans...), open: spans[0].Start, close: spans[len(spans)-1].End}
	for _, sp := range spans {
		h.perDay += sp.End - sp.Start
	}
	return h, nil
}

// workedBefore is the working time of one working day before clock time off.
func (h *hours) workedBefore(off time.Duration) time.Duration {
	var w time.Duration
	for _, sp := range h.spans {
		if off <= sp.Start {
			break
		}
		w += min(off, sp.End) - sp.Start
	}
	return w
}

// workedAt is the earliest clock time at which target (0 < target ≤ perDay)
// of a working day's hours have run.
func (h *hours) workedAt(target time.Duration) time.Duration {
	for _, sp := range h.spans {
		n := sp.End - sp.Start
		if target <= n {
			return sp.Start + target
		}
		target -= n
	}
	return h.close
}

// windowBefore is the part of the working window before clock time off.
func (h *hours) windowBefore(off time.Duration) time.Duration {
	return min(max(off, h.open), h.close) - h.open
}
