package category_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/category"
)

// TestDictionaryWritesNeedACounty: the dictionary and the policies hold for
// the whole deployment, so only the system and county (or city)
// administrators change them.
func testDictionaryWritesNeedACounty(t *testing.T, w *world) {
	db := w.db
	policy, err := w.svc.CreateTimeLimit(sys(), category.TimeLimitInput{Step: category.StepVerify, Limit: "2h"})
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, w.svc)
	file := header + "LX01,,event,甲,A,,,,,,demo,true,true,\n"
	// In order: the county's admin runs them all at the end.
	writes := []struct {
		name string
		fn   func(ctx context.Context) error
	}{
		{"create category", func(ctx context.Context) error {
			_, err := w.svc.CreateCategory(ctx, category.CategoryInput{Code: "LX02", Kind: category.KindEvent, NameZH: "乙", Local: true})
			return err
		}},
		{"update category", func(ctx context.Context) error {
			_, err := w.svc.UpdateCategory(ctx, "LE0102", category.CategoryUpdate{HandleLimit: ptr("1wh")})
			return err
		}},
		{"delete category", func(ctx context.Context) error { _, err := w.svc.DeleteCategory(ctx, "N05"); return err }},
		{"import", func(ctx context.Context) error {
			rep, err := w.svc.ImportCategories(ctx, strings.NewReader(file))
			if err == nil {
				return rep.Err()
			}
			return err
		}},
		{"seed", func(ctx context.Context) error { _, err := w.svc.SeedDefaults(ctx); return err }},
		{"create policy", func(ctx context.Context) error {
			_, err := w.svc.CreateTimeLimit(ctx, category.TimeLimitInput{Step: category.StepAccept, Limit: "2h"})
			return err
		}},
		{"update policy", func(ctx context.Context) error {
			_, err := w.svc.UpdateTimeLimit(ctx, policy.ID, category.TimeLimitUpdate{Limit: ptr("9h")})
			return err
		}},
		{"delete policy", func(ctx context.Context) error { return w.svc.DeleteTimeLimit(ctx, policy.ID) }},
	}
	for _, wr := range writes {
		name, write := wr.name, wr.fn
		for who, tc := range map[string]struct {
			ctx  context.Context
			code apperr.Code
		}{
			"nobody":                 {context.Background(), apperr.Unauthenticated},
			"a street's admin":       {as(auth.RoleAdmin, w.streetA), apperr.Forbidden},
			"a community's admin":    {as(auth.RoleAdmin, w.commA1), apperr.Forbidden},
			"a county's dispatcher":  {as(auth.RoleDispatcher, w.county), apperr.Forbidden},
			"a county's grid worker": {as(auth.RoleGridWorker, w.county), apperr.Forbidden},
		} {
			if err := write(tc.ctx); apperr.CodeOf(err) != tc.code {
				t.Errorf("%s by %s: %v; want %s", name, who, err, tc.code)
			}
		}
	}
	if after := snapshot(t, w.svc); after != before {
		t.Fatal("refused writes changed the dictionary")
	}
	if p, err := w.svc.FindTimeLimitByID(sys(), policy.ID); err != nil || p.Limit.String() != "2h" || count(t, db, "time_limits") != 1 {
		t.Fatalf("refused writes changed the policies: %+v, %v", p, err)
	}
	// A county's admin may do all of it.
	county := as(auth.RoleAdmin, w.county)
	for _, wr := range writes {
		if err := wr.fn(county); err != nil {
			t.Errorf("%s by the county's admin: %v", wr.name, err)
		}
	}
	if _, err := w.svc.FindCategoryByCode(sys(), "LX02"); err != nil {
		t.Errorf("the county admin's category: %v", err)
	}
}

