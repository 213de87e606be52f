package ledger

import (
	"fmt"
	"io"
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
	errs    []apperr.RowError // pass 1's, written by the reader
	late    []apperr.RowError // pass 2's, written by the importer
	unknown []string          // headers that match no column, skipped

	failedUp map[string]int // pass 2: bad rows of the sheet above, by identity
}

// bad marks rec bad in pass 1 and records err against it.
func (s *sheetData) bad(rec *record, err *apperr.Error) {
	rec.Bad = true
	s.errs = append(s.errs, apperr.RowError{Sheet: s.spec.Key, Row: rec.Row, Err: err})
}

// fail marks rec bad in pass 2 and records err against it. Pass 2 runs
// while pass 1 reads on, so the two keep their errors apart.
func (s *sheetData) fail(rec *record, err *apperr.Error) {
	rec.Bad = true
	s.late = append(s.late, apperr.RowError{Sheet: s.spec.Key, Row: rec.Row, Err: err})
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

// workbook is what pass 1 made of a file: its data sheets in allSheets order.
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

// openedBook is a workbook being read: the file, its data sheets and a
// reader on each, positioned after its header row.
type openedBook struct {
	f       *excelize.File
	wb      *workbook
	readers []*sheetReader // in allSheets order, like wb.sheets
}

// Close releases the readers and the file's temporary files.
func (ob *openedBook) Close() {
	for _, sr := range ob.readers {
		sr.rows.Close()
	}
	ob.f.Close()
}

// fatal reports whether a sheet's header is unusable.
func (ob *openedBook) fatal() bool {
	for _, sd := range ob.wb.sheets {
		if sd.fatal {
			return true
		}
	}
	return false
}

// openWorkbook opens the workbook in r, finds its data sheets and reads
// their headers. It returns an error only for a file it cannot read at all
// or that holds no data sheet; header problems are in the sheets' errs.
func openWorkbook(r io.Reader) (*openedBook, error) {
	f, err := excelize.OpenReader(r, excelize.Options{RawCellValue: true, UnzipSizeLimit: maxUnzipped})
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "file", "无法读取文件，请上传 Excel 工作簿（.xlsx）", "cannot read the file; upload an Excel workbook (.xlsx)")
	}
	ob := &openedBook{f: f, wb: &workbook{}}
	found := map[string]string{}
	for _, name := range f.GetSheetList() {
		spec := specByName(name)
		if spec == nil {
			continue // 说明 and any sheet of the user's own
		}
		if other, dup := found[spec.Key]; dup {
			f.Close()
			return nil, apperr.New(apperr.Invalid, "sheet",
				fmt.Sprintf("工作表“%s”和“%s”都是%s表，请只保留一个", other, name, spec.Title.ZH),
				fmt.Sprintf("sheets %q and %q are both %s sheets; keep one", other, name, spec.Key))
		}
		found[spec.Key] = name
	}
	if len(found) == 0 {
		f.Close()
		return nil, apperr.Invalidf("sheet", "工作簿中没有“楼栋”“房屋”或“居民”工作表，请使用导入模板",
			"the workbook has no Buildings, Households or Residents sheet; use the import template")
	}
	for _, key := range allSheets {
		name, ok := found[key]
		if !ok {
			continue
		}
		sr, err := openSheet(f, name, specs[key])
		if err != nil {
			ob.Close()
			return nil, err
		}
		ob.wb.sheets = append(ob.wb.sheets, sr.sd)
		ob.readers = append(ob.readers, sr)
	}
	return ob, nil
}

// drain reads every sheet to the end, keeping the records.
func (ob *openedBook) drain(read func(n int)) error {
	total := 0
	for _, sr := range ob.readers {
		for {
			rec, err := sr.next()
			if err != nil {
				return err
			}
			if rec == nil && sr.done {
				break
			}
			if n := total + sr.sd.rows; n%1000 == 0 {
				read(n)
			}
		}
		total += sr.sd.rows
	}
	read(total)
	return nil
}

// sheetReader is pass 1 over one data sheet, a row at a time, with
// excelize's streaming row iterator: only the current row's cells are in
// memory beside the records kept.
type sheetReader struct {
	sd       *sheetData
	rows     *excelize.Rows
	colmap   []int // workbook column → spec column, -1 to skip
	rowNum   int   // the row last read
	firstRow int   // the first non-blank row, where a missing header is reported
	done     bool
	first    map[string]int // identity → first row, for duplicates
	idx      []int          // the identity columns
}

