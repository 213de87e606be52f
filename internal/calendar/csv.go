package calendar

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
)

// defaultCSV is China's national holiday arrangements for 2025 and 2026,
// one row a day that differs from the Monday–Friday rule: "off" (a day of a
// holiday block, weekend days inside the block included) or "work" (a
// weekend day that is a working day, 调休). Every other Monday–Friday is a
// working day and every other Saturday/Sunday is not. Sources, checked
// against the official notices: 国务院办公厅关于2025年部分节假日安排的通知
// (国办发明电〔2024〕12号, 2024-11-12) and 国务院办公厅关于2026年部分节假日安排
// 的通知 (2025-11-04). 2027's notice had not been published when the file
// was written: an administrator adds the year when it appears.
//
//go:embed data/cn-workcalendar.csv
var defaultCSV []byte

// defaultSource is the source note of a year of the embedded data.
func defaultSource(year int) string {
	switch year {
	case 2025:
		return "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024-11-12）"
	case 2026:
		return "国务院办公厅关于2026年部分节假日安排的通知（2025-11-04）"
	}
	return "内置数据"
}

// csvHeader is the first row of a calendar file.
var csvHeader = []string{"date", "kind", "festival"}

// maxCSVRows bounds an import: a year has at most a few dozen overrides,
// so thousands of rows are a wrong file.
const maxCSVRows = 5000

// SheetCSV is the RowError.Sheet of a calendar file's row errors.
const SheetCSV = "calendar"

// csvRow is one good row of a calendar file.
type csvRow struct {
	Row int // line number in the file, the header being line 1
	Day Day
}

// readCSV reads a calendar file: a header "date,kind,festival", then one
// row a day (2026-10-01,off,国庆节). It returns the good rows and one
// RowError per bad row (Err.Field is the column: date, kind or festival);
// err is set only when the file as a whole is unusable (no or wrong
// header, not CSV, too long).
func readCSV(r io.Reader) (rows []csvRow, bad []apperr.RowError, err error) {
	br := bufio.NewReader(r)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3) // the byte-order mark spreadsheet programs write
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, apperr.New(apperr.Invalid, "csv", "文件为空", "the file is empty")
	}
	if err != nil {
		return nil, nil, apperr.Wrap(err, apperr.Invalid, "csv", "文件不是有效的CSV", "the file is not valid CSV")
	}
	for i := range head {
		head[i] = strings.ToLower(strings.TrimSpace(head[i]))
	}
	if !slices.Equal(head, csvHeader) {
		return nil, nil, apperr.Invalidf("csv", "第1行应为表头 date,kind,festival", "line 1 must be the header date,kind,festival")
	}
	seen := map[time.Time]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && len(rec) == 0 {
				return nil, nil, apperr.Wrap(err, apperr.Invalid, "csv",
					fmt.Sprintf("第%d行不是有效的CSV", pe.Line), fmt.Sprintf("line %d is not valid CSV", pe.Line))
			}
			return nil, nil, apperr.Wrap(err, apperr.Invalid, "csv", "文件不是有效的CSV", "the file is not valid CSV")
		}
		line, _ := cr.FieldPos(0)
		if len(rows)+len(bad) >= maxCSVRows {
			return nil, nil, apperr.Invalidf("csv", "文件超过%d行", "the file has more than %d rows", maxCSVRows)
		}
		d, rerr := csvDay(rec)
		if rerr == nil {
			if prev, dup := seen[d.Date]; dup {
				rerr = apperr.Invalidf("date", "日期 %s 与第%d行重复", "date %s repeats line %d", d.Date.Format(time.DateOnly), prev)
			}
		}
		if rerr != nil {
			bad = append(bad, apperr.RowError{Sheet: SheetCSV, Row: line, Err: apperr.As(rerr)})
			continue
		}
		seen[d.Date] = line
		rows = append(rows, csvRow{Row: line, Day: d})
	}
	if len(rows)+len(bad) == 0 {
		return nil, nil, apperr.New(apperr.Invalid, "csv", "文件没有数据行", "the file has no data rows")
	}
	return rows, bad, nil
}

// csvDay checks one record.
func csvDay(rec []string) (Day, error) {
	if len(rec) != len(csvHeader) {
		return Day{}, apperr.Invalidf("", "应有3列（date,kind,festival），实有%d列", "expected 3 columns (date,kind,festival), found %d", len(rec))
	}
	date, err := time.Parse(time.DateOnly, strings.TrimSpace(rec[0]))
	if err != nil {
		return Day{}, apperr.Invalidf("date", "日期“%s”格式有误，应为 2026-10-01 这样的年-月-日", "date %q is not valid: write it as 2026-10-01", rec[0])
	}
	d, err := checkDay(DayInput{Date: date, Kind: Kind(strings.ToLower(strings.TrimSpace(rec[1]))), Name: rec[2]})
	if e := apperr.As(err); e != nil && e.Field == "name" {
		e.Field = "festival" // the column's name in the file
	}
	return d, err
}

// writeCSV writes days in the format readCSV reads.
func writeCSV(w io.Writer, days []Day) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, d := range days {
		if err := cw.Write([]string{d.Date.Format(time.DateOnly), string(d.Kind), d.Name}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// defaultData returns the years and days of the embedded file.
func defaultData() ([]Year, []Day, error) {
	rows, bad, err := readCSV(bytes.NewReader(defaultCSV))
	if err == nil && len(bad) > 0 {
		err = bad[0]
	}
	if err != nil {
		return nil, nil, fmt.Errorf("calendar: embedded data: %w", err)
	}
	var ys []int
	days := make([]Day, 0, len(rows))
	for _, r := range rows {
		ys = append(ys, r.Day.Date.Year())
		days = append(days, r.Day)
	}
	slices.Sort(ys)
	years := make([]Year, 0, 2)
	for _, y := range slices.Compact(ys) {
		years = append(years, Year{Year: y, Source: defaultSource(y)})
	}
	return years, days, nil
}