// TestAdministrationReads: staff read the policies and export the
// dictionary; residents and anonymous callers only look up.
func testAdministrationReads(t *testing.T, w *world) {
	resident := auth.WithActor(context.Background(), &auth.Actor{UserID: 9, Grants: []auth.Grant{
		{Role: auth.RoleResident, Scope: auth.Scope{Kind: auth.ScopeSelf, ID: w.gridA11.ID, Path: w.gridA11.Path}}}})
	_, _, err := w.svc.FindTimeLimits(resident, category.TimeLimitFilter{})
	wantErr(t, err, apperr.Forbidden, "")
	err = w.svc.ExportCategories(context.Background(), &bytes.Buffer{})
	wantErr(t, err, apperr.Unauthenticated, "")
	_, _, err = w.svc.FindDepartments(resident, category.DepartmentFilter{})
	wantErr(t, err, apperr.Forbidden, "")
	// Looking up is open: the public report page needs the picker.
	if _, n, err := w.svc.FindCategories(resident, category.CategoryFilter{Active: ptr(true)}); err != nil || n != standardRows+localRows {
		t.Fatalf("resident's picker: %d, %v", n, err)
	}
	if err := w.svc.ExportCategories(as(auth.RoleGridWorker, w.gridA11), &bytes.Buffer{}); err != nil {
		t.Fatalf("grid worker's export: %v", err)
	}
}

// TestDepartmentWritesAreScoped: a department belongs to its region.
func testDepartmentWritesAreScoped(t *testing.T, w *world) {
	db := w.db
	adminA := as(auth.RoleAdmin, w.streetA)
	heat := mustDept(t, w.svc, "供热公司", category.DeptUtility, w.county)

	// Street A's admin registers a property company in its community …
	prop, err := w.svc.CreateDepartment(adminA, category.DepartmentInput{Name: "物业公司", Kind: category.DeptProperty, RegionID: w.commA1.ID})
	if err != nil {
		t.Fatal(err)
	}
	// … but not in street B, nor at the district.
	for _, r := range []int64{w.commB1.ID, w.county.ID} {
		_, err := w.svc.CreateDepartment(adminA, category.DepartmentInput{Name: "物业公司二", Kind: category.DeptProperty, RegionID: r})
		wantErr(t, err, apperr.Forbidden, "")
	}
	_, err = w.svc.CreateDepartment(context.Background(), category.DepartmentInput{Name: "物业公司二", Kind: category.DeptProperty, RegionID: w.commA1.ID})
	wantErr(t, err, apperr.Unauthenticated, "")
	_, err = w.svc.CreateDepartment(as(auth.RoleGridWorker, w.commA1), category.DepartmentInput{Name: "物业公司二", Kind: category.DeptProperty, RegionID: w.commA1.ID})
	wantErr(t, err, apperr.Forbidden, "")
	// The district's company is not street A's to change.
	_, err = w.svc.UpdateDepartment(adminA, heat.ID, category.DepartmentUpdate{Phone: ptr("12345")})
	wantErr(t, err, apperr.Forbidden, "")
	err = w.svc.DeleteDepartment(adminA, heat.ID)
	wantErr(t, err, apperr.Forbidden, "")
	inA := mustUser(t, db, "worker-a", grantAt(auth.RoleDepartment, w.commA1))
	inB := mustUser(t, db, "worker-b", grantAt(auth.RoleDepartment, w.commB1))
	err = w.svc.AddMember(adminA, heat.ID, inA)
	wantErr(t, err, apperr.Forbidden, "")
	// Nor may it enrol an account it cannot see.
	err = w.svc.AddMember(adminA, prop.ID, inB)
	wantErr(t, err, apperr.Forbidden, "")
	if err := w.svc.AddMember(adminA, prop.ID, inA); err != nil {
		t.Fatal(err)
	}
	err = w.svc.RemoveMember(adminA, heat.ID, inA)
	wantErr(t, err, apperr.Forbidden, "")
	if n := count(t, db, "departments"); n != 2 {
		t.Fatalf("departments: %d", n)
	}
	if n := count(t, db, "department_members"); n != 1 {
		t.Fatalf("memberships: %d", n)
	}
	if d, err := w.svc.FindDepartmentByID(sys(), heat.ID); err != nil || d.Phone != heat.Phone {
		t.Fatalf("refused update changed the department: %+v, %v", d, err)
	}
}
