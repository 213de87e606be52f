package category

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
)

// Columns are the dictionary's CSV columns, in the order Export writes
// them: the seed's eleven, then local, active and icon.
var Columns = []string{fCode, fParent, fKind, fNameZH, fNameEN, fFiling, fClosing, fDept, fHandle, fUrgent, fSource, fLocal, fActive, fIcon}

// requiredColumns must be in every file; a missing optional column leaves
// an existing row's value alone and gives a new row the default.
var requiredColumns = []string{fCode, fParent, fKind, fNameZH}

// SheetCategories is RowError.Sheet for the rows of a dictionary file.
const SheetCategories = "categories"

// maxRows bounds a dictionary file, far above any real dictionary.
const maxRows = 20000

// csvRow is one data row of a dictionary file: its 1-based row number
// (the header is row 1) and the cells of the columns the file has.
type csvRow struct {
	n     int
	cells map[string]string
}

// get returns a cell and whether the file has its column.
func (r csvRow) get(col string) (string, bool) {
	v, ok := r.cells[col]
	return v, ok
}

// readCSV reads a dictionary file. A header it cannot use (a required
// column missing, an unknown or repeated column) is reported as errors on
// row 1 and no rows are returned; blank lines are skipped. The error is for
// a file that is not CSV at all.
func readCSV(r io.Reader) ([]csvRow, []apperr.RowError, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, []apperr.RowError{{Sheet: SheetCategories, Row: 1, Err: apperr.Invalidf("", "文件为空，缺少表头行", "the file is empty: the header row is missing")}}, nil
	}
	if err != nil {
		return nil, nil, csvError(err)
	}
	var bad []apperr.RowError
	known := make(map[string]bool, len(Columns))
	for _, c := range Columns {
		known[c] = true
	}
	seen := make(map[string]bool, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		header[i] = h
		switch {
		case !known[h]:
			bad = append(bad, apperr.RowError{Sheet: SheetCategories, Row: 1, Err: apperr.Invalidf(h, "未知的列“%s”（可用的列：%s）",
				"unknown column %q (the columns are: %s)", h, strings.Join(Columns, ", "))})
		case seen[h]:
			bad = append(bad, apperr.RowError{Sheet: SheetCategories, Row: 1, Err: apperr.Invalidf(h, "列“%s”重复", "column %q appears twice", h)})
		}
		seen[h] = true
	}
	for _, c := range requiredColumns {
		if !seen[c] {
			bad = append(bad, apperr.RowError{Sheet: SheetCategories, Row: 1, Err: apperr.Invalidf(c, "缺少必需的列“%s”", "the required column %q is missing", c)})
		}
	}
	if len(bad) > 0 {
		return nil, bad, nil
	}
	var rows []csvRow
	for n := 2; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, csvError(err)
		}
		if len(rows) >= maxRows {
			return nil, []apperr.RowError{{Sheet: SheetCategories, Row: n, Err: apperr.Invalidf("", "文件超过 %d 行", "the file has more than %d rows", maxRows)}}, nil
		}
		if blank(rec) {
			continue
		}
		row := csvRow{n: n, cells: make(map[string]string, len(header))}
		for i, h := range header {
			if i < len(rec) {
				row.cells[h] = rec[i]
			} else {
				row.cells[h] = ""
			}
		}
		if len(rec) > len(header) && !blank(rec[len(header):]) {
			bad = append(bad, apperr.RowError{Sheet: SheetCategories, Row: n, Err: apperr.Invalidf("", "本行有 %d 列，多于表头的 %d 列",
				"the row has %d cells, more than the header's %d", len(rec), len(header))})
		}
		rows = append(rows, row)
	}
	return rows, bad, nil
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// csvError reports a file the CSV reader cannot parse.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return apperr.Wrap(err, apperr.Invalid, "file", fmt.Sprintf("文件不是有效的 CSV（第 %d 行）", pe.Line),
			fmt.Sprintf("the file is not valid CSV (line %d)", pe.Line))
	}
	return apperr.Wrap(err, apperr.Invalid, "file", "无法读取文件", "the file cannot be read")
}

