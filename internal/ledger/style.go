package ledger

import (
	"fmt"

	"github.com/xuri/excelize/v2"
)

// bookStyles are the cell styles the workbooks this package writes share.
type bookStyles struct {
	header   int // column titles
	required int // titles of required columns
	text     int // text-formatted columns, so Excel keeps long digit strings
	bad      int // a cell the error workbook blames
	errText  int // the error workbook's reason column
	title    int // the instructions sheet's headings
	wrap     int // wrapped text on the instructions sheet
}

func newStyles(f *excelize.File) (*bookStyles, error) {
	border := []excelize.Border{
		{Type: "left", Color: "B4B4B4", Style: 1}, {Type: "right", Color: "B4B4B4", Style: 1},
		{Type: "top", Color: "B4B4B4", Style: 1}, {Type: "bottom", Color: "B4B4B4", Style: 1},
	}
	center := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	var st bookStyles
	defs := []struct {
		dst *int
		s   *excelize.Style
	}{
		{&st.header, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: border, Alignment: center,
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}}},
		{&st.required, &excelize.Style{Font: &excelize.Font{Bold: true, Color: "C00000"}, Border: border, Alignment: center,
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}}},
		{&st.text, &excelize.Style{NumFmt: 49}}, // "@": text
		{&st.bad, &excelize.Style{NumFmt: 49, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}}}},
		{&st.errText, &excelize.Style{Font: &excelize.Font{Color: "9C0006"}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
		{&st.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}}},
		{&st.wrap, &excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
	}
	for _, d := range defs {
		id, err := f.NewStyle(d.s)
		if err != nil {
			return nil, fmt.Errorf("ledger: style: %w", err)
		}
		*d.dst = id
	}
	return &st, nil
}

// textColumn reports whether a column must be text-formatted: codes, ID
// numbers and phones lose digits when Excel takes them for numbers.
func textColumn(c column) bool { return c.Kind == kindCode }

// addDropDowns puts data-validation drop-downs on the enumerated columns of
// a data sheet, from the row under the header to the end of the sheet. Single
// values are enforced; tags offer the list but accept several separated by
// 、, since Excel lists cannot multi-select.
func addDropDowns(f *excelize.File, sheet string, spec *sheetSpec, lang string) error {
	for j, c := range spec.Columns {
		if c.Enum == nil {
			continue
		}
		col, err := excelize.ColumnNumberToName(j + 1)
		if err != nil {
			return err
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, excelize.TotalRows)
		if err := dv.SetDropList(c.Enum.labels(lang)); err != nil {
			return fmt.Errorf("ledger: drop-down %s: %w", c.Key, err)
		}
		if c.Kind == kindEnum {
			if lang == "en" {
				dv.SetError(excelize.DataValidationErrorStyleStop, c.Title.EN, "Choose a value from the list: "+c.Enum.labelList(lang))
			} else {
				dv.SetError(excelize.DataValidationErrorStyleStop, c.Title.ZH, "请从下拉列表中选择："+c.Enum.labelList(lang))
			}
		} else {
			dv.SetInput(c.Title.In(lang), c.Help.In(lang))
		}
		if err := f.AddDataValidation(sheet, dv); err != nil {
			return fmt.Errorf("ledger: drop-down %s: %w", c.Key, err)
		}
	}
	return nil
}

// headerCells returns the header row of a data sheet in lang, styled.
func headerCells(spec *sheetSpec, lang string, st *bookStyles) []any {
	out := make([]any, len(spec.Columns))
	for j, c := range spec.Columns {
		s := st.header
		if c.Required {
			s = st.required
		}
		out[j] = excelize.Cell{StyleID: s, Value: c.Title.In(lang)}
	}
	return out
}
