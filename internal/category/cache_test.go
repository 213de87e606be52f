package category_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// clock is a test clock that moves only when told to.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// TestSnapshotAcrossProcesses: two services on one database stand for two
// serve processes. Edits show at once in the process that made them, a
// code new to the other process is found at once, and the other process's
// policies and departments catch up within a minute.
func TestSnapshotAcrossProcesses(t *testing.T) {
	t.Parallel()
	for _, engine := range []struct {
		name string
		open func(testing.TB, sqldbtest.Options) *sqldb.DB
	}{{"sqlite", sqldbtest.SQLite}, {"postgres", sqldbtest.Postgres}} {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel()
			clk := &clock{t: testNow}
			db := engine.open(t, sqldbtest.Options{Now: clk.Now})
			a := seededWorld(t, newWorld(t, db))
			b := category.NewService(db, nil)
			ctx := context.Background()
			limit := func(svc *category.Service) string {
				t.Helper()
				l, err := svc.LimitFor(ctx, "LE0102", category.Normal, category.TierGrid, category.StepHandle)
				if err != nil {
					t.Fatal(err)
				}
				return l.String()
			}
			if got := limit(b); got != "4wh" {
				t.Fatalf("b before: %s", got)
			}
			if _, err := a.svc.CreateTimeLimit(sys(), category.TimeLimitInput{CategoryCode: "LE0102", Step: category.StepHandle, Limit: "1wh"}); err != nil {
				t.Fatal(err)
			}
			if got := limit(a.svc); got != "1wh" {
				t.Fatalf("a after its own edit: %s", got)
			}
			if got := limit(b); got != "4wh" {
				t.Fatalf("b within the refresh interval: %s (the snapshot should still serve)", got)
			}
			// A new code is found at once, and brings the rest along.
			if _, err := a.svc.CreateCategory(sys(), category.CategoryInput{Code: "LE0109", ParentCode: "LE01", Kind: category.KindEvent,
				NameZH: "井喷", Local: true}); err != nil {
				t.Fatal(err)
			}
			if c, err := b.FindCategoryByCode(ctx, "LE0109"); err != nil || c.ParentCode != "LE01" {
				t.Fatalf("b finds the new code: %+v, %v", c, err)
			}
			if got := limit(b); got != "1wh" {
				t.Fatalf("b after reloading for the new code: %s", got)
			}
			// Departments catch up after a minute.
			heat, err := a.svc.CreateDepartment(sys(), category.DepartmentInput{Name: "供热公司", Kind: category.DeptUtility, RegionID: a.county.ID})
			if err != nil {
				t.Fatal(err)
			}
			_, err = b.DepartmentFor(ctx, "LE0102", a.gridA11.Path)
			wantErr(t, err, apperr.NotFound, "")
			clk.Advance(61 * time.Second)
			if d, err := b.DepartmentFor(ctx, "LE0102", a.gridA11.Path); err != nil || d.ID != heat.ID {
				t.Fatalf("b after a minute: %+v, %v", d, err)
			}
			// What the cache hands out is a copy.
			c, _ := b.FindCategoryByCode(ctx, "LE0102")
			c.HandleLimit.Amount, c.NameZH = 99, "改了"
			if c2, _ := b.FindCategoryByCode(ctx, "LE0102"); c2.HandleLimit.Amount != 4 || c2.NameZH != "供热管道漏水" {
				t.Fatalf("a caller changed the cache: %+v", c2)
			}
		})
	}
}
