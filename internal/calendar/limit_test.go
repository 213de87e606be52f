package calendar_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/calendar"
)

func TestParseLimit(t *testing.T) {
	good := map[string]calendar.Limit{
		"30m":    {30, calendar.Minutes},
		"6h":     {6, calendar.Hours},
		"4wh":    {4, calendar.WorkingHours},
		"15wd":   {15, calendar.WorkingDays},
		" 2wd ":  {2, calendar.WorkingDays},
		"9999wd": {9999, calendar.WorkingDays},
	}
	for s, want := range good {
		got, err := calendar.ParseLimit(s)
		if err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %v, %v; want %v", s, got, err, want)
		}
		if got.String() != strings.TrimSpace(s) {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), strings.TrimSpace(s))
		}
	}
	for _, s := range []string{"", "30", "m", "0m", "-5m", "+5m", "4 wh", "4WH", "4d", "1.5h", "10000m", "99999999999999999999wd", "4wh5", "４wh"} {
		_, err := calendar.ParseLimit(s)
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != "limit" || e.Msg.ZH == "" || e.Msg.EN == "" {
			t.Errorf("ParseLimit(%q) = %v; want invalid on field limit with both messages", s, err)
		}
	}
}

func TestLimitJSON(t *testing.T) {
	type policy struct {
		Handle calendar.Limit  `json:"handle"`
		Urgent *calendar.Limit `json:"urgent,omitempty"`
	}
	b, err := json.Marshal(policy{Handle: calendar.MustParseLimit("5wd")})
	if err != nil || string(b) != `{"handle":"5wd"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var p policy
	if err := json.Unmarshal([]byte(`{"handle":"4wh","urgent":"30m"}`), &p); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(policy{Handle: calendar.Limit{4, calendar.WorkingHours}, Urgent: &calendar.Limit{30, calendar.Minutes}}, p); diff != "" {
		t.Errorf("Unmarshal (-want +got):\n%s", diff)
	}
	err = json.Unmarshal([]byte(`{"handle":"4x"}`), &p)
	if e := apperr.As(err); e == nil || e.Field != "limit" {
		t.Errorf("Unmarshal of a bad limit = %v, want invalid on field limit", err)
	}
}

func TestLimitText(t *testing.T) {
	got := calendar.MustParseLimit("15wd").Text()
	if got.ZH != "15工作日" || got.EN != "15 working days" {
		t.Errorf("Text = %+v", got)
	}
	if (calendar.Limit{}).String() != "" || !(calendar.Limit{}).IsZero() {
		t.Error("the zero Limit should print empty and be zero")
	}
}

func TestParseHours(t *testing.T) {
	hm := func(h, m int) time.Duration { return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute }
	good := map[string][]calendar.Span{
		"08:30-12:00,14:00-18:00":    calendar.OfficeHours(),
		" 08:30–12:00 , 14:00~18:00": calendar.OfficeHours(),
		"24h":                        calendar.AllDay(),
		"00:00-24:00":                calendar.AllDay(),
		"9:00-17:00":                 {{hm(9, 0), hm(17, 0)}},
	}
	for s, want := range good {
		got, err := calendar.ParseHours(s)
		if err != nil {
			t.Errorf("ParseHours(%q): %v", s, err)
			continue
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ParseHours(%q) (-want +got):\n%s", s, diff)
		}
	}
	for _, s := range []string{"", "08:30", "08:30-12:00,11:00-18:00", "14:00-18:00,08:30-12:00", "12:00-08:30", "08:60-09:00", "25:00-26:00", "24:30-24:40", "8-12", "08:30-08:30"} {
		_, err := calendar.ParseHours(s)
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != "hours" {
			t.Errorf("ParseHours(%q) = %v; want invalid on field hours", s, err)
		}
	}
	if got := calendar.OfficeHours()[1].String(); got != "14:00-18:00" {
		t.Errorf("Span.String = %q", got)
	}
}

func TestNewCalendarRejects(t *testing.T) {
	d := func(s string, k calendar.Kind) calendar.Day {
		v, _ := time.Parse(time.DateOnly, s)
		return calendar.Day{Date: v, Kind: k, Name: "春节"}
	}
	for name, tc := range map[string]struct {
		opt   calendar.Options
		years []int
		days  []calendar.Day
		field string
	}{
		"day of an unknown year": {years: []int{2026}, days: []calendar.Day{d("2027-02-06", calendar.Off)}, field: "date"},
		"work on a weekday":      {years: []int{2026}, days: []calendar.Day{d("2026-02-16", calendar.Work)}, field: "kind"},
		"a date twice":           {years: []int{2026}, days: []calendar.Day{d("2026-02-16", calendar.Off), d("2026-02-16", calendar.Off)}, field: "date"},
		"year out of range":      {years: []int{226}, field: "year"},
		"bad hours":              {opt: calendar.Options{Hours: []calendar.Span{{18 * time.Hour, 8 * time.Hour}}}, field: "hours"},
	} {
		_, err := calendar.NewCalendar(tc.opt, tc.years, tc.days)
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != tc.field {
			t.Errorf("%s: err = %v, want invalid on field %s", name, err, tc.field)
		}
	}
}

// Another zone: the arithmetic reads the calendar's own local clock.
func TestOtherZone(t *testing.T) {
	utc, err := calendar.Default(calendar.Options{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	// Mon 2026-03-02 08:30 UTC + 1wh = 09:30 UTC, whatever the caller's zone.
	start := time.Date(2026, 3, 2, 16, 30, 0, 0, shanghai)
	got, err := utc.Deadline(start, calendar.MustParseLimit("1wh"))
	if want := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC); err != nil || !got.Equal(want) {
		t.Errorf("Deadline = %s, %v; want %s", got, err, want)
	}
	if got.Location() != time.UTC {
		t.Errorf("Deadline is in %s, want the calendar's zone", got.Location())
	}
}
