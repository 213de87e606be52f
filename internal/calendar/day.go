package calendar

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
)

// Kind says how an override changes a day.
type Kind string

// The kinds of override.
const (
	Off  Kind = "off"  // a day of a holiday block (weekend days inside the block included)
	Work Kind = "work" // a Saturday or Sunday that is a working day (调休)
)

// Valid reports whether k is off or work.
func (k Kind) Valid() bool { return k == Off || k == Work }

// Label names the kind for people.
func (k Kind) Label() apperr.Text {
	if k == Work {
		return apperr.Text{ZH: "调休上班", EN: "working day"}
	}
	return apperr.Text{ZH: "放假", EN: "day off"}
}

// Year is a year the calendar has data for.
type Year struct {
	Year      int
	Source    string // the notice the year's days rest on
	Days      int    // overrides entered
	CreatedAt time.Time
	UpdatedAt time.Time // the last change to the year or its days
}

// Day is an exception to the Monday–Friday rule.
type Day struct {
	Date time.Time // the civil date, as UTC midnight
	Kind Kind
	Name string // the festival, e.g. 春节
}

// DayInput sets a day (see Service.SetDay).
type DayInput struct {
	Date time.Time // only its year, month and day count
	Kind Kind
	Name string
}

// The years a calendar may hold: wide enough for any real use, narrow
// enough to catch typing mistakes such as 226.
const (
	MinYear = 2000
	MaxYear = 2100
)

// maxName bounds a festival name, in characters.
const maxName = 40

// DateOf returns t's calendar date (in t's own location) as UTC midnight,
// the form days are stored and compared in.
func DateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// checkYear validates a year number for field.
func checkYear(field string, y int) error {
	if y < MinYear || y > MaxYear {
		return apperr.Invalidf(field, "年份 %d 超出范围（%d–%d）", "year %d is out of range (%d–%d)", y, MinYear, MaxYear)
	}
	return nil
}

// checkDay validates an override and returns it normalised: the date as
// UTC midnight, the name trimmed. A working-day override must fall on a
// Saturday or Sunday, since Monday–Friday already are working days.
func checkDay(in DayInput) (Day, error) {
	d := Day{Date: DateOf(in.Date), Kind: Kind(strings.TrimSpace(string(in.Kind))), Name: strings.TrimSpace(in.Name)}
	if in.Date.IsZero() {
		return Day{}, apperr.New(apperr.Invalid, "date", "请填写日期", "the date is required")
	}
	if err := checkYear("date", d.Date.Year()); err != nil {
		return Day{}, err
	}
	if !d.Kind.Valid() {
		return Day{}, apperr.Invalidf("kind", "类型“%s”无效（应为 off 放假或 work 调休上班）",
			"kind %q is not valid (off or work)", string(in.Kind))
	}
	if wd := d.Date.Weekday(); d.Kind == Work && wd != time.Saturday && wd != time.Sunday {
		date := d.Date.Format(time.DateOnly)
		return Day{}, apperr.New(apperr.Invalid, "kind",
			fmt.Sprintf("%s是%s，本就是工作日，只有周六、周日可设为调休上班", date, weekdayZH[wd]),
			fmt.Sprintf("%s is a %s, already a working day: only a Saturday or Sunday can be made one", date, wd))
	}
	if d.Name == "" {
		return Day{}, apperr.New(apperr.Invalid, "name", "请填写节日名称", "the festival name is required")
	}
	if utf8.RuneCountInString(d.Name) > maxName {
		return Day{}, apperr.Invalidf("name", "节日名称不能超过%d个字", "the festival name must not exceed %d characters", maxName)
	}
	return d, nil
}

var weekdayZH = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// missingYear is the error for a computation that needs a year the calendar
// has no data for.
func missingYear(y int) error {
	return apperr.Invalidf("calendar", "%d年的工作日历尚未录入", "no work calendar for %d yet", y)
}
