package ledger

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// The acceptance test of the ledger: a 50,000-resident workbook (with the
// 125 buildings and 12,500 households it needs) with exactly 100 bad rows
// at random positions reports exactly those rows and, by default, writes
// nothing at all.
func TestImport50kWithBadRows(t *testing.T) {
	bad := plantBad(20260306, 50000, 100)
	book := generatedBook(t, genSpec{grids: spec50k.grids, buildingsPerGrid: spec50k.buildingsPerGrid,
		unitsPerBuilding: spec50k.unitsPerBuilding, roomsPerUnit: spec50k.roomsPerUnit, residentsPerRoom: spec50k.residentsPerRoom, bad: bad})
	want := map[int]bool{}
	for row := range bad {
		want[row] = true
	}
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		fx := newFixture(t, db, spec50k.grids)
		before := fx.counts(t)
		var calls, lastDone, lastTotal int
		rep, err := fx.im.Import(fx.ctx, bytes.NewReader(book), ImportOptions{Progress: func(done, total int) {
			calls++
			lastDone, lastTotal = done, total
		}})
		if err != nil {
			t.Fatal(err)
		}
		got := map[int]bool{}
		for _, e := range rep.Errors {
			if e.Sheet != SheetResidents {
				t.Errorf("unexpected error %s", ErrorLine(e, "en"))
				continue
			}
			got[e.Row] = true
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("bad rows (-planted +reported):\n%s", d)
		}
		if len(rep.Errors) != 100 {
			t.Errorf("%d errors for 100 bad rows", len(rep.Errors))
		}
		wantSheets := []SheetReport{
			{Name: SheetBuildings, Title: "楼栋", Rows: 125},
			{Name: SheetHouseholds, Title: "房屋", Rows: 12500},
			{Name: SheetResidents, Title: "居民", Rows: 50000, Bad: 100},
		}
		if d := cmp.Diff(wantSheets, rep.Sheets); d != "" {
			t.Errorf("sheets (-want +got):\n%s", d)
		}
		if rep.Applied {
			t.Error("Applied = true")
		}
		if d := cmp.Diff(before, fx.counts(t)); d != "" {
			t.Errorf("the import wrote (-before +after):\n%s", d)
		}
		if calls < 10 || lastDone != 62625 || lastTotal != 62625 {
			t.Errorf("progress: %d calls, last %d/%d", calls, lastDone, lastTotal)
		}
	})
}

// BenchmarkImport50k imports the 50,000-resident ledger (62,625 rows in
// all). "rollback" has 100 bad rows, so each run does all the work of both
// passes and rolls back; "commit" is a clean file into an empty database.
func BenchmarkImport50k(b *testing.B) {
	dbs := map[string]func(testing.TB) *sqldb.DB{
		"sqlite":   func(tb testing.TB) *sqldb.DB { return sqldbtest.SQLite(tb, sqldbtest.Options{}) },
		"postgres": func(tb testing.TB) *sqldb.DB { return sqldbtest.Postgres(tb, sqldbtest.Options{}) },
	}
	clean := generatedBook(b, spec50k)
	s := spec50k
	s.bad = plantBad(1, 50000, 100)
	dirty := generatedBook(b, s)
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine+"/rollback", func(b *testing.B) {
			fx := newFixture(b, dbs[engine](b), spec50k.grids)
			b.ResetTimer()
			for range b.N {
				rep, err := fx.im.Import(fx.ctx, bytes.NewReader(dirty), ImportOptions{})
				if err != nil || len(rep.Errors) != 100 || rep.Applied {
					b.Fatalf("err %v, %d errors, applied %v", err, len(rep.Errors), rep.Applied)
				}
			}
			b.ReportMetric(float64(62625*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
		b.Run(engine+"/commit", func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				fx := newFixture(b, dbs[engine](b), spec50k.grids)
				b.StartTimer()
				rep, err := fx.im.Import(fx.ctx, bytes.NewReader(clean), ImportOptions{})
				if err != nil || !rep.OK() || !rep.Applied {
					b.Fatalf("err %v, %v", err, rep.Lines("en"))
				}
			}
			b.ReportMetric(float64(62625*b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
