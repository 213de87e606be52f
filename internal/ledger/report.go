package ledger

import (
	"fmt"
	"sort"

	"github.com/gridwork/gridwork/internal/apperr"
)

// Report is the outcome of an import. Every bad row is in Errors, whether
// or not the good rows were applied.
type Report struct {
	Sheets []SheetReport
	// Errors holds one entry per bad cell (or per bad row when no column is
	// to blame), sorted by sheet order, row, then column. RowError.Sheet is
	// the sheet key (SheetBuildings…), Err.Field the column key.
	Errors []apperr.RowError
	// Applied is true when the import committed: always when there were no
	// errors, and with GoodRowsOnly when the file's structure was sound.
	Applied bool

	bad map[string][]*record // the bad rows' cells, for WriteErrorWorkbook
}

// SheetReport counts one data sheet of the file.
type SheetReport struct {
	Name    string   // sheet key: SheetBuildings, SheetHouseholds or SheetResidents
	Title   string   // the sheet's name in the workbook
	Rows    int      // non-blank data rows
	Bad     int      // rows with at least one error
	Created int      // rows written; 0 when the import was rolled back
	Ignored []string // column headers that matched no column and were skipped
}

// OK reports whether the file had no bad rows.
func (r *Report) OK() bool { return len(r.Errors) == 0 }

// Lines renders every error for people, in lang ("en" or Chinese), e.g.
// "居民 第12行 身份证号：校验位错误" or "residents row 12, ID number: bad
// check digit".
func (r *Report) Lines(lang string) []string {
	out := make([]string, 0, len(r.Errors))
	for _, e := range r.Errors {
		out = append(out, ErrorLine(e, lang))
	}
	return out
}

// ErrorLine renders one row error in lang, naming the sheet and column as
// the user sees them.
func ErrorLine(e apperr.RowError, lang string) string {
	sheet, col, msg := e.Sheet, "", ""
	if e.Err != nil {
		msg = e.Err.Msg.In(lang)
		col = e.Err.Field
	}
	if s := specs[e.Sheet]; s != nil {
		if lang != "en" {
			sheet = s.Title.ZH
		}
		if c, ok := s.column(col); ok {
			col = c.Title.In(lang)
		} else if t, ok := pseudoFields[col]; ok {
			col = t.In(lang)
		}
	}
	switch {
	case lang == "en" && col != "":
		return fmt.Sprintf("%s row %d, %s: %s", sheet, e.Row, col, msg)
	case lang == "en":
		return fmt.Sprintf("%s row %d: %s", sheet, e.Row, msg)
	case col != "":
		return fmt.Sprintf("%s 第%d行 %s：%s", sheet, e.Row, col, msg)
	default:
		return fmt.Sprintf("%s 第%d行：%s", sheet, e.Row, msg)
	}
}

// sheetOrder is the position of a sheet key in allSheets.
func sheetOrder(key string) int {
	for i, k := range allSheets {
		if k == key {
			return i
		}
	}
	return len(allSheets)
}

// pseudoFields are the fields a service reports that stand for several
// columns together: the place a resident row points at.
var pseudoFields = map[string]apperr.Text{
	"household": {ZH: "所在房屋", EN: "Household"},
}

// blamedColumns are the columns an error on field points at.
func blamedColumns(field string) []string {
	if field == "household" {
		return []string{"building", "unit", "room"}
	}
	return []string{field}
}

// columnOrder is the position of a column in its sheet, unknown fields last.
func columnOrder(sheet, field string) int {
	if field == "household" {
		field = "room"
	}
	if s := specs[sheet]; s != nil {
		for i, c := range s.Columns {
			if c.Key == field {
				return i
			}
		}
		return len(s.Columns)
	}
	return 0
}

// sortErrors orders errors by sheet, row and column, keeping the order of
// several errors on one cell.
func sortErrors(errs []apperr.RowError) {
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i], errs[j]
		if oa, ob := sheetOrder(a.Sheet), sheetOrder(b.Sheet); oa != ob {
			return oa < ob
		}
		if a.Row != b.Row {
			return a.Row < b.Row
		}
		return columnOrder(a.Sheet, fieldOf(a)) < columnOrder(b.Sheet, fieldOf(b))
	})
}

func fieldOf(e apperr.RowError) string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Field
}

// buildReport gathers the sheets' counts and errors after pass 2.
func buildReport(wb *workbook, created map[string]int, applied bool) *Report {
	rep := &Report{Applied: applied, bad: map[string][]*record{}}
	for _, sd := range wb.sheets {
		sr := SheetReport{Name: sd.spec.Key, Title: sd.name, Rows: sd.rows, Ignored: sd.unknown}
		if applied {
			sr.Created = created[sd.spec.Key]
		}
		for _, rec := range sd.records {
			if rec.Bad {
				sr.Bad++
				rep.bad[sd.spec.Key] = append(rep.bad[sd.spec.Key], rec)
			}
		}
		if sd.fatal {
			sr.Bad = sd.rows
		}
		rep.Sheets = append(rep.Sheets, sr)
		rep.Errors = append(rep.Errors, sd.errs...)
		rep.Errors = append(rep.Errors, sd.late...)
	}
	sortErrors(rep.Errors)
	return rep
}
