package calendar

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// checkWrite allows an edit of the calendar to the system and to holders of
// region.write at a city or county (the calendar is national: a street's
// administrator must not move a county's deadlines). When auth gains a
// calendar.write action (ActCalendarWrite), it replaces region.write here.
func (s *Service) checkWrite(ctx context.Context) error {
	paths, all, err := auth.Scoped(ctx, auth.ActRegionWrite)
	if err != nil {
		return err
	}
	if all {
		return nil
	}
	ok, err := countyOrAbove(ctx, s.db, paths)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.ErrForbidden()
	}
	return nil
}

// checkRead allows reading the calendar's administration views to anyone
// who may read some region (staff); Current needs no permission.
func (s *Service) checkRead(ctx context.Context) error {
	_, _, err := auth.Scoped(ctx, auth.ActRegionRead)
	return err
}

// edit runs fn in a transaction after the write check and drops the
// cached snapshot once it commits.
func (s *Service) edit(ctx context.Context, fn func(tx *sqldb.Tx) error) error {
	if err := s.checkWrite(ctx); err != nil {
		return err
	}
	return s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		tx.AfterCommit(s.invalidate)
		return nil
	})
}

// maxSource bounds a year's source note, in characters.
const maxSource = 200

// SeedDefaults enters the years of the embedded national data (2025 and
// 2026) that the database does not have yet, with their days, and returns
// the years it added. It is idempotent and safe to run from several
// processes at once; years already present, edited or not, are left alone.
// Call it at start-up as the system.
func (s *Service) SeedDefaults(ctx context.Context) ([]int, error) {
	years, days, err := defaultData()
	if err != nil {
		return nil, err
	}
	var added []int
	err = s.edit(ctx, func(tx *sqldb.Tx) error {
		added = nil
		for _, y := range years {
			ok, err := insertYear(ctx, tx, y.Year, y.Source)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			added = append(added, y.Year)
			if err := insertDays(ctx, tx, daysOf(days, y.Year)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("calendar: seed: %w", err)
	}
	return added, nil
}

// daysOf returns the days of one year.
func daysOf(days []Day, year int) []Day {
	var out []Day
	for _, d := range days {
		if d.Date.Year() == year {
			out = append(out, d)
		}
	}
	return out
}

// AddYear enters a year, e.g. 2027 once the State Council's notice is out,
// with the notice it rests on as source. The year starts with no
// overrides (the plain Monday–Friday rule): add its days with SetDay or
// ImportCSV. A year already entered is a Conflict on field "year"; a year
// outside MinYear–MaxYear or an empty source is Invalid.
func (s *Service) AddYear(ctx context.Context, year int, source string) (*Year, error) {
	var y *Year
	err := s.edit(ctx, func(tx *sqldb.Tx) error {
		if err := checkYear("year", year); err != nil {
			return err
		}
		source = strings.TrimSpace(source)
		if source == "" {
			return apperr.New(apperr.Invalid, "source", "请注明依据（如国务院办公厅的放假安排通知）", "name the source (e.g. the State Council's holiday notice)")
		}
		if utf8.RuneCountInString(source) > maxSource {
			return apperr.Invalidf("source", "依据不能超过%d个字", "the source must not exceed %d characters", maxSource)
		}
		ok, err := insertYear(ctx, tx, year, source)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Conflictf("year", "%d年已在工作日历中", "%d is already in the calendar", year)
		}
		y = &Year{Year: year, Source: source, CreatedAt: tx.Now.UTC(), UpdatedAt: tx.Now.UTC()}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("calendar: add year %d: %w", year, err)
	}
	return y, nil
}

// Years lists the entered years with their override counts.
func (s *Service) Years(ctx context.Context) ([]*Year, error) {
	if err := s.checkRead(ctx); err != nil {
		return nil, fmt.Errorf("calendar: years: %w", err)
	}
	years, _, err := loadAll(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("calendar: years: %w", err)
	}
	out := make([]*Year, len(years))
	for i := range years {
		out[i] = &years[i]
	}
	return out, nil
}

// Days lists the overrides of an entered year by date; a year not entered
// is NotFound.
func (s *Service) Days(ctx context.Context, year int) ([]*Day, error) {
	days, err := s.days(ctx, year)
	if err != nil {
		return nil, fmt.Errorf("calendar: days of %d: %w", year, err)
	}
	out := make([]*Day, len(days))
	for i := range days {
		out[i] = &days[i]
	}
	return out, nil
}

// days returns the overrides of year, or of every year when it is 0.
func (s *Service) days(ctx context.Context, year int) ([]Day, error) {
	if err := s.checkRead(ctx); err != nil {
		return nil, err
	}
	years, days, err := loadAll(ctx, s.db)
	if err != nil {
		return nil, err
	}
	if year == 0 {
		return days, nil
	}
	if !slices.ContainsFunc(years, func(y Year) bool { return y.Year == year }) {
		return nil, notFoundYear(year)
	}
	return daysOf(days, year), nil
}

// SetDay sets the override of a day of an entered year: off (a holiday
// block day) or work (a Saturday or Sunday made a working day), with the
// festival's name, replacing any override the day had. Bad input is Invalid
// on field date, kind or name; a day of a year not entered is Invalid on
// field "date".
func (s *Service) SetDay(ctx context.Context, in DayInput) (*Day, error) {
	var out *Day
	err := s.edit(ctx, func(tx *sqldb.Tx) error {
		d, err := checkDay(in)
		if err != nil {
			return err
		}
		ok, err := yearExists(ctx, tx, d.Date.Year())
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Invalidf("date", "%d年尚未添加到工作日历，请先添加该年份", "the year %d has not been added to the calendar: add it first", d.Date.Year())
		}
		if err := upsertDay(ctx, tx, d); err != nil {
			return err
		}
		out = &d
		return touchYear(ctx, tx, d.Date.Year())
	})
	if err != nil {
		return nil, fmt.Errorf("calendar: set day %s: %w", in.Date.Format(time.DateOnly), err)
	}
	return out, nil
}

// DeleteDay removes a day's override, so that the Monday–Friday rule
// applies to it again; a day without one is NotFound.
func (s *Service) DeleteDay(ctx context.Context, date time.Time) error {
	d := DateOf(date)
	err := s.edit(ctx, func(tx *sqldb.Tx) error {
		ok, err := deleteDay(ctx, tx, d)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.NotFoundf("%s没有放假或调休安排", "%s has no holiday or swapped-day entry", d.Format(time.DateOnly))
		}
		return touchYear(ctx, tx, d.Year())
	})
	if err != nil {
		return fmt.Errorf("calendar: delete day %s: %w", d.Format(time.DateOnly), err)
	}
	return nil
}

// ImportReport is the outcome of ImportCSV.
type ImportReport struct {
	Rows    int   // data rows read
	Years   []int // the years the file covers, replaced when applied
	Created []int // of those, the years that were not entered before
	// Errors holds one entry per bad row: Row is the line number (the
	// header is line 1), Err.Field the column (date, kind, festival).
	Errors  []apperr.RowError
	Applied bool // the file was written; never when it had a bad row
}

// ImportCSV reads a file in the format of the shipped calendar (header
// "date,kind,festival", then rows like "2027-02-06,off,春节") and makes it
// the truth for every year it covers: those years are entered if new
// (source "CSV导入"), and their overrides are replaced by the file's. It is
// all or nothing: with a bad row nothing is written, the report lists every
// bad row, and the error is Invalid on field "csv". A file that is unusable
// as a whole (no header, not CSV) returns only the error.
func (s *Service) ImportCSV(ctx context.Context, r io.Reader) (*ImportReport, error) {
	if err := s.checkWrite(ctx); err != nil {
		return nil, fmt.Errorf("calendar: import: %w", err)
	}
	rows, bad, err := readCSV(r)
	if err != nil {
		return nil, fmt.Errorf("calendar: import: %w", err)
	}
	rep := &ImportReport{Rows: len(rows) + len(bad), Errors: bad}
	days := make([]Day, len(rows))
	for i, row := range rows {
		days[i] = row.Day
		if y := row.Day.Date.Year(); !slices.Contains(rep.Years, y) {
			rep.Years = append(rep.Years, y)
		}
	}
	slices.Sort(rep.Years)
	if len(bad) > 0 {
		return rep, fmt.Errorf("calendar: import: %w", apperr.Invalidf("csv", "文件有%d行错误（第一处在第%d行），未导入任何数据",
			"%d rows have errors (the first on line %d); nothing was imported", len(bad), bad[0].Row))
	}
	err = s.edit(ctx, func(tx *sqldb.Tx) error {
		rep.Created = nil
		for _, y := range rep.Years {
			created, err := insertYear(ctx, tx, y, "CSV导入")
			if err != nil {
				return err
			}
			if created {
				rep.Created = append(rep.Created, y)
			}
			if err := deleteDaysOfYear(ctx, tx, y); err != nil {
				return err
			}
			if err := insertDays(ctx, tx, daysOf(days, y)); err != nil {
				return err
			}
			if err := touchYear(ctx, tx, y); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("calendar: import: %w", err)
	}
	rep.Applied = true
	return rep, nil
}

// ExportCSV writes the overrides of an entered year (every year when year
// is 0) in the format ImportCSV reads. A year not entered is NotFound.
func (s *Service) ExportCSV(ctx context.Context, w io.Writer, year int) error {
	days, err := s.days(ctx, year)
	if err != nil {
		return fmt.Errorf("calendar: export %d: %w", year, err)
	}
	if err := writeCSV(w, days); err != nil {
		return fmt.Errorf("calendar: export %d: %w", year, err)
	}
	return nil
}
