package territory_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/territory"
)

// badRow is a RowError reduced to what the test asserts.
type badRow struct {
	Row   int
	Code  apperr.Code
	Field string
}

func reduce(t *testing.T, bad []apperr.RowError) []badRow {
	t.Helper()
	out := make([]badRow, len(bad))
	for i, b := range bad {
		out[i] = badRow{b.Row, b.Err.Code, b.Err.Field}
		if b.Err.Msg.ZH == "" || b.Err.Msg.EN == "" || strings.Contains(b.Err.Msg.ZH+b.Err.Msg.EN, "%!") {
			t.Errorf("row %d: bad message %+v", b.Row, b.Err.Msg)
		}
	}
	return out
}

func TestImport(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		// Already in the database: 水韵名都 1号楼, 1单元, room 101.
		old, err := w.svc.CreateBuilding(sys(), territory.BuildingInput{GridID: w.gridA11.ID, Compound: "水韵名都", Name: "1号楼", Kind: territory.BuildingKindBuilding})
		if err != nil {
			t.Fatal(err)
		}
		u, err := w.svc.CreateUnit(sys(), territory.UnitInput{BuildingID: old.ID, Name: "1单元"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.CreateHousehold(sys(), territory.HouseholdInput{UnitID: u.ID, Room: "101", Kind: territory.HouseholdOwner}); err != nil {
			t.Fatal(err)
		}
		admin := as(auth.RoleAdmin, w.streetA) // place.write in street A only
		a11, a12, b1 := w.gridA11.Code, w.gridA12.Code, w.gridB1.Code

		buildings := []territory.BuildingRow{
			{Row: 2, GridCode: a11, Compound: "水韵名都", Name: "2号楼", Kind: "building", Address: "建国路27号", Floors: 6},
			{Row: 3, GridCode: a11, Compound: "水韵名都", Name: "3号楼", Kind: "楼栋", Lon: ptr(116.02), Lat: ptr(39.95), Floors: 18},
			{Row: 4, GridCode: "11010500100100", Name: "4号楼", Kind: "building"},
			{Row: 5, GridCode: "110105001001099", Name: "5号楼", Kind: "building"},
			{Row: 6, GridCode: b1, Name: "6号楼", Kind: "building"},
			{Row: 7, GridCode: a11, Name: "7号楼", Kind: "tower"},
			{Row: 8, GridCode: a11, Name: "8号楼", Kind: "building", Lon: ptr(116.0)},
			{Row: 9, GridCode: a11, Name: "9号楼", Kind: "building", Floors: -1},
			{Row: 10, GridCode: a11, Compound: "水韵名都", Name: "2号楼", Kind: "building"},
			{Row: 11, GridCode: a11, Compound: " 水韵名都 ", Name: "1号楼", Kind: "building"},
			{Row: 12, GridCode: a11, Compound: "水韵名都", Name: " ", Kind: "building"},
			{Row: 13, GridCode: a12, Compound: "东窑村", Name: "张家院", Kind: "院落"},
			{Row: 14, GridCode: a11, Name: "2号楼", Kind: "building"},
			{Row: 15, GridCode: a11, Name: "15号楼", Kind: "building", Address: strings.Repeat("路", 201)},
			{Row: 16, GridCode: "", Name: "16号楼", Kind: "building"},
		}
		wantBadBuildings := []badRow{
			{4, apperr.Invalid, "grid_code"},
			{5, apperr.NotFound, "grid_code"},
			{6, apperr.Forbidden, "grid_code"},
			{7, apperr.Invalid, "kind"},
			{8, apperr.Invalid, "lat"},
			{9, apperr.Invalid, "floors"},
			{10, apperr.Conflict, "name"},
			{11, apperr.Conflict, "name"},
			{12, apperr.Invalid, "name"},
			{15, apperr.Invalid, "address"},
			{16, apperr.Invalid, "grid_code"},
		}
		households := []territory.HouseholdRow{
			{Row: 2, GridCode: a11, Compound: "水韵名都", Building: "2号楼", Unit: "1单元", Room: "101", Kind: "owner", AreaM2: ptr(89.5)},
			{Row: 3, GridCode: a11, Compound: "水韵名都", Building: "2号楼", Unit: "1单元", Room: "102", Kind: "出租"},
			{Row: 4, GridCode: a11, Compound: "水韵名都", Building: "2号楼", Unit: "2单元", Room: "101", Kind: "vacant"},
			{Row: 5, GridCode: a11, Compound: "水韵名都", Building: "2号楼", Unit: "1单元", Room: "101", Kind: "owner"},
			{Row: 6, GridCode: a11, Compound: "水韵名都", Building: "1号楼", Unit: "1单元", Room: "101", Kind: "owner"},
			{Row: 7, GridCode: a11, Compound: "水韵名都", Building: "99号楼", Unit: "1单元", Room: "101", Kind: "owner"},
			{Row: 8, GridCode: a11, Compound: "水韵名都", Building: "2号楼", Unit: "1单元", Room: "103", Kind: "owned"},
			{Row: 9, GridCode: a11, Compound: "水韵名都", Building: "2号楼", Unit: "1单元", Room: "104", Kind: "owner", AreaM2: ptr(-1.0)},
			{Row: 10, GridCode: a11, Compound: "水韵名都", Building: "2号楼", Unit: "1单元", Room: "", Kind: "owner"},
			{Row: 11, GridCode: b1, Compound: "水韵名都", Building: "2号楼", Unit: "1单元", Room: "101", Kind: "owner"},
			{Row: 12, GridCode: a12, Compound: "东窑村", Building: "张家院", Unit: "", Room: "1", Kind: "other"},
			{Row: 13, GridCode: a11, Compound: "水韵名都", Building: "1号楼", Unit: "1单元", Room: "102", Kind: "owner"},
			{Row: 14, GridCode: a11, Compound: "水韵名都", Building: "6号楼", Unit: "1单元", Room: "101", Kind: "owner"},
		}
		wantBadHouseholds := []badRow{
			{5, apperr.Conflict, "room"},
			{6, apperr.Conflict, "room"},
			{7, apperr.NotFound, "building"},
			{8, apperr.Invalid, "kind"},
			{9, apperr.Invalid, "area_m2"},
			{10, apperr.Invalid, "room"},
			{11, apperr.Forbidden, "grid_code"},
			{14, apperr.NotFound, "building"},
		}

		importAll := func(tx *sqldb.Tx) {
			t.Helper()
			n, bad, err := w.svc.ImportBuildings(admin, tx, buildings)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantBadBuildings, reduce(t, bad)); diff != "" || n != 4 {
				t.Errorf("buildings: created %d, want 4; bad rows (-want +got):\n%s", n, diff)
			}
			n, bad, err = w.svc.ImportHouseholds(admin, tx, households)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantBadHouseholds, reduce(t, bad)); diff != "" || n != 5 {
				t.Errorf("households: created %d, want 5; bad rows (-want +got):\n%s", n, diff)
			}
		}
		tables := func() [3]int {
			return [3]int{count(t, db, "buildings"), count(t, db, "units"), count(t, db, "households")}
		}
		before := tables()

		// The importer's default: bad rows, so the caller rolls back and
		// nothing is written.
		rollback := errors.New("bad rows")
		err = db.Transact(admin, func(tx *sqldb.Tx) error {
			importAll(tx)
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		if after := tables(); after != before {
			t.Fatalf("rows after rollback = %v, want %v", after, before)
		}

		// Good rows only: committed.
		if err := db.Transact(admin, func(tx *sqldb.Tx) error { importAll(tx); return nil }); err != nil {
			t.Fatal(err)
		}
		if after, want := tables(), [3]int{before[0] + 4, before[1] + 3, before[2] + 5}; after != want {
			t.Fatalf("rows after import = %v, want %v (units 1单元, 2单元 and the courtyard's)", after, want)
		}

		// Export streams them back, ordered, ready to re-import.
		var gotB []territory.BuildingRow
		if err := w.svc.EachBuilding(admin, w.streetA.ID, func(r territory.BuildingRow) error {
			gotB = append(gotB, r)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		wantB := []territory.BuildingRow{
			{GridCode: a11, Compound: "水韵名都", Name: "1号楼", Kind: "building"},
			{GridCode: a11, Compound: "水韵名都", Name: "2号楼", Kind: "building", Address: "建国路27号", Floors: 6},
			{GridCode: a11, Compound: "水韵名都", Name: "3号楼", Kind: "building", Lon: ptr(116.02), Lat: ptr(39.95), Floors: 18},
			{GridCode: a11, Name: "2号楼", Kind: "building"},
			{GridCode: a12, Compound: "东窑村", Name: "张家院", Kind: "courtyard"},
		}
		if diff := cmp.Diff(wantB, gotB); diff != "" {
			t.Errorf("EachBuilding (-want +got):\n%s", diff)
		}
		var gotH []territory.HouseholdRow
		if err := w.svc.EachHousehold(admin, 0, func(r territory.HouseholdRow) error {
			gotH = append(gotH, r)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		wantH := []territory.HouseholdRow{
			{GridCode: a11, Compound: "水韵名都", Building: "1号楼", Unit: "1单元", Room: "101", Kind: "owner"},
			{GridCode: a11, Compound: "水韵名都", Building: "1号楼", Unit: "1单元", Room: "102", Kind: "owner"},
			{GridCode: a11, Compound: "水韵名都", Building: "2号楼", Unit: "1单元", Room: "101", Kind: "owner", AreaM2: ptr(89.5)},
			{GridCode: a11, Compound: "水韵名都", Building: "2号楼", Unit: "1单元", Room: "102", Kind: "rented"},
			{GridCode: a11, Compound: "水韵名都", Building: "2号楼", Unit: "2单元", Room: "101", Kind: "vacant"},
			{GridCode: a12, Compound: "东窑村", Building: "张家院", Unit: "", Room: "1", Kind: "other"},
		}
		if diff := cmp.Diff(wantH, gotH); diff != "" {
			t.Errorf("EachHousehold (-want +got):\n%s", diff)
		}
		stop := errors.New("stop")
		n := 0
		if err := w.svc.EachHousehold(admin, 0, func(territory.HouseholdRow) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
			t.Errorf("EachHousehold does not stop on fn's error: %v after %d", err, n)
		}

		// Re-importing the same rows reports every one as a duplicate.
		err = db.Transact(admin, func(tx *sqldb.Tx) error {
			n, bad, err := w.svc.ImportHouseholds(admin, tx, households[:4])
			if err != nil || n != 0 || len(bad) != 4 {
				t.Errorf("re-import: created %d, bad %v, %v", n, reduce(t, bad), err)
			}
			// Keys resolve to households and their paths.
			keys := []territory.HouseholdKey{
				{GridCode: a11, Compound: "水韵名都", Building: "2号楼", Unit: "2单元", Room: "101"},
				{GridCode: a12, Compound: "东窑村", Building: "张家院", Unit: "", Room: "1"},
				{GridCode: a11, Compound: "水韵名都", Building: "2号楼", Unit: "2单元", Room: "999"},
				{GridCode: "110105001001099", Compound: "水韵名都", Building: "2号楼", Unit: "2单元", Room: "101"},
			}
			refs, err := w.svc.ResolveHouseholds(admin, tx, keys)
			if err != nil {
				return err
			}
			if len(refs) != 2 || refs[keys[0]].RegionPath != w.gridA11.Path || refs[keys[1]].RegionPath != w.gridA12.Path || refs[keys[0]].ID == 0 {
				t.Errorf("resolved: %+v", refs)
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}

		// Without place.write nothing is imported at all.
		err = db.Transact(admin, func(tx *sqldb.Tx) error {
			_, _, err := w.svc.ImportBuildings(as(auth.RoleLeader, w.streetA), tx, buildings)
			return err
		})
		wantErr(t, err, apperr.Forbidden, "")
	})
}
