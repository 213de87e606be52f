package ledger

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/xuri/excelize/v2"
)

// mixedBook is a ledger with good rows and one bad row of each kind, pass 1
// and pass 2 alike. wantMixed lists the bad cells.
func mixedBook(t testing.TB) []byte {
	g1, g2 := "110105001001001", "110105001001002"
	return buildBook(t,
		sheetRows{"楼栋", [][]any{
			headerRow(SheetBuildings, "zh"),
			{g1, "幸福里", "1号楼", "楼栋", "幸福路1号", 116.4825, 39.9215, 6},
			{g2, "", "东院", "院落"},
			{"110105001001099", "幸福里", "3号楼", "楼栋"}, // 4: no such grid
			{g1, "幸福里", "4号楼", "大楼"},                // 5: bad label
			{g1, "幸福里", "", "楼栋"},                   // 6: name missing
			{g1, "幸福里", "5号楼", "楼栋", "", 116.5},     // 7: longitude without latitude
		}},
		sheetRows{"房屋", [][]any{
			headerRow(SheetHouseholds, "zh"),
			{g1, "幸福里", "1号楼", "1单元", "101", "自住", 89.5},
			{g1, "幸福里", "1号楼", "1单元", "102", "出租"},
			{g1, "幸福里", "9号楼", "1单元", "101", "自住"}, // 4: unknown building
			{g2, "", "东院", "", "1", "空置"},
			{g1, "幸福里", "4号楼", "1单元", "101", "自住"}, // 6: its building is bad row 5
			{g1, "幸福里", "1号楼", "1单元", "101", "其他"}, // 7: duplicate of row 2
		}},
		sheetRows{"居民", [][]any{
			headerRow(SheetResidents, "zh"),
			{g1, "幸福里", "1号楼", "1单元", "101", "张秀英", "女", idNumber(0, 2), "13800138000", "户主", "独居老人、低保"},
			{g1, "幸福里", "1号楼", "1单元", "101", "王建国", "男", idNumber(1, 1), "", "配偶", ""},
			{g1, "幸福里", "1号楼", "1单元", "102", "李明", "", badCheck(idNumber(2, 1)), "", "户主", ""},       // 4: ID checksum
			{g1, "幸福里", "1号楼", "1单元", "102", "李华", "", idNumber(3, 2), "12345", "子女", ""},            // 5: phone
			{g1, "幸福里", "1号楼", "1单元", "102", "赵六", "", idNumber(0, 2), "", "其他", ""},                 // 6: duplicate ID of row 2
			{g1, "幸福里", "1号楼", "1单元", "999", "钱七", "", idNumber(4, 2), "", "户主", ""},                 // 7: no such household
			{g1, "幸福里", "1号楼", "1单元", "102", "孙八", "", idNumber(5, 2), "", "表亲", ""},                 // 8: bad label
			{g2, "", "东院", "", "1", "周九", "", idNumber(6, 1), "0755-82345678", "户主", "退役军人,veteran"}, //
			{g1, "幸福里", "1号楼", "1单元", "102", "", "", idNumber(7, 2), "", "户主", ""},                   // 10: name missing
			{g1, "幸福里", "4号楼", "1单元", "101", "吴十", "", idNumber(8, 2), "", "户主", ""},                 // 11: its household is bad row 6
		}},
	)
}

var wantMixed = []errKey{
	{SheetBuildings, 4, "grid_code"}, {SheetBuildings, 5, "kind"}, {SheetBuildings, 6, "name"}, {SheetBuildings, 7, "lat"},
	{SheetHouseholds, 4, "building"}, {SheetHouseholds, 6, "building"}, {SheetHouseholds, 7, "room"},
	{SheetResidents, 4, "id_number"}, {SheetResidents, 5, "phone"}, {SheetResidents, 6, "id_number"},
	{SheetResidents, 7, "household"}, {SheetResidents, 8, "relation"}, {SheetResidents, 10, "name"},
	{SheetResidents, 11, "household"},
}

// errKeysLoose compares where errors are, reading a service's lon/lat pair
// error on either coordinate.
func errKeysLoose(r *Report) []errKey {
	out := errKeys(r)
	for i, k := range out {
		if k.Sheet == SheetBuildings && k.Field == "lon" {
			out[i].Field = "lat"
		}
	}
	return out
}

