package cases_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/territory"
)

// TestCaseFilters on both engines: the filters Open311 reads with (ids,
// exact codes, public or a condition of another package, the last change,
// a box by the case's point or its building's) are applied in SQL, within
// the actor's scope, and the newest-first order pages stably with the
// total before paging.
func TestCaseFilters(t *testing.T) {
	t.Parallel()
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, cases.Options{})
		lon, lat := 117.004, 36.604
		tower, err := f.terr.CreateBuilding(sys(), territory.BuildingInput{GridID: f.grid1.ID, Compound: "水韵名都", Name: "28号楼",
			Kind: territory.BuildingKindBuilding, Lon: &lon, Lat: &lat})
		if err != nil {
			t.Fatal(err)
		}
		// a: in 28号楼 with no point of its own; b: a public point in grid 2;
		// c: a point in grid 1; d: a public leak at a point in grid 1.
		f.at(local(2026, 3, 9, 9, 0))
		a := f.report(f.resident, cases.ReportInput{Channel: cases.ChannelResident, Category: "LE0102", Title: "管道漏水", BuildingID: tower.ID})
		f.at(local(2026, 3, 9, 9, 10))
		b := f.report(f.resident, cases.ReportInput{Channel: cases.ChannelResident, Category: "E06010", Title: "垃圾", Lon: fp(117.015), Lat: fp(36.605), Public: true})
		f.at(local(2026, 3, 9, 9, 20))
		c := f.report(f.resident, cases.ReportInput{Channel: cases.ChannelResident, Category: "E06010", Title: "垃圾", Lon: fp(117.005), Lat: fp(36.605)})
		f.at(local(2026, 3, 9, 9, 30))
		d := f.report(f.resident, cases.ReportInput{Channel: cases.ChannelResident, Category: "LE0102", Title: "漏水", Lon: fp(117.008), Lat: fp(36.602), Public: true})
		changed := local(2026, 3, 9, 10, 0)
		f.at(changed)
		f.act(f.dispatcher, b, cases.ActInput{Action: cases.ActRegister})

		yes, no := true, false
		isA := func(w *sqldb.Where) string { return "id = " + w.Arg(a.ID) }
		isB := func(w *sqldb.Where) string { return "id = " + w.Arg(b.ID) }
		for _, x := range []struct {
			what   string
			as     *auth.Actor
			filter cases.CaseFilter
			want   []int64
		}{
			{"newest first", nil, cases.CaseFilter{}, []int64{d.ID, c.ID, b.ID, a.ID}},
			{"ids", nil, cases.CaseFilter{IDs: []int64{a.ID, c.ID, 999999}}, []int64{c.ID, a.ID}},
			{"exact codes", nil, cases.CaseFilter{Categories: []string{" le0102", "S0102"}}, []int64{d.ID, a.ID}},
			{"a class is no code", nil, cases.CaseFilter{Categories: []string{"LE01"}}, []int64{}},
			{"public", nil, cases.CaseFilter{Public: &yes}, []int64{d.ID, b.ID}},
			{"not public", nil, cases.CaseFilter{Public: &no}, []int64{c.ID, a.ID}},
			{"a condition alone", nil, cases.CaseFilter{PublicOr: isA}, []int64{a.ID}},
			{"public or a condition", nil, cases.CaseFilter{Public: &yes, PublicOr: isA}, []int64{d.ID, b.ID, a.ID}},
			{"changed from", nil, cases.CaseFilter{UpdatedFrom: &changed}, []int64{b.ID}},
			{"changed before", nil, cases.CaseFilter{UpdatedTo: &changed}, []int64{d.ID, c.ID, a.ID}},
			{"box of grid 2", nil, cases.CaseFilter{BBox: &[4]float64{117.01, 36.60, 117.02, 36.61}}, []int64{b.ID}},
			{"box of grid 1", nil, cases.CaseFilter{BBox: &[4]float64{117.00, 36.60, 117.01, 36.61}}, []int64{d.ID, c.ID, a.ID}},
			{"the building's point", nil, cases.CaseFilter{BBox: &[4]float64{117.004, 36.604, 117.004, 36.604}}, []int64{a.ID}},
			{"an empty box", nil, cases.CaseFilter{BBox: &[4]float64{116.0, 36.0, 116.5, 36.5}}, []int64{}},
			{"reported window", nil, cases.CaseFilter{From: new(local(2026, 3, 9, 9, 10)), To: new(local(2026, 3, 9, 9, 30))}, []int64{c.ID, b.ID}},
			{"combined", nil, cases.CaseFilter{Categories: []string{"E06010"}, Public: &no, BBox: &[4]float64{117.0, 36.6, 117.02, 36.61}}, []int64{c.ID}},
			// The actor's scope still bounds every filter, a condition too.
			{"grid 2's worker, public", f.worker2, cases.CaseFilter{Public: &yes}, []int64{b.ID}},
			{"grid 1's worker, public or b", f.worker1, cases.CaseFilter{Public: &yes, PublicOr: isB}, []int64{d.ID}},
		} {
			ctx := sys()
			if x.as != nil {
				ctx = as(x.as)
			}
			x.filter.Order = cases.OrderNewest
			got, total, err := f.svc.FindCases(ctx, x.filter)
			if err != nil {
				t.Fatalf("%s: %v", x.what, err)
			}
			if d := cmp.Diff(x.want, ids(got)); d != "" || total != len(x.want) {
				t.Errorf("%s: total %d (-want +got):\n%s", x.what, total, d)
			}
		}

		// Pages of the newest-first order follow each other.
		var walked []int64
		for off := 0; off < 4; off += 3 {
			page, total, err := f.svc.FindCases(sys(), cases.CaseFilter{Order: cases.OrderNewest, Offset: off, Limit: 3})
			if err != nil || total != 4 {
				t.Fatalf("page at %d: total %d, %v", off, total, err)
			}
			walked = append(walked, ids(page)...)
		}
		if d := cmp.Diff([]int64{d.ID, c.ID, b.ID, a.ID}, walked); d != "" {
			t.Errorf("pages (-want +got):\n%s", d)
		}
	})
}
