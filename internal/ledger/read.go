package ledger

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/xuri/excelize/v2"
)

// record is one data row after pass 1.
type record struct {
	Row int      // 1-based row number in the sheet
	Raw []string // the cells as written, in the spec's column order
	Val []string // the normalised values (see checkCell); meaningful when !Bad
	Bad bool     // some cell failed, in pass 1 or pass 2
}

// sheetData is one data sheet of a workbook after pass 1.
type sheetData struct {
	spec    *sheetSpec
	name    string // the sheet's name in the workbook
	rows    int    // non-blank data rows, also those of an unusable sheet
	fatal   bool   // the header is unusable: no row of this sheet can be imported
	records []*record
	errs    []apperr.RowError
	unknown []string // headers that match no column, skipped
}

// bad marks rec bad and records err against it.
func (s *sheetData) bad(rec *record, err *apperr.Error) {
	rec.Bad = true
	s.errs = append(s.errs, apperr.RowError{Sheet: s.spec.Key, Row: rec.Row, Err: err})
}

// record returns the record of row n.
func (s *sheetData) record(n int) *record {
	i := sort.Search(len(s.records), func(i int) bool { return s.records[i].Row >= n })
	if i < len(s.records) && s.records[i].Row == n {
		return s.records[i]
	}
	return nil
}

// val returns the normalised value of column key in rec.
func (s *sheetData) val(rec *record, key string) string {
	for i, c := range s.spec.Columns {
		if c.Key == key {
			return rec.Val[i]
		}
	}
	return ""
}

// workbook is what pass 1 made of a file: its data sheets in SheetKeys order.
type workbook struct {
	sheets []*sheetData
}

// sheet returns the data sheet with key, or nil when the file has none.
func (wb *workbook) sheet(key string) *sheetData {
	for _, s := range wb.sheets {
		if s.spec.Key == key {
			return s
		}
	}
	return nil
}

// maxUnzipped bounds the decompressed size of a workbook (zip bombs).
const maxUnzipped = 1 << 30

// headerSearchRows is how far down a header row may sit, below title rows
// such as "幸福里社区居民台账".
const headerSearchRows = 10

// readWorkbook is pass 1: it streams every data sheet of the workbook in r,
// row by row, checking each cell's form. It returns an error only for a file
// it cannot read at all; bad rows and bad headers are in the sheets' errs.
// read is called with the running count of rows read.
func readWorkbook(r io.Reader, read func(n int)) (*workbook, error) {
	f, err := excelize.OpenReader(r, excelize.Options{RawCellValue: true, UnzipSizeLimit: maxUnzipped})
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "file", "无法读取文件，请上传 Excel 工作簿（.xlsx）", "cannot read the file; upload an Excel workbook (.xlsx)")
	}
	defer f.Close()
	wb := &workbook{}
	found := map[string]string{}
	for _, name := range f.GetSheetList() {
		spec := specByName(name)
		if spec == nil {
			continue // 说明 and any sheet of the user's own
		}
		if other, dup := found[spec.Key]; dup {
			return nil, apperr.New(apperr.Invalid, "sheet",
				fmt.Sprintf("工作表“%s”和“%s”都是%s表，请只保留一个", other, name, spec.Title.ZH),
				fmt.Sprintf("sheets %q and %q are both %s sheets; keep one", other, name, spec.Key))
		}
		found[spec.Key] = name
	}
	if len(found) == 0 {
		return nil, apperr.Invalidf("sheet", "工作簿中没有“楼栋”“房屋”或“居民”工作表，请使用导入模板",
			"the workbook has no Buildings, Households or Residents sheet; use the import template")
	}
	total := 0
	for _, key := range SheetKeys {
		name, ok := found[key]
		if !ok {
			continue
		}
		sd, err := readSheet(f, name, specs[key], func(n int) { read(total + n) })
		if err != nil {
			return nil, err
		}
		total += sd.rows
		wb.sheets = append(wb.sheets, sd)
	}
	read(total)
	return wb, nil
}

