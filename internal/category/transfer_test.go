package category_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/category"
)

const header = "code,parent_code,kind,name_zh,name_en,filing_condition_zh,closing_condition_zh,department_zh,handle_limit,urgent_limit,source,local,active,icon\n"

// snapshot is the dictionary as stored, for "nothing was written" checks.
func snapshot(t *testing.T, svc *category.Service) string {
	t.Helper()
	var b bytes.Buffer
	if err := svc.ExportCategories(sys(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func testExportImportRoundTrip(t *testing.T, w *world) {
	before := snapshot(t, w.svc)
	if !strings.HasPrefix(before, header) {
		t.Fatalf("export header: %q", before[:200])
	}
	rep, err := w.svc.ImportCategories(sys(), strings.NewReader(before))
	if err != nil {
		t.Fatal(err)
	}
	want := &category.ImportReport{Rows: standardRows + localRows, Unchanged: standardRows + localRows, Applied: true}
	if diff := cmp.Diff(want, rep); diff != "" {
		t.Fatalf("re-import of the export (-want +got):\n%s", diff)
	}
	if after := snapshot(t, w.svc); after != before {
		t.Fatal("re-importing the export changed the dictionary")
	}
	// The shared seed file itself (no local/active/icon columns) imports
	// as unchanged too: missing columns keep what is stored.
	shared, err := os.ReadFile("data/categories.csv")
	if err != nil {
		t.Fatal(err)
	}
	rep, err = w.svc.ImportCategories(sys(), bytes.NewReader(shared))
	if err != nil || !rep.Applied || rep.Unchanged != standardRows {
		t.Fatalf("import of the shared seed: %+v, %v", rep, err)
	}
}

func testImportCreatesAndUpdates(t *testing.T, w *world) {
	file := header +
		// a new local variant under the standard 私搭乱建 (stop-work order)
		"LE0600101,E06001,event,私搭乱建（责令停工）,Illegal structure (stop work),正在施工的违法建设,已责令停止施工,城市管理综合执法局,4wh,2wh,本地标准,true,true,construction\n" +
		// the city's own limit for exposed rubbish; columns left empty keep nothing: they clear
		"E06010,E06,event,暴露垃圾,Exposed garbage,,,区环卫中心,1wd,4wh,本地立案结案标准,false,true,trash\n"
	rep, err := w.svc.ImportCategories(sys(), strings.NewReader(file))
	if err != nil || !rep.Applied || rep.Created != 1 || rep.Updated != 1 || len(rep.Errors) != 0 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	c := mustCategory(t, w.svc, "LE0600101")
	if !c.Local || c.ParentCode != "E06001" || c.HandleLimit.String() != "4wh" || c.EditedAt == nil || !c.CreatedAt.Equal(testNow) {
		t.Errorf("created: %+v", c)
	}
	c = mustCategory(t, w.svc, "E06010")
	if c.DepartmentName != "区环卫中心" || c.HandleLimit.String() != "1wd" || c.UrgentLimit.String() != "4wh" ||
		c.FilingCondition != "" || c.EditedAt == nil {
		t.Errorf("updated: %+v", c)
	}
	// An edited row survives a re-seed.
	if _, err := w.svc.SeedDefaults(sys()); err != nil {
		t.Fatal(err)
	}
	if c := mustCategory(t, w.svc, "E06010"); c.HandleLimit.String() != "1wd" {
		t.Errorf("re-seed overwrote an imported row: %+v", c)
	}
}

func testImportWithBadRowsWritesNothing(t *testing.T, w *world) {
	before := snapshot(t, w.svc)
	file := header +
		/* 2 */ "LX01,,event,本地好行,Good local row,,,,1wd,,demo,true,true,\n" +
		/* 3 */ "LX0101,LX99,event,未知上级,Unknown parent,,,,,,demo,true,true,\n" +
		/* 4 */ "LX0102,LX01,event,坏时限,Bad limit,,,,5days,0wh,demo,true,true,\n" +
		/* 5 */ "LX01,,event,重复,Duplicate,,,,,,demo,true,true,\n" +
		/* 6 */ "E06012,E06,event,冒用标准代码,Local row on a standard code,,,,,,demo,true,true,\n" +
		/* 7 */ "LX0103,,event,L代码非本地,L code not local,,,,,,demo,false,true,\n" +
		/* 8 */ "LX0104,LX01,social,类型不一致,Kind unlike the parent's,,,,,,demo,true,true,\n" +
		/* 9 */ "LX0105,LX01,event,,No name,,,,,,demo,maybe,true,rocket\n" +
		/* 10 */ "E06,,social,改类型,Kind change,,,,,,,false,true,\n" +
		/* 11 */ "LX0106,LX0107,event,循环甲,Loop A,,,,,,demo,true,true,\n" +
		/* 12 */ "LX0107,LX0106,event,循环乙,Loop B,,,,,,demo,true,true,\n" +
		/* 13 */ "C01,,component,市政公用设施,Municipal public utilities,,,,,,,false,false,\n" +
		/* 14 */ "lx0108,LX01,event,小写代码可用,Lower-case code is upper-cased,,,,,,demo,true,true,\n"
	rep, err := w.svc.ImportCategories(sys(), strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Applied || rep.Created+rep.Updated+rep.Unchanged != 0 || rep.Rows != 13 {
		t.Fatalf("report: %+v", rep)
	}
	type got struct {
		Row   int
		Field string
	}
	var gots []got
	for _, e := range rep.Errors {
		if e.Sheet != category.SheetCategories || e.Err.Code != apperr.Invalid || e.Err.Msg.ZH == "" || e.Err.Msg.EN == "" {
			t.Errorf("row error %+v: want an Invalid with a bilingual message", e)
		}
		gots = append(gots, got{e.Row, e.Err.Field})
	}
	want := []got{
		{3, "parent_code"},
		{4, "handle_limit"}, {4, "urgent_limit"},
		{5, "code"},
		{6, "code"},
		{7, "local"},
		{8, "kind"},
		{9, "name_zh"}, {9, "local"}, {9, "icon"},
		{10, "kind"},
		{11, "parent_code"},
		{12, "parent_code"},
		{13, "active"}, // retiring 市政公用设施 while its sub-classes are active
	}
	if diff := cmp.Diff(want, gots); diff != "" {
		t.Errorf("row errors (-want +got):\n%s\n%v", diff, rep.Errors)
	}
	// The messages name the problem.
	for _, e := range rep.Errors {
		switch {
		case e.Row == 3 && !strings.Contains(e.Err.Msg.EN, "LX99"),
			e.Row == 5 && !strings.Contains(e.Err.Msg.ZH, "第 2 行"),
			e.Row == 6 && !strings.Contains(e.Err.Msg.EN, "collides with a standard code"):
			t.Errorf("row %d: message %+v", e.Row, e.Err.Msg)
		}
	}
	if err := rep.Err(); apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(err.Error(), "nothing was imported") {
		t.Errorf("report error: %v", err)
	}
	if after := snapshot(t, w.svc); after != before {
		t.Fatal("a file with bad rows changed the dictionary")
	}
}

func testImportHeaderErrors(t *testing.T, w *world) {
	db := w.db
	for name, tc := range map[string]struct {
		file   string
		fields []string
	}{
		"missing required": {"code,name_zh\nLX01,甲\n", []string{"parent_code", "kind"}},
		"unknown column":   {"code,parent_code,kind,name_zh,colour\nLX01,,event,甲,red\n", []string{"colour"}},
		"repeated column":  {"code,parent_code,kind,name_zh,kind\n", []string{"kind"}},
		"empty":            {"", []string{""}},
	} {
		rep, err := w.svc.ImportCategories(sys(), strings.NewReader(tc.file))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var fields []string
		for _, e := range rep.Errors {
			if e.Row != 1 {
				t.Errorf("%s: header error on row %d", name, e.Row)
			}
			fields = append(fields, e.Err.Field)
		}
		if rep.Applied || !cmp.Equal(fields, tc.fields) {
			t.Errorf("%s: applied %v, fields %v; want %v", name, rep.Applied, fields, tc.fields)
		}
	}
	_, err := w.svc.ImportCategories(sys(), strings.NewReader("code,parent_code,kind,name_zh\n\"LX01,,event,甲\n"))
	wantErr(t, err, apperr.Invalid, "file")
	if n := count(t, db, "categories"); n != standardRows+localRows {
		t.Fatalf("categories after bad files: %d", n)
	}
}

func testCategoryCRUD(t *testing.T, w *world) {
	ctx := sys()
	in := category.CategoryInput{Code: "LS0510", ParentCode: "LS05", Kind: category.KindSocial, NameZH: "快递柜故障",
		NameEN: "Parcel locker out of order", DepartmentName: "物业公司", HandleLimit: "2wd", Local: true, Icon: "other"}
	c, err := w.svc.CreateCategory(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Active || c.EditedAt == nil || c.HandleLimit.String() != "2wd" {
		t.Fatalf("created: %+v", c)
	}
	_, err = w.svc.CreateCategory(ctx, in)
	wantErr(t, err, apperr.Conflict, "code")

	// Several bad fields come back together.
	bad := in
	bad.Code, bad.ParentCode, bad.HandleLimit, bad.Icon = "LS0511", "S01", "2 weeks", "rocket"
	_, err = w.svc.CreateCategory(ctx, bad)
	var list apperr.List
	if apperr.CodeOf(err) != apperr.Invalid || !asList(err, &list) || len(list) != 2 {
		t.Fatalf("bad create: %v", err)
	}
	// A local code on a standard one, and a kind unlike the parent's.
	bad = in
	bad.Code = "S0102"
	_, err = w.svc.CreateCategory(ctx, bad)
	wantErr(t, err, apperr.Invalid, "code")
	bad = in
	bad.Code, bad.Kind = "LS0512", category.KindEvent
	_, err = w.svc.CreateCategory(ctx, bad)
	wantErr(t, err, apperr.Invalid, "kind")

	// Update, then a no-op update writes nothing.
	c, err = w.svc.UpdateCategory(ctx, "LS0510", category.CategoryUpdate{UrgentLimit: ptr("4wh"), NameEN: ptr("Parcel locker broken")})
	if err != nil || c.UrgentLimit.String() != "4wh" || c.NameEN != "Parcel locker broken" {
		t.Fatalf("update: %+v, %v", c, err)
	}
	_, err = w.svc.UpdateCategory(ctx, "LS0510", category.CategoryUpdate{ParentCode: ptr("LS0510")})
	wantErr(t, err, apperr.Invalid, "parent_code")
	_, err = w.svc.UpdateCategory(ctx, "LS0510", category.CategoryUpdate{HandleLimit: ptr("0wd")})
	wantErr(t, err, apperr.Invalid, "handle_limit")
	_, err = w.svc.UpdateCategory(ctx, "NOPE1", category.CategoryUpdate{})
	wantErr(t, err, apperr.NotFound, "")

	// Unreferenced and not from the seed: deleted.
	retired, err := w.svc.DeleteCategory(ctx, "LS0510")
	if err != nil || retired {
		t.Fatalf("delete: retired %v, %v", retired, err)
	}
	_, err = w.svc.FindCategoryByCode(ctx, "LS0510")
	wantErr(t, err, apperr.NotFound, "")

	// Referenced by a policy: retired instead.
	c, err = w.svc.CreateCategory(ctx, category.CategoryInput{Code: "LS0513", ParentCode: "LS05", Kind: category.KindSocial, NameZH: "共享充电", Local: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.CreateTimeLimit(ctx, category.TimeLimitInput{CategoryCode: c.Code, Step: category.StepHandle, Limit: "1wd"}); err != nil {
		t.Fatal(err)
	}
	if retired, err := w.svc.DeleteCategory(ctx, "LS0513"); err != nil || !retired {
		t.Fatalf("delete referenced: retired %v, %v", retired, err)
	}
	if c := mustCategory(t, w.svc, "LS0513"); c.Active {
		t.Fatal("referenced category not retired")
	}
	// From the seed: retired, never deleted (a re-seed would bring it back).
	if retired, err := w.svc.DeleteCategory(ctx, "N05"); err != nil || !retired {
		t.Fatalf("delete seed row: retired %v, %v", retired, err)
	}
	// A class with active sub-classes cannot be retired.
	_, err = w.svc.DeleteCategory(ctx, "LE01")
	wantErr(t, err, apperr.Invalid, "active")
	// Finding by a malformed code names the field the cases package passes.
	_, err = w.svc.FindCategoryByCode(context.Background(), " ")
	wantErr(t, err, apperr.Invalid, "category")
	// The picker's filters.
	cs, n, err := w.svc.FindCategories(context.Background(), category.CategoryFilter{ParentCode: ptr("LE01"), Active: ptr(true)})
	if err != nil || n != 8 || len(cs) != 8 || cs[1].Code != "LE0102" {
		t.Fatalf("sub-categories of LE01: %d %v", n, err)
	}
	cs, _, err = w.svc.FindCategories(context.Background(), category.CategoryFilter{Search: ptr("供热")})
	if err != nil || len(cs) < 2 {
		t.Fatalf("search 供热: %v %v", codesOf(cs), err)
	}
	cs, n, _ = w.svc.FindCategories(context.Background(), category.CategoryFilter{Kind: ptr(category.KindRequestNature)})
	if n != 6 {
		t.Fatalf("request natures: %v", codesOf(cs))
	}
}

func codesOf(cs []*category.Category) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Code
	}
	return out
}

func asList(err error, l *apperr.List) bool { return errors.As(err, l) }