// parseBool reads a flag cell: true/false, 1/0, yes/no, 是/否.
func parseBool(field, s string) (bool, *apperr.Error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "y", "是":
		return true, nil
	case "false", "0", "no", "n", "否":
		return false, nil
	}
	return false, apperr.Invalidf(field, "“%s”不是有效的是/否值（应为 true 或 false）", "%q is not a valid flag (true or false)", s)
}

// fromRow turns a CSV row into a category. The columns the file lacks keep
// the values of old (the row as stored; nil for a new code); a new row
// without them is active, local when its code starts with L, and has no icon.
func fromRow(r csvRow, old *Category, std map[string]bool) (*Category, apperr.List) {
	in := CategoryInput{Code: r.cells[fCode]}
	if old != nil {
		in = inputOf(old)
	}
	set := func(col string, dst *string) {
		if v, ok := r.get(col); ok {
			*dst = v
		}
	}
	set(fCode, &in.Code)
	set(fParent, &in.ParentCode)
	set(fKind, &in.Kind)
	set(fNameZH, &in.NameZH)
	set(fNameEN, &in.NameEN)
	set(fFiling, &in.FilingCondition)
	set(fClosing, &in.ClosingCondition)
	set(fDept, &in.DepartmentName)
	set(fHandle, &in.HandleLimit)
	set(fUrgent, &in.UrgentLimit)
	set(fSource, &in.Source)
	set(fIcon, &in.Icon)
	var errs apperr.List
	if old == nil {
		in.Local = strings.HasPrefix(normCode(in.Code), localMark)
	}
	if v, ok := r.get(fLocal); ok && strings.TrimSpace(v) != "" {
		if b, e := parseBool(fLocal, v); e != nil {
			errs = append(errs, e) // keep the default, so the code is not also blamed
		} else {
			in.Local = b
		}
	}
	active := old == nil || old.Active
	if v, ok := r.get(fActive); ok && strings.TrimSpace(v) != "" {
		if b, e := parseBool(fActive, v); e != nil {
			errs = append(errs, e)
		} else {
			active = b
		}
	}
	c, more := build(in, std)
	c.Active = active
	errs = append(errs, more...)
	if old != nil {
		errs = append(errs, checkFixed(old, c)...)
	}
	return c, errs
}

// checkFixed refuses changes to what does not change once a code exists.
func checkFixed(old, c *Category) apperr.List {
	var errs apperr.List
	if old.Kind != c.Kind && ValidKind(c.Kind) {
		errs = append(errs, apperr.Invalidf(fKind, "分类 %s 的类型不能从 %s 改为 %s（不同类型请另设代码）",
			"the kind of category %s cannot change from %s to %s (use a new code)", c.Code, old.Kind, c.Kind))
	}
	return errs
}

// inputOf is the input that would build c again.
func inputOf(c *Category) CategoryInput {
	return CategoryInput{Code: c.Code, ParentCode: c.ParentCode, Kind: c.Kind, NameZH: c.NameZH, NameEN: c.NameEN,
		FilingCondition: c.FilingCondition, ClosingCondition: c.ClosingCondition, DepartmentName: c.DepartmentName,
		HandleLimit: limitText(c.HandleLimit), UrgentLimit: limitText(c.UrgentLimit), Source: c.Source, Local: c.Local, Icon: c.Icon}
}

// writeCSV writes categories in the full column format.
func writeCSV(w io.Writer, cs []*Category) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Columns); err != nil {
		return err
	}
	for _, c := range cs {
		rec := []string{c.Code, c.ParentCode, c.Kind, c.NameZH, c.NameEN, c.FilingCondition, c.ClosingCondition,
			c.DepartmentName, limitText(c.HandleLimit), limitText(c.UrgentLimit), c.Source,
			fmt.Sprint(c.Local), fmt.Sprint(c.Active), c.Icon}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
