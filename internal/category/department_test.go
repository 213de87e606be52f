package category_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/territory"
)

func mustDept(t *testing.T, svc *category.Service, name, kind string, r *territory.Region) *category.Department {
	t.Helper()
	d, err := svc.CreateDepartment(sys(), category.DepartmentInput{Name: name, Kind: kind, RegionID: r.ID, Phone: "010-6512 3456"})
	if err != nil {
		t.Fatalf("create department %s at %s: %v", name, r.Code, err)
	}
	return d
}

func testDepartmentFor(t *testing.T, w *world) {
	// The heating company is registered at the district; the property
	// company at the community and, another one, at the street.
	heat := mustDept(t, w.svc, "供热公司", category.DeptUtility, w.county)
	propA1 := mustDept(t, w.svc, "物业公司", category.DeptProperty, w.commA1)
	propStreetA := mustDept(t, w.svc, "物业公司", category.DeptProperty, w.streetA)
	residents := mustDept(t, w.svc, "社区居委会", category.DeptGovernment, w.commA1)
	emergency := mustDept(t, w.svc, "应急管理局", category.DeptGovernment, w.county)

	ctx := context.Background() // routing runs for anonymous intake too
	for _, tc := range []struct {
		name string
		code string
		at   *territory.Region
		want *category.Department
	}{
		{"heating main at a grid of a community, department at the district", "LE0102", w.gridA11, heat},
		{"heating main at a community", "LE0102", w.commA1, heat},
		{"heating main at the district itself", "LE0102", w.county, heat},
		{"home too cold, another street", "LS0506", w.commB1, heat},
		{"the nearest of two namesakes wins", "LS0501", w.gridA11, propA1},
		{"a sibling community gets the street's", "LS0501", w.commA2, propStreetA},
		// 宠物扰民 names 社区居委会, registered at the community.
		{"category's own name", "LS0504", w.gridA11, residents},
		// 燃气公司 is registered nowhere: its class 突发事件 names 应急管理局.
		{"no department of the category's name: the class's", "LE0105", w.gridA11, emergency},
	} {
		got, err := w.svc.DepartmentFor(ctx, tc.code, tc.at.Path)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	// Not found: the category names a department registered nowhere on
	// the way up (another street's community has no 社区居委会), or none.
	_, err := w.svc.DepartmentFor(ctx, "LS0504", w.commB1.Path)
	wantErr(t, err, apperr.NotFound, "")
	_, err = w.svc.DepartmentFor(ctx, "S0102", w.gridA11.Path)
	wantErr(t, err, apperr.NotFound, "")
	_, err = w.svc.DepartmentFor(ctx, "E99999", w.gridA11.Path)
	wantErr(t, err, apperr.NotFound, "")
	_, err = w.svc.DepartmentFor(ctx, "", w.gridA11.Path)
	wantErr(t, err, apperr.Invalid, "category")
	_, err = w.svc.DepartmentFor(ctx, "LE0102", "1/2")
	wantErr(t, err, apperr.Invalid, "region_path")
	// A district with no heating company: NotFound, also with the class's name missing.
	if err := w.svc.DeleteDepartment(sys(), heat.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.DeleteDepartment(sys(), emergency.ID); err != nil {
		t.Fatal(err)
	}
	_, err = w.svc.DepartmentFor(ctx, "LE0102", w.gridA11.Path)
	wantErr(t, err, apperr.NotFound, "")
}

func testDepartmentCRUDAndMembers(t *testing.T, w *world) {
	db := w.db
	ctx := sys()
	before := count(t, db, "departments")
	d := mustDept(t, w.svc, "供热公司", category.DeptUtility, w.county)
	if d.RegionPath != w.county.Path || d.RegionID != w.county.ID || !d.CreatedAt.Equal(testNow) {
		t.Fatalf("created: %+v", d)
	}
	for _, tc := range []struct {
		in    category.DepartmentInput
		code  apperr.Code
		field string
	}{
		{category.DepartmentInput{Name: " ", Kind: category.DeptUtility, RegionID: w.county.ID}, apperr.Invalid, "name"},
		{category.DepartmentInput{Name: "自来水公司", Kind: "water", RegionID: w.county.ID}, apperr.Invalid, "kind"},
		{category.DepartmentInput{Name: "自来水公司", Kind: category.DeptUtility, RegionID: w.county.ID, Phone: "call me"}, apperr.Invalid, "phone"},
		{category.DepartmentInput{Name: "自来水公司", Kind: category.DeptUtility, RegionID: 9999}, apperr.Invalid, "region_id"},
		{category.DepartmentInput{Name: "供热公司", Kind: category.DeptUtility, RegionID: w.county.ID}, apperr.Conflict, "name"},
	} {
		_, err := w.svc.CreateDepartment(ctx, tc.in)
		wantErr(t, err, tc.code, tc.field)
	}
	if n := count(t, db, "departments"); n != before+1 {
		t.Fatalf("departments after bad input: %d", n)
	}
	// The same name at another region is another department.
	other := mustDept(t, w.svc, "供热公司", category.DeptUtility, w.streetB)

	d, err := w.svc.UpdateDepartment(ctx, d.ID, category.DepartmentUpdate{Name: ptr("朝阳供热公司"), Phone: ptr("")})
	if err != nil || d.Name != "朝阳供热公司" || d.Phone != "" {
		t.Fatalf("update: %+v, %v", d, err)
	}
	_, err = w.svc.UpdateDepartment(ctx, d.ID, category.DepartmentUpdate{Kind: ptr("water")})
	wantErr(t, err, apperr.Invalid, "kind")

	worker := mustUser(t, db, "heat1", grantAt(auth.RoleDepartment, w.county))
	if err := w.svc.AddMember(ctx, d.ID, worker); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.AddMember(ctx, d.ID, worker); err != nil { // idempotent
		t.Fatal(err)
	}
	if err := w.svc.AddMember(ctx, other.ID, worker); err != nil {
		t.Fatal(err)
	}
	err = w.svc.AddMember(ctx, d.ID, 9999)
	wantErr(t, err, apperr.Invalid, "user_id")
	err = w.svc.AddMember(ctx, 9999, worker)
	wantErr(t, err, apperr.NotFound, "")

	// The member sees its departments, without region.read.
	self := auth.WithActor(context.Background(), &auth.Actor{UserID: worker, Name: "heat1"})
	mine, err := w.svc.DepartmentsOfUser(self, worker)
	if err != nil || len(mine) != 2 || mine[0].ID != d.ID || mine[1].ID != other.ID {
		t.Fatalf("departments of the member: %v, %v", mine, err)
	}
	if got, err := w.svc.FindDepartmentByID(self, other.ID); err != nil || got.ID != other.ID {
		t.Fatalf("member finds its department: %v, %v", got, err)
	}
	// Street A's staff see the district's company, not street B's.
	staffA := as(auth.RoleGridWorker, w.streetA)
	seen, err := w.svc.DepartmentsOfUser(staffA, worker)
	if err != nil || len(seen) != 1 || seen[0].ID != d.ID {
		t.Fatalf("departments of the member seen by street A: %v, %v", seen, err)
	}
	_, err = w.svc.FindDepartmentByID(staffA, other.ID)
	wantErr(t, err, apperr.Forbidden, "")
	list, n, err := w.svc.FindDepartments(staffA, category.DepartmentFilter{NameContains: ptr("供热")})
	if err != nil || n != 1 || list[0].ID != d.ID {
		t.Fatalf("departments seen by street A: %v (%d), %v", list, n, err)
	}
	list, n, err = w.svc.FindDepartments(sys(), category.DepartmentFilter{NameContains: ptr("供热")})
	if err != nil || n != 2 || len(list) != 2 {
		t.Fatalf("all heating companies: %d, %v", n, err)
	}
	if ids, err := w.svc.FindMembers(ctx, d.ID); err != nil || !cmp.Equal(ids, []int64{worker}) {
		t.Fatalf("members: %v, %v", ids, err)
	}
	if err := w.svc.RemoveMember(ctx, d.ID, worker); err != nil {
		t.Fatal(err)
	}
	if mine, _ := w.svc.DepartmentsOfUser(self, worker); len(mine) != 1 {
		t.Fatalf("after removal: %v", mine)
	}
	// Deleting a department drops its memberships.
	if err := w.svc.DeleteDepartment(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "department_members"); n != 0 {
		t.Fatalf("memberships after delete: %d", n)
	}
	_, err = w.svc.FindDepartmentByID(ctx, other.ID)
	wantErr(t, err, apperr.NotFound, "")
}
