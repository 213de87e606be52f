package ledger

import (
	"fmt"
	"io"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/xuri/excelize/v2"
)

// WriteErrorWorkbook writes the bad rows back as a workbook in lang: each
// sheet with bad rows, its columns in template order holding the cells as
// the user wrote them (blamed cells shaded red), then a 错误原因 (Errors)
// column with the reasons and a 原行号 (Source row) column. Import skips
// those two columns, so the user fixes the rows and uploads this file again.
// A last sheet lists every error line, header problems included.
func (r *Report) WriteErrorWorkbook(w io.Writer, lang string) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	byRow := map[string]map[int][]*apperr.Error{}
	for _, e := range r.Errors {
		if byRow[e.Sheet] == nil {
			byRow[e.Sheet] = map[int][]*apperr.Error{}
		}
		byRow[e.Sheet][e.Row] = append(byRow[e.Sheet][e.Row], e.Err)
	}
	first := true
	for _, key := range allSheets {
		recs := r.bad[key]
		if len(recs) == 0 {
			continue
		}
		spec := specs[key]
		name := spec.title(lang)
		if err := addSheet(f, first, name); err != nil {
			return fmt.Errorf("ledger: error workbook: %w", err)
		}
		first = false
		if err := writeErrorSheet(f, name, spec, recs, byRow[key], lang, st); err != nil {
			return fmt.Errorf("ledger: error workbook sheet %s: %w", name, err)
		}
	}
	// The summary sheet: every line, including header errors that have no
	// data row to carry them. Its name matches no data sheet, so a re-upload
	// ignores it.
	summary := titleErrors.In(lang)
	if err := addSheet(f, first, summary); err != nil {
		return fmt.Errorf("ledger: error workbook: %w", err)
	}
	if err := f.SetColWidth(summary, "A", "A", 100); err != nil {
		return err
	}
	for i, line := range r.Lines(lang) {
		if err := f.SetCellValue(summary, fmt.Sprintf("A%d", i+1), line); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("ledger: write error workbook: %w", err)
	}
	return nil
}

func writeErrorSheet(f *excelize.File, name string, spec *sheetSpec, recs []*record, errs map[int][]*apperr.Error, lang string, st *bookStyles) error {
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	n := len(spec.Columns)
	for j, c := range spec.Columns {
		if err := sw.SetColWidth(j+1, j+1, c.Width); err != nil {
			return err
		}
		if textColumn(c) {
			if err := sw.SetColStyle(j+1, j+1, st.text); err != nil {
				return err
			}
		}
	}
	if err := sw.SetColWidth(n+1, n+1, 48); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	header := headerCells(spec, lang, st)
	header = append(header, excelize.Cell{StyleID: st.required, Value: titleErrors.In(lang)},
		excelize.Cell{StyleID: st.header, Value: titleSourceRow.In(lang)})
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	sep := "；"
	if lang == "en" {
		sep = "; "
	}
	for i, rec := range recs {
		blamed := map[string]bool{}
		var reasons []string
		for _, e := range errs[rec.Row] {
			for _, k := range blamedColumns(e.Field) {
				blamed[k] = true
			}
			title, ok := pseudoFields[e.Field]
			if c, isCol := spec.column(e.Field); isCol {
				title, ok = c.Title, true
			}
			switch {
			case !ok:
				reasons = append(reasons, e.Msg.In(lang))
			case lang == "en":
				reasons = append(reasons, title.EN+": "+e.Msg.EN)
			default:
				reasons = append(reasons, title.ZH+"："+e.Msg.ZH)
			}
		}
		cells := make([]any, n+2)
		for j, c := range spec.Columns {
			style := 0
			if textColumn(c) {
				style = st.text
			}
			if blamed[c.Key] {
				style = st.bad
			}
			cells[j] = excelize.Cell{StyleID: style, Value: rec.Raw[j]}
		}
		cells[n] = excelize.Cell{StyleID: st.errText, Value: strings.Join(reasons, sep)}
		cells[n+1] = rec.Row
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	if err := addDropDowns(f, name, spec, lang); err != nil {
		return err
	}
	return sw.Flush()
}