// openSheet opens a data sheet and reads down to its header row.
func openSheet(f *excelize.File, name string, spec *sheetSpec) (*sheetReader, error) {
	rows, err := f.Rows(name)
	if err != nil {
		return nil, apperr.Wrap(err, apperr.Invalid, "sheet", "无法读取工作表“"+name+"”", "cannot read sheet "+name)
	}
	sr := &sheetReader{sd: &sheetData{spec: spec, name: name}, rows: rows, first: map[string]int{}}
	for _, k := range identityKeys[spec.Key] {
		for j, c := range spec.Columns {
			if c.Key == k {
				sr.idx = append(sr.idx, j)
			}
		}
	}
	for sr.colmap == nil && !sr.sd.fatal {
		cells, ok, err := sr.nextRow()
		if err != nil {
			rows.Close()
			return nil, err
		}
		if !ok {
			if sr.firstRow != 0 {
				sr.noHeader(apperr.New(apperr.Invalid, "",
					fmt.Sprintf("找不到表头：没有可识别的列名（如“%s”）", spec.Columns[0].Title.ZH),
					fmt.Sprintf("no header row: no known column titles (such as %q)", spec.Columns[0].Title.EN)))
			}
			sr.done = true
			break
		}
		if m, hits := matchHeader(spec, cells); hits >= 2 {
			sr.colmap = m
			sr.sd.checkHeader(sr.rowNum, cells, m)
			break
		}
		if sr.rowNum-sr.firstRow+1 >= headerSearchRows {
			sr.noHeader(apperr.New(apperr.Invalid, "",
				fmt.Sprintf("找不到表头：前%d行中没有可识别的列名（如“%s”）", headerSearchRows, spec.Columns[0].Title.ZH),
				fmt.Sprintf("no header row: none of the first %d rows holds known column titles (such as %q)", headerSearchRows, spec.Columns[0].Title.EN)))
		}
	}
	return sr, nil
}

func (sr *sheetReader) noHeader(err *apperr.Error) {
	sr.sd.fatal = true
	sr.sd.errs = append(sr.sd.errs, apperr.RowError{Sheet: sr.sd.spec.Key, Row: sr.firstRow, Err: err})
}

// nextRow returns the cells of the next non-blank row; ok is false at the
// end of the sheet.
func (sr *sheetReader) nextRow() (cells []string, ok bool, err error) {
	for sr.rows.Next() {
		sr.rowNum++ // Next steps over missing rows one by one, so this is the row number
		cells, err := sr.rows.Columns()
		if err != nil {
			return nil, false, apperr.Wrap(err, apperr.Invalid, "sheet", fmt.Sprintf("工作表“%s”第%d行无法读取", sr.sd.name, sr.rowNum),
				fmt.Sprintf("sheet %s row %d cannot be read", sr.sd.name, sr.rowNum))
		}
		if blankRow(cells) {
			continue
		}
		if sr.firstRow == 0 {
			sr.firstRow = sr.rowNum
		}
		return cells, true, nil
	}
	if err := sr.rows.Error(); err != nil {
		return nil, false, apperr.Wrap(err, apperr.Invalid, "sheet", "无法读取工作表“"+sr.sd.name+"”", "cannot read sheet "+sr.sd.name)
	}
	return nil, false, nil
}

// next reads the next data row, checks its cells and its identity against
// the earlier rows, keeps it in the sheet and returns it. It returns nil
// when the sheet is done (sr.done) and for the rows of an unusable sheet,
// which are counted but not kept.
func (sr *sheetReader) next() (*record, error) {
	if sr.done {
		return nil, nil
	}
	cells, ok, err := sr.nextRow()
	if err != nil {
		return nil, err
	}
	if !ok {
		sr.done = true
		return nil, nil
	}
	sr.sd.rows++
	if sr.sd.fatal {
		return nil, nil
	}
	rec := sr.sd.addRecord(sr.rowNum, cells, sr.colmap)
	sr.checkDuplicate(rec)
	return rec, nil
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
func (sd *sheetData) addRecord(rowNum int, cells []string, colmap []int) *record {
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
	return rec
}

// identityKeys are the columns that identify a row of each sheet within the
// file; the key's last column is where a duplicate is reported.
var identityKeys = map[string][]string{
	SheetBuildings:  {"grid_code", "compound", "name"},
	SheetHouseholds: {"grid_code", "compound", "building", "unit", "room"},
	SheetResidents:  {"id_number"},
}

// checkDuplicate reports a row whose identity repeats an earlier row of
// the file: the first occurrence stands, each later one is bad.
func (sr *sheetReader) checkDuplicate(rec *record) {
	// A row without the identifying cell (missing, bad or, for an optional
	// ID number, empty) duplicates nothing.
	last := sr.idx[len(sr.idx)-1]
	if rec.Val[last] == "" {
		return
	}
	var b strings.Builder
	for _, j := range sr.idx {
		b.WriteString(rec.Val[j])
		b.WriteByte(0)
	}
	k := b.String()
	if r, dup := sr.first[k]; dup {
		sr.sd.bad(rec, apperr.Invalidf(sr.sd.spec.Columns[last].Key, "与第%d行重复", "duplicates row %d", r))
		return
	}
	sr.first[k] = rec.Row
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if trimCell(c) != "" {
			return false
		}
	}
	return true
}
