package ledger

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/apperr"
)

func TestCheckCell(t *testing.T) {
	col := func(sheet, key string) column {
		c, ok := specs[sheet].column(key)
		if !ok {
			t.Fatalf("no column %s.%s", sheet, key)
		}
		return c
	}
	tests := []struct {
		sheet, key, in string
		want           string
		wantErr        string // part of the Chinese message
	}{
		{SheetBuildings, "grid_code", " 110105001001001 ", "110105001001001", ""},
		{SheetBuildings, "grid_code", "", "", "必填"},
		{SheetBuildings, "grid_code", "11010500100100", "", "15位数字"},
		{SheetBuildings, "grid_code", "1.10105001001001E+14", "", "科学计数法"},
		{SheetBuildings, "kind", "院落", "courtyard", ""},
		{SheetBuildings, "kind", "Building", "building", ""},
		{SheetBuildings, "kind", "大楼", "", "无法识别“大楼”"},
		{SheetBuildings, "lon", "116.48", "116.48", ""},
		{SheetBuildings, "lon", "东经116", "", "应为数字"},
		{SheetBuildings, "lat", "91", "", "之间"},
		{SheetBuildings, "floors", "6层", "6", ""},
		{SheetBuildings, "floors", "6.5", "", "整数"},
		{SheetBuildings, "floors", "-1", "", "负数"},
		{SheetBuildings, "floors", "", "", ""},
		{SheetHouseholds, "kind", "出租", "rented", ""},
		{SheetHouseholds, "area_m2", "1,089.5㎡", "1089.5", ""},
		{SheetResidents, "gender", "女", "female", ""},
		{SheetResidents, "gender", "", "", ""},
		{SheetResidents, "id_number", "11010519491231002x", "11010519491231002X", ""},
		{SheetResidents, "id_number", "110105********002X", "", "脱敏"},
		{SheetResidents, "id_number", "1.10105194912310E+17", "", "科学计数法"},
		{SheetResidents, "phone", "138 0013 8000", "13800138000", ""},
		{SheetResidents, "phone", "138****8000", "", "脱敏"},
		{SheetResidents, "relation", "户主", "head", ""},
		{SheetResidents, "relation", "本人", "head", ""},
		{SheetResidents, "relation", "", "", "必填"},
		{SheetResidents, "tags", "独居老人、低保,veteran，独居老人", "elderly_alone,low_income,veteran", ""},
		{SheetResidents, "tags", "独居老人、富豪", "", "无法识别的标签“富豪”"},
	}
	for _, tt := range tests {
		c := col(tt.sheet, tt.key)
		got, err := checkCell(c, tt.in)
		if tt.wantErr == "" {
			if err != nil || got != tt.want {
				t.Errorf("%s.%s %q = %q, %v; want %q", tt.sheet, tt.key, tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Msg.ZH, tt.wantErr) || err.Msg.EN == "" || err.Field != tt.key || err.Code != apperr.Invalid {
			t.Errorf("%s.%s %q: err %v (%q); want Invalid on %s containing %q", tt.sheet, tt.key, tt.in, err, errZH(err), tt.key, tt.wantErr)
		}
	}
}

func errZH(e *apperr.Error) string {
	if e == nil {
		return ""
	}
	return e.Msg.ZH
}

// A user's file: a title row above the header, English headers in another
// order on one sheet, an unknown column, blank rows, and one bad cell of each
// kind pass 1 checks.
func TestReadWorkbookCells(t *testing.T) {
	grid := "110105001001001"
	b := buildBook(t,
		sheetRows{"说明", [][]any{{"anything here is ignored"}}},
		sheetRows{"楼栋", [][]any{
			{"幸福里社区楼栋台账"},
			headerRow(SheetBuildings, "zh"),
			{grid, "幸福里", "1号楼", "楼栋", "幸福路1号", 116.4, 39.9, 6},
			nil, // blank row 4
			{grid, "幸福里", "2号楼", "大楼", "", "", "", "六"}, // row 5: bad kind, bad floors
			{grid, "幸福里", "1号楼", "楼栋"},                  // row 6: duplicate of row 3
			{"", "", "", "", ""},                        // row 7: blank cells
			{"11010500100100X", "幸福里", "3号楼", "院落"},     // row 8: grid code not digits
		}},
		sheetRows{"Households", [][]any{
			{"Room", "Building", "Grid code", "Kind", "Area (m²)", "Compound", "Unit", "Remarks"},
			{"101", "1号楼", grid, "自住", 89.5, "幸福里", "1"},
			{"", "1号楼", grid, "owner", "", "幸福里", "1"},          // row 3: room missing
			{"101", "1号楼", grid, "rented", "", "幸福里", "1"},      // row 4: duplicate household
			{"102", "1号楼", grid, "owner", "big", "幸福里", "1"},    // row 5: bad area
			{"103", "1号楼", grid, "owner", "-3", "幸福里", "1"},     // row 6: negative area
			{"104", "1号楼", grid, "owner", "70", "幸福里", "1", ""}, // row 7: good
		}},
		sheetRows{"居民", [][]any{
			headerRow(SheetResidents, "zh"),
			{grid, "幸福里", "1号楼", "1", "101", "张三", "男", "11010519491231002X", "13800138000", "户主", "独居老人、低保"},
			{grid, "幸福里", "1号楼", "1", "101", "", "难", "11010519491231002X", "", "户主", "富豪"}, // row 3: name, gender, dup ID, tags
			{grid, "幸福里", "1号楼", "1", "101", "李四", "", "110105********002X", "", "配偶"},      // row 4: masked ID
		}},
	)
	rep := readBytes(t, b)
	want := []errKey{
		{SheetBuildings, 5, "kind"}, {SheetBuildings, 5, "floors"},
		{SheetBuildings, 6, "name"},
		{SheetBuildings, 8, "grid_code"},
		{SheetHouseholds, 3, "room"},
		{SheetHouseholds, 4, "room"},
		{SheetHouseholds, 5, "area_m2"},
		{SheetHouseholds, 6, "area_m2"},
		{SheetResidents, 3, "name"}, {SheetResidents, 3, "gender"}, {SheetResidents, 3, "id_number"}, {SheetResidents, 3, "tags"},
		{SheetResidents, 4, "id_number"},
	}
	if d := cmp.Diff(want, errKeys(rep)); d != "" {
		t.Errorf("errors (-want +got):\n%s", d)
	}
	wantSheets := []SheetReport{
		{Name: SheetBuildings, Title: "楼栋", Rows: 4, Bad: 3},
		{Name: SheetHouseholds, Title: "Households", Rows: 6, Bad: 4, Ignored: []string{"Remarks"}},
		{Name: SheetResidents, Title: "居民", Rows: 3, Bad: 2},
	}
	if d := cmp.Diff(wantSheets, rep.Sheets); d != "" {
		t.Errorf("sheets (-want +got):\n%s", d)
	}
	lines := rep.Lines("zh")
	if want := "楼栋 第5行 类型：无法识别“大楼”，可选：楼栋、院落"; lines[0] != want {
		t.Errorf("line 0 = %q, want %q", lines[0], want)
	}
	if want := "居民 第3行 身份证号：与第2行重复"; lines[10] != want {
		t.Errorf("line 10 = %q, want %q", lines[10], want)
	}
	en := rep.Lines("en")
	if want := "households row 3, Room: required"; en[4] != want {
		t.Errorf("en line 4 = %q, want %q", en[4], want)
	}
}

// The values pass 1 hands on: labels become codes, numbers plain.
func TestReadWorkbookValues(t *testing.T) {
	b := buildBook(t, sheetRows{"Residents", [][]any{
		headerRow(SheetResidents, "en"),
		{"110105001001001", "", "Building 3", 2, 302, " Zhang San ", "female", "11010519491231002x", 13800138000, "spouse", "elderly, 低保"},
	}})
	wb, err := readWorkbook(bytes.NewReader(b), func(int) {})
	if err != nil {
		t.Fatal(err)
	}
	sd := wb.sheet(SheetResidents)
	if len(sd.errs) != 0 || len(sd.records) != 1 {
		t.Fatalf("errs %v, records %d", sd.errs, len(sd.records))
	}
	want := []string{"110105001001001", "", "Building 3", "2", "302", "Zhang San", "female", "11010519491231002X", "13800138000", "spouse", "elderly,low_income"}
	if d := cmp.Diff(want, sd.records[0].Val); d != "" {
		t.Errorf("values (-want +got):\n%s", d)
	}
}

func TestReadWorkbookHeaders(t *testing.T) {
	tests := []struct {
		name  string
		sheet sheetRows
		want  []errKey
	}{
		{"missing required columns", sheetRows{"居民", [][]any{
			{"网格编码", "楼栋", "房号", "姓名"},
			{"110105001001001", "1号楼", "101", "张三"},
		}}, []errKey{{SheetResidents, 1, "relation"}}},
		{"duplicate column", sheetRows{"楼栋", [][]any{
			{"网格编码", "楼栋名称", "类型", "楼栋类型"},
			{"110105001001001", "1号楼", "楼栋", "院落"},
		}}, []errKey{{SheetBuildings, 1, "kind"}}},
		{"no header", sheetRows{"房屋", [][]any{
			nil,
			{"110105001001001", "1号楼", "101"},
			{"110105001001001", "1号楼", "102"},
		}}, []errKey{{SheetHouseholds, 2, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wb, err := readWorkbook(bytes.NewReader(buildBook(t, tt.sheet)), func(int) {})
			if err != nil {
				t.Fatal(err)
			}
			rep := buildReport(wb, nil, false)
			if d := cmp.Diff(tt.want, errKeys(rep)); d != "" {
				t.Errorf("errors (-want +got):\n%s", d)
			}
			if !wb.sheets[0].fatal || rep.Sheets[0].Bad != rep.Sheets[0].Rows {
				t.Errorf("sheet not unusable: %+v", rep.Sheets[0])
			}
		})
	}
}

func TestReadWorkbookNotALedger(t *testing.T) {
	for name, b := range map[string][]byte{
		"not xlsx":      []byte("name,id\n张三,1\n"),
		"no data sheet": buildBook(t, sheetRows{"Sheet1", [][]any{{"a", "b"}}}),
		"two resident sheets": buildBook(t, sheetRows{"居民", [][]any{headerRow(SheetResidents, "zh")}},
			sheetRows{"Residents", [][]any{headerRow(SheetResidents, "en")}}),
	} {
		_, err := readWorkbook(bytes.NewReader(b), func(int) {})
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Msg.ZH == "" || e.Msg.EN == "" {
			t.Errorf("%s: err = %v, want a bilingual Invalid", name, err)
		}
	}
}
