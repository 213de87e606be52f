package ledger

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

func TestWriteTemplate(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		t.Run(lang, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteTemplate(&b, lang); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var wantSheets []string
			for _, k := range allSheets {
				wantSheets = append(wantSheets, specs[k].title(lang))
			}
			wantSheets = append(wantSheets, titleHelp.In(lang))
			if d := cmp.Diff(wantSheets, f.GetSheetList()); d != "" {
				t.Errorf("sheets (-want +got):\n%s", d)
			}
			for _, k := range allSheets {
				spec := specs[k]
				name := spec.title(lang)
				rows, err := f.GetRows(name)
				if err != nil {
					t.Fatal(err)
				}
				var want []string
				for _, h := range headerRow(k, lang) {
					want = append(want, h.(string))
				}
				if len(rows) != 1 {
					t.Fatalf("%s: %d rows, want the header only", name, len(rows))
				}
				if d := cmp.Diff(want, rows[0]); d != "" {
					t.Errorf("%s header (-want +got):\n%s", name, d)
				}
				// A drop-down on every enumerated column, listing the labels in lang.
				dvs, err := f.GetDataValidations(name)
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]string{}
				for _, dv := range dvs {
					got[dv.Sqref] = dv.Type + " " + dv.Formula1
				}
				wantDV := map[string]string{}
				for j, c := range spec.Columns {
					if c.Enum != nil {
						col, _ := excelize.ColumnNumberToName(j + 1)
						wantDV[col+"2:"+col+"1048576"] = `list "` + strings.Join(c.Enum.labels(lang), ",") + `"`
					}
				}
				if d := cmp.Diff(wantDV, got); d != "" {
					t.Errorf("%s drop-downs (-want +got):\n%s", name, d)
				}
				// A note on every column title, with an example.
				comments, err := f.GetComments(name)
				if err != nil {
					t.Fatal(err)
				}
				if len(comments) != len(spec.Columns) {
					t.Errorf("%s: %d notes, want %d", name, len(comments), len(spec.Columns))
				}
				for _, cm := range comments {
					if text := commentText(cm); !strings.Contains(text, map[string]string{"zh": "示例", "en": "Example"}[lang]) {
						t.Errorf("%s %s note %q has no example", name, cm.Cell, text)
					}
				}
			}
			// The instructions sheet holds an example row of each sheet.
			help, err := f.GetRows(titleHelp.In(lang))
			if err != nil {
				t.Fatal(err)
			}
			var flat []string
			for _, r := range help {
				flat = append(flat, strings.Join(r, "|"))
			}
			for _, k := range allSheets {
				var ex []string
				for _, c := range specs[k].Columns {
					ex = append(ex, c.Example.In(lang))
				}
				if !strings.Contains(strings.Join(flat, "\n"), strings.Join(ex, "|")) {
					t.Errorf("instructions lack the example row of %s", k)
				}
			}
			// The empty template is a valid ledger with nothing in it.
			rep := readBytes(t, b.Bytes())
			if !rep.OK() || len(rep.Sheets) != 3 {
				t.Errorf("template reads as %+v, errors %v", rep.Sheets, rep.Lines(lang))
			}
		})
	}
}

func commentText(c excelize.Comment) string {
	s := c.Text
	for _, p := range c.Paragraph {
		s += p.Text
	}
	return s
}

// The template's example rows, pasted under the headers, pass pass 1: the
// examples and the rules agree.
func TestTemplateExamplesAreValid(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		var sheets []sheetRows
		for _, k := range allSheets {
			var ex []any
			for _, c := range specs[k].Columns {
				ex = append(ex, c.Example.In(lang))
			}
			sheets = append(sheets, sheetRows{specs[k].title(lang), [][]any{headerRow(k, lang), ex}})
		}
		rep := readBytes(t, buildBook(t, sheets...))
		if !rep.OK() {
			t.Errorf("%s examples: %v", lang, rep.Lines(lang))
		}
	}
}

func TestErrorWorkbook(t *testing.T) {
	grid := "110105001001001"
	b := buildBook(t,
		sheetRows{"房屋", [][]any{
			headerRow(SheetHouseholds, "zh"),
			{grid, "幸福里", "1号楼", "1", "101", "自住", 80},
			{grid, "幸福里", "1号楼", "1", "102", "租房", 80}, // bad kind
		}},
		sheetRows{"居民", [][]any{
			{"姓名", "身份证号", "网格编码", "楼栋", "房号", "与户主关系"},
			{"", "11010519491231002X", grid, "1号楼", "101", "户主"},       // name missing
			{"王五", "11010519491231002X", grid, "1号楼", "101", "户主"},     // duplicate ID
			{"赵六", "11010519500101001X", grid, "1号楼", "101", "配偶"},     // good
			{"钱七", "110105195001010030", grid, "1号楼", "101", "表亲", ""}, // bad relation
		}},
	)
	rep := readBytes(t, b)
	for _, lang := range []string{"zh", "en"} {
		var out bytes.Buffer
		if err := rep.WriteErrorWorkbook(&out, lang); err != nil {
			t.Fatal(err)
		}
		if os.Getenv("LEDGER_KEEP") != "" {
			_ = os.WriteFile(filepath.Join(os.TempDir(), "ledger-errors-"+lang+".xlsx"), out.Bytes(), 0o644)
		}
		f, err := excelize.OpenReader(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows(specs[SheetResidents].title(lang))
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 {
			t.Fatalf("%s: residents error sheet has %d rows, want header + 3", lang, len(rows))
		}
		n := len(specs[SheetResidents].Columns)
		if got, want := rows[0][n], titleErrors.In(lang); got != want {
			t.Errorf("%s: extra column %q, want %q", lang, got, want)
		}
		if got := rows[2][n]; lang == "zh" && got != "身份证号：与第2行重复" {
			t.Errorf("reason = %q", got)
		}
		if got := rows[3][n+1]; got != "5" {
			t.Errorf("%s: source row %q, want 5", lang, got)
		}
		// Re-reading the error workbook finds the same rows bad, at their
		// new row numbers, and no unknown columns.
		again := readBytes(t, out.Bytes())
		want := []errKey{{SheetHouseholds, 2, "kind"}, {SheetResidents, 2, "name"}, {SheetResidents, 3, "id_number"}, {SheetResidents, 4, "relation"}}
		if d := cmp.Diff(want, errKeys(again)); d != "" {
			t.Errorf("%s re-read (-want +got):\n%s", lang, d)
		}
		for _, s := range again.Sheets {
			if len(s.Ignored) != 0 {
				t.Errorf("%s: re-read ignored columns %v", lang, s.Ignored)
			}
		}
	}
}

func TestCLIProgress(t *testing.T) {
	var b bytes.Buffer
	p := CLIProgress(&b, "导入")
	for i := 0; i <= 3000; i += 500 {
		p(i, -1)
	}
	for i := 0; i <= 3000; i += 1000 {
		p(i, 3000)
	}
	if out := b.String(); !strings.Contains(out, "导入") || !strings.Contains(out, "3000/3000") {
		t.Errorf("progress output %q lacks the label or the final count", out)
	}
	// A file that is not a terminal gets nothing.
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	q := CLIProgress(f, "导入")
	q(1, 2)
	q(2, 2)
	if st, _ := f.Stat(); st.Size() != 0 {
		t.Errorf("wrote %d bytes to a non-terminal file", st.Size())
	}
}
