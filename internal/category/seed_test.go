package category_test

import (
	"strings"
	"testing"

	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/category"
)

func testSeedLoadsConsistentTree(t *testing.T, w *world) {
	res, err := w.svc.SeedDefaults(sys())
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != standardRows+localRows || res.Updated != 0 {
		t.Fatalf("first seed = %+v; want %d created", res, standardRows+localRows)
	}
	std, local := w.svc.SeedCodes()
	if len(std) != standardRows || len(local) != localRows {
		t.Fatalf("seed codes: %d standard, %d local; want %d, %d", len(std), len(local), standardRows, localRows)
	}
	all, total, err := w.svc.FindCategories(sys(), category.CategoryFilter{Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if total != standardRows+localRows || len(all) != total {
		t.Fatalf("stored %d (total %d); want %d", len(all), total, standardRows+localRows)
	}
	byCode := map[string]*category.Category{}
	for _, c := range all {
		byCode[c.Code] = c
	}
	var limited int
	for _, c := range all {
		if c.ParentCode != "" {
			p := byCode[c.ParentCode]
			if p == nil {
				t.Errorf("%s: parent %s missing", c.Code, c.ParentCode)
			} else if p.Kind != c.Kind {
				t.Errorf("%s: kind %s under %s of kind %s", c.Code, c.Kind, p.Code, p.Kind)
			}
		}
		if !category.ValidKind(c.Kind) || !c.Active || c.NameZH == "" || c.NameEN == "" || c.Source == "" {
			t.Errorf("%s: kind %q active %v names %q/%q source %q", c.Code, c.Kind, c.Active, c.NameZH, c.NameEN, c.Source)
		}
		if c.Icon == "" || !category.ValidIcon(c.Icon) {
			t.Errorf("%s: icon %q", c.Code, c.Icon)
		}
		if c.Local != strings.HasPrefix(c.Code, "L") {
			t.Errorf("%s: local = %v", c.Code, c.Local)
		}
		if c.EditedAt != nil {
			t.Errorf("%s: seeded row marked edited", c.Code)
		}
		for _, l := range []*calendar.Limit{c.HandleLimit, c.UrgentLimit} {
			if l != nil {
				limited++
				if err := l.Validate(); err != nil {
					t.Errorf("%s: limit %v: %v", c.Code, l, err)
				}
				if back, err := calendar.ParseLimit(l.String()); err != nil || back != *l {
					t.Errorf("%s: limit %v does not round-trip: %v, %v", c.Code, l, back, err)
				}
			}
		}
		if c.Local {
			// Every local row carries its conditions, department, limit
			// and says it is a demo value.
			if c.FilingCondition == "" || c.ClosingCondition == "" || c.DepartmentName == "" || c.HandleLimit == nil ||
				!strings.Contains(c.Source, "Gridwork演示值") {
				t.Errorf("local row %s incomplete: %+v", c.Code, c)
			}
		}
	}
	// 17 standard rows with a handle limit (categories.md); the local rows
	// all have one, and all but the thanks row an urgent one.
	if want := 17 + localRows + localRows - 1; limited != want {
		t.Errorf("limits stored: %d; want %d", limited, want)
	}
	// The classes the issue names are there.
	for code, name := range map[string]string{
		"E06": "市容环境类", "E07": "宣传广告类", "E08": "施工管理类", "E09": "街面秩序类", "LE01": "突发事件类",
		"S01": "矛盾纠纷", "S02": "治安隐患", "LS05": "民生服务", "LH01": "城乡建设", "LH07": "住房保障",
		"N01": "咨询", "N02": "求助", "N03": "投诉", "N04": "举报", "N05": "建议", "LN06": "表扬/感谢",
	} {
		if c := byCode[code]; c == nil || c.NameZH != name {
			t.Errorf("class %s: got %+v, want %s", code, c, name)
		}
	}
	heat := byCode["LE0102"]
	if heat.NameZH != "供热管道漏水" || heat.DepartmentName != "供热公司" || heat.ParentCode != "LE01" ||
		heat.HandleLimit.String() != "4wh" || heat.UrgentLimit.String() != "2h" || heat.Icon != "heating" {
		t.Errorf("heating main: %+v", heat)
	}
	if c := byCode["C01001"]; c.HandleLimit.String() != "6h" || c.UrgentLimit != nil || c.Icon != "manhole" || c.Local {
		t.Errorf("C01001: %+v", c)
	}

	// A second run writes nothing.
	res, err = w.svc.SeedDefaults(sys())
	if err != nil || res != (category.SeedResult{}) {
		t.Fatalf("second seed = %+v, %v; want nothing", res, err)
	}
}

func testSeedKeepsAdministratorEdits(t *testing.T, w *world) {
	db := w.db
	// An administrator changes the heating main's limit and retires a row.
	if _, err := w.svc.UpdateCategory(sys(), "LE0102", category.CategoryUpdate{HandleLimit: ptr("3wh")}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.UpdateCategory(sys(), "C01041", category.CategoryUpdate{Active: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	// Rows the administrator never touched but that differ from the seed
	// (as an older release would have left them) are brought up to date;
	// deleted ones come back.
	if _, err := db.WriterPool().Exec(`UPDATE categories SET name_en = 'old' WHERE code = 'E06010'`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.WriterPool().Exec(`DELETE FROM categories WHERE code = 'LN06'`); err != nil {
		t.Fatal(err)
	}
	res, err := w.svc.SeedDefaults(sys())
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 1 || res.Updated != 1 || res.Kept != 2 {
		t.Fatalf("re-seed = %+v; want 1 created, 1 updated, 2 kept", res)
	}
	if c := mustCategory(t, w.svc, "LE0102"); c.HandleLimit.String() != "3wh" || c.EditedAt == nil {
		t.Errorf("edit lost: %+v", c)
	}
	if c := mustCategory(t, w.svc, "C01041"); c.Active {
		t.Errorf("retirement lost: %+v", c)
	}
	if c := mustCategory(t, w.svc, "E06010"); c.NameEN != "Exposed garbage" {
		t.Errorf("unedited row not refreshed: %+v", c)
	}
	mustCategory(t, w.svc, "LN06")
}