func TestImportBadRowsWriteNothing(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		fx := newFixture(t, db, 2)
		before := fx.counts(t)
		rep := fx.importBytes(t, fx.ctx, mixedBook(t), ImportOptions{})
		if d := cmp.Diff(wantMixed, errKeysLoose(rep)); d != "" {
			t.Errorf("errors (-want +got):\n%s", d)
		}
		for _, e := range rep.Errors {
			if e.Err.Msg.ZH == "" || e.Err.Msg.EN == "" || e.Err.Msg.ZH == e.Err.Msg.EN {
				t.Errorf("%s row %d: reason not bilingual: %+v", e.Sheet, e.Row, e.Err.Msg)
			}
		}
		if rep.Applied {
			t.Error("Applied = true for a file with bad rows")
		}
		wantSheets := []SheetReport{
			{Name: SheetBuildings, Title: "楼栋", Rows: 6, Bad: 4},
			{Name: SheetHouseholds, Title: "房屋", Rows: 6, Bad: 3},
			{Name: SheetResidents, Title: "居民", Rows: 10, Bad: 7},
		}
		if d := cmp.Diff(wantSheets, rep.Sheets); d != "" {
			t.Errorf("sheets (-want +got):\n%s", d)
		}
		if d := cmp.Diff(before, fx.counts(t)); d != "" {
			t.Errorf("a file with bad rows wrote (-before +after):\n%s", d)
		}
		lines := strings.Join(rep.Lines("zh"), "\n")
		for _, want := range []string{
			"楼栋 第4行 网格编码：网格编码 110105001001099 不存在",
			"房屋 第6行 楼栋：所在楼栋（楼栋表第5行）有错误",
			"居民 第4行 身份证号：身份证号码校验位（第18位）不正确",
			"居民 第6行 身份证号：与第2行重复",
			"居民 第7行 所在房屋：",
			"居民 第11行 所在房屋：所在房屋（房屋表第6行）有错误",
		} {
			if !strings.Contains(lines, want) {
				t.Errorf("lines lack %q:\n%s", want, lines)
			}
		}
		en := strings.Join(rep.Lines("en"), "\n")
		if want := "residents row 5, Phone: "; !strings.Contains(en, want) {
			t.Errorf("English lines lack %q:\n%s", want, en)
		}
	})
}

func TestImportGoodRowsOnly(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		fx := newFixture(t, db, 2)
		rep := fx.importBytes(t, fx.ctx, mixedBook(t), ImportOptions{GoodRowsOnly: true})
		if d := cmp.Diff(wantMixed, errKeysLoose(rep)); d != "" {
			t.Errorf("errors (-want +got):\n%s", d)
		}
		if !rep.Applied {
			t.Fatal("Applied = false with GoodRowsOnly")
		}
		created := map[string]int{}
		for _, s := range rep.Sheets {
			created[s.Name] = s.Created
		}
		if d := cmp.Diff(map[string]int{SheetBuildings: 2, SheetHouseholds: 3, SheetResidents: 3}, created); d != "" {
			t.Errorf("created (-want +got):\n%s", d)
		}
		want := map[string]int{"buildings": 2, "units": 2, "households": 3, "residents": 3, "resident_tags": 3}
		if d := cmp.Diff(want, fx.counts(t)); d != "" {
			t.Errorf("rows in the database (-want +got):\n%s", d)
		}
		// Exactly the good rows, as the export shows them.
		got := exportRows(t, fx, fx.ctx, ExportOptions{RegionID: fx.county.ID, Reveal: true, Reason: "核对导入结果"})
		wantRows := map[string][][]string{
			"楼栋": {
				headerStrings(SheetBuildings, "zh"),
				{"110105001001001", "幸福里", "1号楼", "楼栋", "幸福路1号", "116.4825", "39.9215", "6"},
				{"110105001001002", "", "东院", "院落"},
			},
			"房屋": {
				headerStrings(SheetHouseholds, "zh"),
				{"110105001001001", "幸福里", "1号楼", "1单元", "101", "自住", "89.5"},
				{"110105001001001", "幸福里", "1号楼", "1单元", "102", "出租"},
				{"110105001001002", "", "东院", "", "1", "空置"},
			},
			"居民": {
				headerStrings(SheetResidents, "zh"),
				{"110105001001001", "幸福里", "1号楼", "1单元", "101", "张秀英", "女", idNumber(0, 2), "13800138000", "户主", "独居老人、低保"},
				{"110105001001001", "幸福里", "1号楼", "1单元", "101", "王建国", "男", idNumber(1, 1), "", "配偶"},
				{"110105001001002", "", "东院", "", "1", "周九", "男", idNumber(6, 1), "0755-82345678", "户主", "退役军人"},
			},
		}
		if d := cmp.Diff(wantRows, got); d != "" {
			t.Errorf("exported (-want +got):\n%s", d)
		}
		// The error workbook holds the bad rows and nothing else.
		var eb bytes.Buffer
		if err := rep.WriteErrorWorkbook(&eb, "zh"); err != nil {
			t.Fatal(err)
		}
		again := readBytes(t, eb.Bytes())
		bad := map[string]int{}
		for _, s := range again.Sheets {
			bad[s.Name] = s.Rows
		}
		if d := cmp.Diff(map[string]int{SheetBuildings: 4, SheetHouseholds: 3, SheetResidents: 7}, bad); d != "" {
			t.Errorf("error workbook rows (-want +got):\n%s", d)
		}
	})
}

