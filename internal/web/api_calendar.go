package web

import (
	"bytes"
	"net/http"
	"strconv"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/calendar"
)

// calendarYearJSON is a year the work calendar has data for.
type calendarYearJSON struct {
	Year      int       `json:"year"`
	Source    string    `json:"source"` // the notice the year's days rest on
	Days      int       `json:"days"`   // holiday and swapped-day entries
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toCalendarYearJSON(y *calendar.Year) calendarYearJSON {
	return calendarYearJSON{Year: y.Year, Source: y.Source, Days: y.Days, CreatedAt: y.CreatedAt, UpdatedAt: y.UpdatedAt}
}

// calendarYearsJSON lists the entered years, oldest first.
type calendarYearsJSON struct {
	Items []calendarYearJSON `json:"items"`
}

// calendarDayJSON is an exception to the Monday–Friday rule: off (a day of
// a holiday block) or work (a Saturday or Sunday made a working day).
type calendarDayJSON struct {
	Date string        `json:"date"` // YYYY-MM-DD
	Kind calendar.Kind `json:"kind"`
	Name string        `json:"name"` // the festival
}

func toCalendarDayJSON(d *calendar.Day) calendarDayJSON {
	return calendarDayJSON{Date: d.Date.Format(time.DateOnly), Kind: d.Kind, Name: d.Name}
}

// calendarDaysJSON lists a year's entries by date.
type calendarDaysJSON struct {
	Year  int               `json:"year"`
	Items []calendarDayJSON `json:"items"`
}

type addYearRequest struct {
	Year   int    `json:"year"`
	Source string `json:"source"`
}

type setDayRequest struct {
	Kind calendar.Kind `json:"kind"`
	Name string        `json:"name"`
}

// calendarImportJSON is the outcome of a calendar import: applied, or the
// bad rows that stopped it (nothing is written then).
type calendarImportJSON struct {
	Applied      bool            `json:"applied"`
	Rows         int             `json:"rows"`          // data rows read
	Years        []int           `json:"years"`         // the years the file covers (replaced when applied)
	CreatedYears []int           `json:"created_years"` // of those, the years that were new
	Errors       []importRowJSON `json:"errors"`
}

// deadlineJSON is the answer of the deadline calculator; times are in the
// calendar's time zone.
type deadlineJSON struct {
	Start    time.Time `json:"start"`
	Limit    string    `json:"limit"`
	Text     string    `json:"text"` // the limit in words, in the request's language
	Deadline time.Time `json:"deadline"`
}

// pathYear parses the {year} path value.
func pathYear(r *http.Request) (int, error) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || y < calendar.MinYear || y > calendar.MaxYear {
		return 0, apperr.Invalidf("year", "年份应为 %d 到 %d 之间的整数", "year must be a whole number from %d to %d", calendar.MinYear, calendar.MaxYear)
	}
	return y, nil
}

// pathDate parses the {date} path value.
func pathDate(r *http.Request) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, r.PathValue("date"))
	if err != nil {
		return time.Time{}, apperr.Invalidf("date", "日期格式应为 YYYY-MM-DD，如 2026-10-01", "date must be YYYY-MM-DD, e.g. 2026-10-01")
	}
	return d, nil
}

func (s *Server) handleCalendarYears(w http.ResponseWriter, r *http.Request) error {
	years, err := s.calendar.Years(r.Context())
	if err != nil {
		return err
	}
	out := calendarYearsJSON{Items: make([]calendarYearJSON, 0, len(years))}
	for _, y := range years {
		out.Items = append(out.Items, toCalendarYearJSON(y))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleAddCalendarYear(w http.ResponseWriter, r *http.Request) error {
	var in addYearRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	y, err := s.calendar.AddYear(r.Context(), in.Year, in.Source)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toCalendarYearJSON(y))
	return nil
}

func (s *Server) handleCalendarDays(w http.ResponseWriter, r *http.Request) error {
	year, err := pathYear(r)
	if err != nil {
		return err
	}
	days, err := s.calendar.Days(r.Context(), year)
	if err != nil {
		return err
	}
	out := calendarDaysJSON{Year: year, Items: make([]calendarDayJSON, 0, len(days))}
	for _, d := range days {
		out.Items = append(out.Items, toCalendarDayJSON(d))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleSetCalendarDay(w http.ResponseWriter, r *http.Request) error {
	date, err := pathDate(r)
	if err != nil {
		return err
	}
	var in setDayRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	d, err := s.calendar.SetDay(r.Context(), calendar.DayInput{Date: date, Kind: in.Kind, Name: in.Name})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toCalendarDayJSON(d))
	return nil
}

func (s *Server) handleDeleteCalendarDay(w http.ResponseWriter, r *http.Request) error {
	date, err := pathDate(r)
	if err != nil {
		return err
	}
	if err := s.calendar.DeleteDay(r.Context(), date); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// maxCalendarCSV bounds an uploaded calendar file: a year is a few dozen
// rows, and the service refuses more than 5000 rows anyway.
const maxCalendarCSV = 1 << 20

// handleCalendarImport takes a CSV body (date,kind,festival) and makes it
// the truth for every year it covers: 200 with the report when applied,
// 422 with every bad row when there were any (nothing is written then).
func (s *Server) handleCalendarImport(w http.ResponseWriter, r *http.Request) error {
	body, err := readCSVBody(w, r, maxCalendarCSV, "csv")
	if err != nil {
		return err
	}
	rep, err := s.calendar.ImportCSV(r.Context(), bytes.NewReader(body))
	if rep == nil || (err != nil && len(rep.Errors) == 0) {
		return err // a file unusable as a whole, no right, or a database failure
	}
	out := calendarImportJSON{Applied: rep.Applied && err == nil, Rows: rep.Rows, Years: nonNil(rep.Years),
		CreatedYears: nonNil(rep.Created), Errors: rowErrorsJSON(rep.Errors, langOf(r))}
	status := http.StatusOK
	if !out.Applied {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, out)
	return nil
}

// handleCalendarExport answers a year's entries as CSV in the format the
// import reads.
func (s *Server) handleCalendarExport(w http.ResponseWriter, r *http.Request) error {
	year, err := pathYear(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := s.calendar.ExportCSV(r.Context(), &buf, year); err != nil {
		return err
	}
	return writeCSVFile(w, "gridwork-calendar-"+strconv.Itoa(year)+".csv", buf.Bytes())
}

// handleDeadline computes start + limit on the work calendar:
// ?start=2026-09-30T17:00:00%2B08:00&limit=4wh. A start or deadline in a year
// the calendar has no data for is Invalid on field "calendar".
func (s *Server) handleDeadline(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireActor(r); err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("start") == "" {
		return apperr.Invalidf("start", "请填写开始时间（RFC 3339，如 2026-09-30T17:00:00+08:00）", "start is required (RFC 3339, e.g. 2026-09-30T17:00:00+08:00)")
	}
	start, err := time.Parse(time.RFC3339, q.Get("start"))
	if err != nil {
		return apperr.Invalidf("start", "开始时间应为 RFC 3339 格式，如 2026-09-30T17:00:00+08:00", "start must be RFC 3339, e.g. 2026-09-30T17:00:00+08:00")
	}
	limit, err := calendar.ParseLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	cal, err := s.calendar.Current(r.Context())
	if err != nil {
		return err
	}
	due, err := cal.Deadline(start, limit)
	if err != nil {
		return err
	}
	loc := cal.Location()
	writeJSON(w, http.StatusOK, deadlineJSON{Start: start.In(loc), Limit: limit.String(), Text: limit.Text().In(langOf(r)), Deadline: due.In(loc)})
	return nil
}
