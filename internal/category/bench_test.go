package category_test

import (
	"context"
	"testing"

	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// BenchmarkLimitFor measures the lookup every intake and every timer tick
// makes, on SQLite with the seeded dictionary and a few policies.
func BenchmarkLimitFor(b *testing.B) {
	db := sqldbtest.SQLite(b, opts())
	w := seededWorld(b, newWorld(b, db))
	for _, p := range []category.TimeLimitInput{
		{Step: category.StepHandle, Tier: category.TierStreet, Limit: "3wd"},
		{CategoryCode: "LE01", Urgency: category.Urgent, Step: category.StepHandle, Limit: "1h"},
	} {
		if _, err := w.svc.CreateTimeLimit(sys(), p); err != nil {
			b.Fatal(err)
		}
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := w.svc.LimitFor(ctx, "LE0102", category.Urgent, category.TierGrid, category.StepHandle); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDepartmentFor measures routing a case to its department.
func BenchmarkDepartmentFor(b *testing.B) {
	db := sqldbtest.SQLite(b, opts())
	w := seededWorld(b, newWorld(b, db))
	if _, err := w.svc.CreateDepartment(sys(), category.DepartmentInput{Name: "供热公司", Kind: category.DeptUtility, RegionID: w.county.ID}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := w.svc.DepartmentFor(ctx, "LE0102", w.gridA11.Path); err != nil {
				b.Fatal(err)
			}
		}
	})
}