// A file the system wrote and read back: import, export with personal data
// revealed, import the export into an empty database, export again — the two
// exports are the same, and the second import has no errors.
func TestExportImportRoundTrip(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		fx := newFixture(t, db, 3)
		src := generatedBook(t, genSpec{grids: 3, buildingsPerGrid: 2, unitsPerBuilding: 2, roomsPerUnit: 3, residentsPerRoom: 2})
		if rep := fx.importBytes(t, fx.ctx, src, ImportOptions{}); !rep.OK() || !rep.Applied {
			t.Fatalf("import: applied %v, %v", rep.Applied, rep.Lines("en"))
		}
		for _, lang := range []string{"zh", "en"} {
			opt := ExportOptions{RegionPath: fx.county.Path, Reveal: true, Reason: "round trip test", Lang: lang}
			var first bytes.Buffer
			if err := fx.ex.Export(fx.ctx, &first, opt); err != nil {
				t.Fatal(err)
			}
			fx2 := newFixture(t, sqldbtest.SQLite(t, sqldbtest.Options{}), 3)
			if db.Dialect == sqldb.Postgres {
				fx2 = newFixture(t, sqldbtest.Postgres(t, sqldbtest.Options{}), 3)
			}
			rep := fx2.importBytes(t, fx2.ctx, first.Bytes(), ImportOptions{})
			if !rep.OK() || !rep.Applied {
				t.Fatalf("%s: re-import: applied %v, %v", lang, rep.Applied, rep.Lines("en"))
			}
			if d := cmp.Diff(fx.counts(t), fx2.counts(t)); d != "" {
				t.Errorf("%s: counts differ (-first +second):\n%s", lang, d)
			}
			opt2 := opt
			opt2.RegionPath = fx2.county.Path
			a, b := exportRows(t, fx, fx.ctx, opt), exportRows(t, fx2, fx2.ctx, opt2)
			if d := cmp.Diff(a, b); d != "" {
				t.Errorf("%s: exports differ (-first +second):\n%s", lang, d)
			}
			if n := len(a[specs[SheetResidents].title(lang)]); n != 1+3*2*2*3*2 {
				t.Errorf("%s: %d resident rows with the header", lang, n)
			}
			// Drop-downs come with the export.
			f, err := excelize.OpenReader(bytes.NewReader(first.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			dvs, err := f.GetDataValidations(specs[SheetResidents].title(lang))
			f.Close()
			if err != nil || len(dvs) != 3 {
				t.Errorf("%s: export drop-downs %d, %v; want 3", lang, len(dvs), err)
			}
		}
		// A masked export does not import: every resident row says why.
		var masked bytes.Buffer
		if err := fx.ex.Export(fx.ctx, &masked, ExportOptions{Sheets: []string{"居民"}}); err != nil {
			t.Fatal(err)
		}
		rep := readBytes(t, masked.Bytes())
		if rep.Sheets[0].Bad != 72 || !strings.Contains(rep.Lines("zh")[0], "脱敏") {
			t.Errorf("masked export: %+v, %v", rep.Sheets, rep.Lines("zh")[:1])
		}
	})
}

