package ledger

import (
	"bytes"
	"io"
	"testing"

	"github.com/xuri/excelize/v2"
)

// sheetRows is one sheet of a test workbook: its name and its rows from
// row 1 (nil rows stay blank).
type sheetRows struct {
	name string
	rows [][]any
}

// buildBook writes a workbook with the stream writer, as a user's file or a
// large generated one would be.
func buildBook(t testing.TB, sheets ...sheetRows) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		var err error
		if i == 0 {
			err = f.SetSheetName(f.GetSheetName(0), s.name)
		} else {
			_, err = f.NewSheet(s.name)
		}
		if err != nil {
			t.Fatalf("sheet %s: %v", s.name, err)
		}
		sw, err := f.NewStreamWriter(s.name)
		if err != nil {
			t.Fatalf("stream %s: %v", s.name, err)
		}
		for r, row := range s.rows {
			if row == nil {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := sw.SetRow(cell, row); err != nil {
				t.Fatalf("row %d: %v", r+1, err)
			}
		}
		if err := sw.Flush(); err != nil {
			t.Fatalf("flush: %v", err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatalf("write: %v", err)
	}
	return b.Bytes()
}

// headerRow returns the titles of a data sheet in lang.
func headerRow(key, lang string) []any {
	var out []any
	for _, c := range specs[key].Columns {
		out = append(out, c.Title.In(lang))
	}
	return out
}

// errKey is what tests compare of a row error: where it is.
type errKey struct {
	Sheet string
	Row   int
	Field string
}

func errKeys(r *Report) []errKey {
	out := make([]errKey, 0, len(r.Errors))
	for _, e := range r.Errors {
		out = append(out, errKey{e.Sheet, e.Row, e.Err.Field})
	}
	return out
}

// readBytes runs pass 1 on a workbook and reports what it found.
func readBytes(t testing.TB, b []byte) *Report {
	t.Helper()
	wb, err := readWorkbook(bytes.NewReader(b), func(int) {})
	if err != nil {
		t.Fatalf("readWorkbook: %v", err)
	}
	return buildReport(wb, nil, false)
}

// readWorkbook is pass 1 on its own: it reads every data sheet of the
// workbook in r to the end. read is called with the running count of rows.
func readWorkbook(r io.Reader, read func(n int)) (*workbook, error) {
	ob, err := openWorkbook(r)
	if err != nil {
		return nil, err
	}
	defer ob.Close()
	if err := ob.drain(read); err != nil {
		return nil, err
	}
	return ob.wb, nil
}