// readSheet reads one data sheet with excelize's streaming row iterator, so
// only the current row's cells are in memory beside the records.
func readSheet(f *excelize.File, name string, spec *sheetSpec, read func(n int)) (*sheetData, error) {
	sd := &sheetData{spec: spec, name: name}
	rows, err := f.Rows(name)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "sheet", "无法读取工作表“"+name+"”", "cannot read sheet "+name)
	}
	defer rows.Close()
	var (
		colmap   []int // workbook column → spec column, -1 to skip
		rowNum   int
		firstRow int // first non-blank row, where the header is reported missing
	)
	for rows.Next() {
		rowNum++ // Next steps over missing rows one by one, so this is the row number
		cells, err := rows.Columns()
		if err != nil {
			return nil, apperr.Wrap(err, apperr.Invalid, "sheet", fmt.Sprintf("工作表“%s”第%d行无法读取", name, rowNum),
				fmt.Sprintf("sheet %s row %d cannot be read", name, rowNum))
		}
		if blankRow(cells) {
			continue
		}
		if firstRow == 0 {
			firstRow = rowNum
		}
		if colmap == nil && !sd.fatal {
			if m, hits := matchHeader(spec, cells); hits >= 2 {
				colmap = m
				sd.checkHeader(rowNum, cells, m)
				continue
			}
			if rowNum-firstRow+1 >= headerSearchRows {
				sd.fatal = true
				sd.errs = append(sd.errs, apperr.RowError{Sheet: spec.Key, Row: firstRow, Err: apperr.New(apperr.Invalid, "",
					fmt.Sprintf("找不到表头：前%d行中没有可识别的列名（如“%s”）", headerSearchRows, spec.Columns[0].Title.ZH),
					fmt.Sprintf("no header row: none of the first %d rows holds known column titles (such as %q)", headerSearchRows, spec.Columns[0].Title.EN))})
			}
			continue
		}
		sd.rows++
		if sd.rows%1000 == 0 {
			read(sd.rows)
		}
		if sd.fatal {
			continue // count the rows of an unusable sheet, keep none of them
		}
		sd.addRecord(rowNum, cells, colmap)
	}
	if err := rows.Error(); err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "sheet", "无法读取工作表“"+name+"”", "cannot read sheet "+name)
	}
	if colmap == nil && !sd.fatal && firstRow != 0 {
		// Fewer than headerSearchRows non-blank rows and none a header.
		sd.fatal = true
		sd.errs = append(sd.errs, apperr.RowError{Sheet: spec.Key, Row: firstRow, Err: apperr.New(apperr.Invalid, "",
			fmt.Sprintf("找不到表头：没有可识别的列名（如“%s”）", spec.Columns[0].Title.ZH),
			fmt.Sprintf("no header row: no known column titles (such as %q)", spec.Columns[0].Title.EN))})
	}
	sd.findDuplicates()
	return sd, nil
}

// matchHeader maps the cells of a candidate header row to the spec's
// columns and counts the cells that matched.
func matchHeader(spec *sheetSpec, cells []string) (colmap []int, hits int) {
	colmap = make([]int, len(cells))
	for i, c := range cells {
		colmap[i] = -1
		if j, ok := spec.index[normHeader(c)]; ok {
			colmap[i] = j
			hits++
		}
	}
	return colmap, hits
}

// checkHeader reports duplicate and missing columns; either makes the sheet
// unusable, since its cells could not be trusted to mean what they say.
func (sd *sheetData) checkHeader(rowNum int, cells []string, colmap []int) {
	seen := make([]bool, len(sd.spec.Columns))
	for i, j := range colmap {
		h := trimCell(cells[i])
		switch {
		case j >= 0 && seen[j]:
			sd.fatal = true
			sd.errs = append(sd.errs, apperr.RowError{Sheet: sd.spec.Key, Row: rowNum,
				Err: apperr.Invalidf(sd.spec.Columns[j].Key, "列重复（“%s”）", "duplicate column (%q)", h)})
			colmap[i] = -1
		case j >= 0:
			seen[j] = true
		case h != "" && !isExtraHeader(h):
			sd.unknown = append(sd.unknown, h)
		}
	}
	for j, c := range sd.spec.Columns {
		if c.Required && !seen[j] {
			sd.fatal = true
			sd.errs = append(sd.errs, apperr.RowError{Sheet: sd.spec.Key, Row: rowNum,
				Err: apperr.Invalidf(c.Key, "缺少必填列", "required column missing")})
		}
	}
}

// addRecord checks one data row and keeps it.
func (sd *sheetData) addRecord(rowNum int, cells []string, colmap []int) {
	n := len(sd.spec.Columns)
	rec := &record{Row: rowNum, Raw: make([]string, n), Val: make([]string, n)}
	for i, v := range cells {
		if i < len(colmap) && colmap[i] >= 0 {
			rec.Raw[colmap[i]] = v
		}
	}
	for j, c := range sd.spec.Columns {
		v, err := checkCell(c, rec.Raw[j])
		if err != nil {
			sd.bad(rec, err)
			continue
		}
		rec.Val[j] = v
	}
	sd.records = append(sd.records, rec)
}

// identityKeys are the columns that identify a row of each sheet within the
// file; the key's last column is where a duplicate is reported.
var identityKeys = map[string][]string{
	SheetBuildings:  {"grid_code", "compound", "name"},
	SheetHouseholds: {"grid_code", "compound", "building", "unit", "room"},
	SheetResidents:  {"id_number"},
}

// findDuplicates reports rows whose identity repeats an earlier row of the
// file: the first occurrence stands, each later one is bad.
func (sd *sheetData) findDuplicates() {
	keys := identityKeys[sd.spec.Key]
	idx := make([]int, len(keys))
	for i, k := range keys {
		for j, c := range sd.spec.Columns {
			if c.Key == k {
				idx[i] = j
			}
		}
	}
	field := keys[len(keys)-1]
	first := make(map[string]int, len(sd.records))
	var b strings.Builder
	for _, rec := range sd.records {
		// A row without the identifying cell (missing, bad or, for an
		// optional ID number, empty) duplicates nothing.
		if rec.Val[idx[len(idx)-1]] == "" {
			continue
		}
		b.Reset()
		for _, j := range idx {
			b.WriteString(rec.Val[j])
			b.WriteByte(0)
		}
		k := b.String()
		if r, dup := first[k]; dup {
			sd.bad(rec, apperr.Invalidf(field, "与第%d行重复", "duplicates row %d", r))
			continue
		}
		first[k] = rec.Row
	}
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if trimCell(c) != "" {
			return false
		}
	}
	return true
}