// Authorisation: ledger.import is needed somewhere, and rows outside the
// actor's scope are bad rows (the services check each one).
func TestImportScope(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		fx := newFixture(t, db, 1)
		g, other := fx.grids[0].Code, fx.other.Code
		book := buildBook(t,
			sheetRows{"楼栋", [][]any{
				headerRow(SheetBuildings, "zh"),
				{g, "幸福里", "1号楼", "楼栋"},
				{other, "吉祥里", "1号楼", "楼栋"}, // outside the grid worker's grid
			}},
			sheetRows{"房屋", [][]any{
				headerRow(SheetHouseholds, "zh"),
				{g, "幸福里", "1号楼", "1", "101", "自住"},
			}},
		)
		// A building head may not import at all.
		head := auth.WithActor(context.Background(), &auth.Actor{UserID: 8, Grants: []auth.Grant{{Role: auth.RoleBuildingHead,
			Scope: auth.Scope{Kind: auth.ScopeRegion, ID: fx.grids[0].ID, Path: fx.grids[0].Path}}}})
		if _, err := fx.im.Import(head, bytes.NewReader(book), ImportOptions{}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("building head import: err %v, want Forbidden", err)
		}
		if _, err := fx.im.Import(context.Background(), bytes.NewReader(book), ImportOptions{}); apperr.CodeOf(err) != apperr.Unauthenticated {
			t.Errorf("anonymous import: err %v, want Unauthenticated", err)
		}
		before := fx.counts(t)
		rep := fx.importBytes(t, gridWorker(fx.grids[0]), book, ImportOptions{})
		if d := cmp.Diff([]errKey{{SheetBuildings, 3, "grid_code"}}, errKeys(rep)); d != "" {
			t.Errorf("errors (-want +got):\n%s", d)
		}
		if c := rep.Errors[0].Err.Code; c != apperr.Forbidden {
			t.Errorf("code %s, want forbidden", c)
		}
		if d := cmp.Diff(before, fx.counts(t)); d != "" || rep.Applied {
			t.Errorf("applied %v; wrote (-before +after):\n%s", rep.Applied, d)
		}
		rep = fx.importBytes(t, gridWorker(fx.grids[0]), book, ImportOptions{GoodRowsOnly: true})
		if got := fx.counts(t); !rep.Applied || got["buildings"] != 1 || got["households"] != 1 {
			t.Errorf("good rows only: applied %v, counts %v", rep.Applied, got)
		}
		// Export needs ledger.export at the region.
		var b bytes.Buffer
		if err := fx.ex.Export(gridWorker(fx.grids[0]), &b, ExportOptions{RegionID: fx.other.ID}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("export of another grid: err %v, want Forbidden", err)
		}
		got := exportRows(t, fx, gridWorker(fx.grids[0]), ExportOptions{Sheets: []string{SheetBuildings}})
		if n := len(got["楼栋"]); n != 2 {
			t.Errorf("grid worker export: %d rows with the header, want 2", n)
		}
	})
}

// A header problem stops the file before the database, even with
// GoodRowsOnly.
func TestImportBadHeaderWritesNothing(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		fx := newFixture(t, db, 1)
		book := buildBook(t,
			sheetRows{"楼栋", [][]any{headerRow(SheetBuildings, "zh"), {fx.grids[0].Code, "", "1号楼", "楼栋"}}},
			sheetRows{"居民", [][]any{{"网格编码", "楼栋", "房号", "姓名"}, {fx.grids[0].Code, "1号楼", "101", "张三"}}},
		)
		rep := fx.importBytes(t, fx.ctx, book, ImportOptions{GoodRowsOnly: true})
		if d := cmp.Diff([]errKey{{SheetResidents, 1, "relation"}}, errKeys(rep)); d != "" {
			t.Errorf("errors (-want +got):\n%s", d)
		}
		if rep.Applied || fx.counts(t)["buildings"] != 0 {
			t.Errorf("applied %v, counts %v", rep.Applied, fx.counts(t))
		}
	})
}

// exportRows exports and reads every sheet back as strings.
func exportRows(t testing.TB, fx *fixture, ctx context.Context, opt ExportOptions) map[string][][]string {
	t.Helper()
	var b bytes.Buffer
	if err := fx.ex.Export(ctx, &b, opt); err != nil {
		t.Fatalf("export: %v", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][][]string{}
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = rows
	}
	return out
}

func headerStrings(key, lang string) []string {
	var out []string
	for _, c := range specs[key].Columns {
		out = append(out, c.Title.In(lang))
	}
	return out
}
