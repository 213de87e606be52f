package territory_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/territory"
)

// places puts one building with one unit and one household in each grid of
// the world, returning them by grid code.
type gridPlaces struct {
	building *territory.Building
	unit     *territory.Unit
	house    *territory.Household
	point    *territory.ServicePoint
}

func mustPlaces(t *testing.T, w *world) map[string]gridPlaces {
	t.Helper()
	ctx := sys()
	out := map[string]gridPlaces{}
	for _, g := range []*territory.Region{w.gridA11, w.gridA12, w.gridA21, w.gridB1} {
		b, err := w.svc.CreateBuilding(ctx, territory.BuildingInput{GridID: g.ID, Compound: "水韵名都", Name: "27号楼", Kind: territory.BuildingKindBuilding,
			Lon: ptr(116.02), Lat: ptr(39.95), Floors: 6})
		if err != nil {
			t.Fatal(err)
		}
		u, err := w.svc.CreateUnit(ctx, territory.UnitInput{BuildingID: b.ID, Name: "1单元"})
		if err != nil {
			t.Fatal(err)
		}
		h, err := w.svc.CreateHousehold(ctx, territory.HouseholdInput{UnitID: u.ID, Room: "101", Kind: territory.HouseholdOwner, AreaM2: ptr(89.5)})
		if err != nil {
			t.Fatal(err)
		}
		p, err := w.svc.CreateServicePoint(ctx, territory.ServicePointInput{RegionID: g.ParentID, Kind: territory.ServicePointMediationRoom,
			Name: g.Name + "调解室", Lon: 116.02, Lat: 39.95, Phone: "010-6500 1234", Hours: "周一至周五 8:30–17:30"})
		if err != nil {
			t.Fatal(err)
		}
		out[g.Code] = gridPlaces{b, u, h, p}
	}
	return out
}

func TestScopeIsolation(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		pl := mustPlaces(t, w)
		a, b := pl[w.gridA11.Code], pl[w.gridB1.Code]
		forbidden := func(what string, err error) {
			t.Helper()
			if apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("%s: %v; want forbidden", what, err)
			}
		}

		// A grid worker of grid A11 sees and changes A11 and nothing else.
		worker := as(auth.RoleGridWorker, w.gridA11)
		if r, err := w.svc.FindRegionByID(worker, w.gridA11.ID); err != nil || r.ID != w.gridA11.ID {
			t.Errorf("own grid: %v, %v", r, err)
		}
		for _, g := range []*territory.Region{w.gridA12, w.gridB1, w.commA1, w.streetA} {
			_, err := w.svc.FindRegionByID(worker, g.ID)
			forbidden("read region "+g.Code, err)
		}
		_, err := w.svc.FindRegionByCode(worker, w.gridB1.Code)
		forbidden("read region B by code", err)
		list, total, err := w.svc.FindRegions(worker, territory.RegionFilter{})
		if err != nil || total != 1 || list[0].ID != w.gridA11.ID {
			t.Errorf("worker's regions: %v (%d), %v", codes(list), total, err)
		}
		_, err = w.svc.UpdateRegion(worker, w.gridB1.ID, territory.RegionUpdate{Name: ptr("x")})
		forbidden("rename grid B", err)
		_, err = w.svc.UpdateRegion(worker, w.gridA11.ID, territory.RegionUpdate{Name: ptr("x")})
		forbidden("rename own grid (no region.write)", err)
		forbidden("set boundary of B", w.svc.SetBoundary(worker, w.gridB1.ID, box(x0, y0, x1, y1), date(2026, 1, 1)))
		_, err = w.svc.CreateRegion(worker, territory.RegionInput{ParentID: w.commB1.ID, Level: territory.LevelGrid, Code: "110105002001009", Name: "x"})
		forbidden("create grid in B", err)

		_, err = w.svc.FindBuildingByID(worker, b.building.ID)
		forbidden("read building B", err)
		_, err = w.svc.FindGridOfBuilding(worker, b.building.ID)
		forbidden("grid of building B", err)
		if g, err := w.svc.FindGridOfBuilding(worker, a.building.ID); err != nil || g.ID != w.gridA11.ID {
			t.Errorf("grid of own building: %v, %v", g, err)
		}
		bl, total, err := w.svc.FindBuildings(worker, territory.BuildingFilter{})
		if err != nil || total != 1 || bl[0].ID != a.building.ID {
			t.Errorf("worker's buildings: %d, %v", total, err)
		}
		bl, _, _ = w.svc.FindBuildings(worker, territory.BuildingFilter{GridID: &w.gridB1.ID})
		if len(bl) != 0 {
			t.Errorf("worker lists %d buildings of grid B", len(bl))
		}
		_, err = w.svc.UpdateBuilding(worker, b.building.ID, territory.BuildingUpdate{Name: ptr("x")})
		forbidden("update building B", err)
		forbidden("delete building B", w.svc.DeleteBuilding(worker, b.building.ID))
		nb := count(t, db, "buildings")
		_, err = w.svc.CreateBuilding(worker, territory.BuildingInput{GridID: w.gridB1.ID, Name: "1号楼", Kind: territory.BuildingKindBuilding})
		forbidden("create building in B", err)
		if n := count(t, db, "buildings"); n != nb {
			t.Errorf("buildings = %d after a forbidden create, want %d", n, nb)
		}

		_, err = w.svc.FindUnitByID(worker, b.unit.ID)
		forbidden("read unit B", err)
		_, err = w.svc.CreateUnit(worker, territory.UnitInput{BuildingID: b.building.ID, Name: "9单元"})
		forbidden("create unit B", err)
		_, err = w.svc.UpdateUnit(worker, b.unit.ID, territory.UnitUpdate{Name: ptr("x")})
		forbidden("update unit B", err)
		forbidden("delete unit B", w.svc.DeleteUnit(worker, b.unit.ID))
		ul, total, _ := w.svc.FindUnits(worker, territory.UnitFilter{})
		if total != 1 || ul[0].ID != a.unit.ID {
			t.Errorf("worker's units: %d", total)
		}

		_, err = w.svc.FindHouseholdByID(worker, b.house.ID)
		forbidden("read household B", err)
		_, err = w.svc.CreateHousehold(worker, territory.HouseholdInput{UnitID: b.unit.ID, Room: "102", Kind: territory.HouseholdOwner})
		forbidden("create household B", err)
		_, err = w.svc.UpdateHousehold(worker, b.house.ID, territory.HouseholdUpdate{Room: ptr("999")})
		forbidden("update household B", err)
		forbidden("delete household B", w.svc.DeleteHousehold(worker, b.house.ID))
		hl, total, _ := w.svc.FindHouseholds(worker, territory.HouseholdFilter{})
		if total != 1 || hl[0].ID != a.house.ID {
			t.Errorf("worker's households: %d", total)
		}
		hl, _, _ = w.svc.FindHouseholds(worker, territory.HouseholdFilter{BuildingID: &b.building.ID})
		if len(hl) != 0 {
			t.Errorf("worker lists %d households of building B", len(hl))
		}
		// The worker does change its own grid's places.
		if _, err := w.svc.UpdateHousehold(worker, a.house.ID, territory.HouseholdUpdate{Kind: ptr(territory.HouseholdRented)}); err != nil {
			t.Errorf("update own household: %v", err)
		}

		var exported []string
		if err := w.svc.EachBuilding(worker, 0, func(r territory.BuildingRow) error {
			exported = append(exported, r.GridCode)
			return nil
		}); err != nil || !slices.Equal(exported, []string{w.gridA11.Code}) {
			t.Errorf("worker's export: %v, %v", exported, err)
		}
		exported = nil
		if err := w.svc.EachHousehold(worker, w.streetB.ID, func(r territory.HouseholdRow) error {
			exported = append(exported, r.GridCode)
			return nil
		}); err != nil || len(exported) != 0 {
			t.Errorf("worker's export of street B: %v, %v", exported, err)
		}
		err = db.Transact(worker, func(tx *sqldb.Tx) error {
			keyA := territory.HouseholdKey{GridCode: w.gridA11.Code, Compound: "水韵名都", Building: "27号楼", Unit: "1单元", Room: "101"}
			keyB := keyA
			keyB.GridCode = w.gridB1.Code
			refs, err := w.svc.ResolveHouseholds(worker, tx, []territory.HouseholdKey{keyA, keyB})
			if err != nil {
				return err
			}
			if diff := cmp.Diff(map[territory.HouseholdKey]territory.HouseholdRef{keyA: {ID: a.house.ID, RegionPath: w.gridA11.Path}}, refs); diff != "" {
				t.Errorf("worker resolves (-want +got):\n%s", diff)
			}
			_, bad, err := w.svc.ImportBuildings(worker, tx, []territory.BuildingRow{{Row: 2, GridCode: w.gridB1.Code, Name: "2号楼", Kind: "building"}})
			if err != nil {
				return err
			}
			if len(bad) != 1 || bad[0].Err.Code != apperr.Forbidden || bad[0].Err.Field != "grid_code" {
				t.Errorf("worker imports into grid B: %v", bad)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		_, err = w.svc.FindServicePointByID(worker, b.point.ID)
		forbidden("read service point of B", err)

		// A street dispatcher and a street leader see every grid of street A
		// and nothing of street B.
		for _, role := range []auth.Role{auth.RoleDispatcher, auth.RoleLeader} {
			ctx := as(role, w.streetA)
			grids, _, err := w.svc.FindRegions(ctx, territory.RegionFilter{Level: ptr(territory.LevelGrid)})
			if diff := cmp.Diff([]string{w.gridA11.Code, w.gridA12.Code, w.gridA21.Code}, codes(grids)); diff != "" || err != nil {
				t.Errorf("%s's grids (-want +got):\n%s %v", role, diff, err)
			}
			all, total, _ := w.svc.FindRegions(ctx, territory.RegionFilter{})
			if total != 6 || slices.ContainsFunc(all, func(r *territory.Region) bool { return r.ID == w.streetB.ID || r.ID == w.county.ID }) {
				t.Errorf("%s's regions: %v", role, codes(all))
			}
			for _, g := range []*territory.Region{w.gridA11, w.gridA12, w.gridA21} {
				if _, err := w.svc.FindRegionByID(ctx, g.ID); err != nil {
					t.Errorf("%s reads %s: %v", role, g.Code, err)
				}
				if _, err := w.svc.FindBuildingByID(ctx, pl[g.Code].building.ID); err != nil {
					t.Errorf("%s reads building of %s: %v", role, g.Code, err)
				}
			}
			_, err = w.svc.FindRegionByID(ctx, w.gridB1.ID)
			forbidden(string(role)+" reads grid B", err)
			_, err = w.svc.FindRegionByID(ctx, w.county.ID)
			forbidden(string(role)+" reads the county", err)
			_, err = w.svc.FindBuildingByID(ctx, b.building.ID)
			forbidden(string(role)+" reads building B", err)
			_, err = w.svc.FindHouseholdByID(ctx, b.house.ID)
			forbidden(string(role)+" reads household B", err)
			if _, total, _ := w.svc.FindBuildings(ctx, territory.BuildingFilter{}); total != 3 {
				t.Errorf("%s lists %d buildings, want 3", role, total)
			}
			if _, total, _ := w.svc.FindHouseholds(ctx, territory.HouseholdFilter{}); total != 3 {
				t.Errorf("%s lists %d households, want 3", role, total)
			}
			if _, total, _ := w.svc.FindServicePoints(ctx, territory.ServicePointFilter{}); total != 3 {
				t.Errorf("%s lists %d service points, want 3", role, total)
			}
			// Reading is not writing.
			_, err = w.svc.CreateBuilding(ctx, territory.BuildingInput{GridID: w.gridA11.ID, Name: "1号楼", Kind: territory.BuildingKindBuilding})
			forbidden(string(role)+" creates a building", err)
		}

		// No actor, no data.
		_, err = w.svc.FindBuildingByID(context.Background(), a.building.ID)
		wantErr(t, err, apperr.Unauthenticated, "")
	})
}

func TestPlaces(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		pl := mustPlaces(t, w)
		a := pl[w.gridA11.Code]
		admin := as(auth.RoleAdmin, w.streetA)

		got, err := w.svc.FindBuildingByID(admin, a.building.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(a.building, got); diff != "" {
			t.Errorf("building (-created +found):\n%s", diff)
		}
		if *got.Lon != 116.02 || got.RegionPath != w.gridA11.Path || got.CreatedAt != testNow {
			t.Errorf("building: %+v", got)
		}
		h, err := w.svc.FindHouseholdByID(admin, a.house.ID)
		if err != nil || *h.AreaM2 != 89.5 || h.BuildingID != a.building.ID || h.RegionPath != w.gridA11.Path {
			t.Errorf("household: %+v, %v", h, err)
		}

		// Bad input names the field and writes nothing.
		nb, nh := count(t, db, "buildings"), count(t, db, "households")
		badBuildings := []struct {
			in    territory.BuildingInput
			code  apperr.Code
			field string
		}{
			{territory.BuildingInput{GridID: w.gridA11.ID, Compound: "水韵名都", Name: "27号楼", Kind: "building"}, apperr.Conflict, "name"},
			{territory.BuildingInput{GridID: w.commA1.ID, Name: "1号楼", Kind: "building"}, apperr.Invalid, "grid_id"},
			{territory.BuildingInput{GridID: 999999, Name: "1号楼", Kind: "building"}, apperr.Invalid, "grid_id"},
			{territory.BuildingInput{GridID: w.gridA11.ID, Name: "", Kind: "building"}, apperr.Invalid, "name"},
			{territory.BuildingInput{GridID: w.gridA11.ID, Name: "1号楼", Kind: "tower"}, apperr.Invalid, "kind"},
			{territory.BuildingInput{GridID: w.gridA11.ID, Name: "1号楼", Kind: "building", Lon: ptr(116.0)}, apperr.Invalid, "lat"},
			{territory.BuildingInput{GridID: w.gridA11.ID, Name: "1号楼", Kind: "building", Lon: ptr(116.0), Lat: ptr(95.0)}, apperr.Invalid, "lat"},
			{territory.BuildingInput{GridID: w.gridA11.ID, Name: "1号楼", Kind: "building", Floors: -1}, apperr.Invalid, "floors"},
		}
		for _, c := range badBuildings {
			_, err := w.svc.CreateBuilding(admin, c.in)
			wantErr(t, err, c.code, c.field)
		}
		_, err = w.svc.CreateUnit(admin, territory.UnitInput{BuildingID: a.building.ID, Name: "1单元"})
		wantErr(t, err, apperr.Conflict, "unit")
		_, err = w.svc.CreateHousehold(admin, territory.HouseholdInput{UnitID: a.unit.ID, Room: "101", Kind: territory.HouseholdOwner})
		wantErr(t, err, apperr.Conflict, "room")
		_, err = w.svc.CreateHousehold(admin, territory.HouseholdInput{UnitID: a.unit.ID, Room: "102", Kind: "owned"})
		wantErr(t, err, apperr.Invalid, "kind")
		_, err = w.svc.CreateHousehold(admin, territory.HouseholdInput{UnitID: a.unit.ID, Room: "102", Kind: territory.HouseholdOwner, AreaM2: ptr(-3.0)})
		wantErr(t, err, apperr.Invalid, "area_m2")
		if count(t, db, "buildings") != nb || count(t, db, "households") != nh {
			t.Error("bad input wrote rows")
		}

		// Updates, a courtyard with its single unnamed unit, deletes.
		b, err := w.svc.UpdateBuilding(admin, a.building.ID, territory.BuildingUpdate{Name: ptr("28号楼"), ClearLocation: true, Floors: ptr(18)})
		if err != nil || b.Name != "28号楼" || b.Lon != nil || b.Floors != 18 {
			t.Fatalf("update building: %+v, %v", b, err)
		}
		yard, err := w.svc.CreateBuilding(admin, territory.BuildingInput{GridID: w.gridA12.ID, Compound: "东窑村", Name: "张家院", Kind: territory.BuildingKindCourtyard})
		if err != nil {
			t.Fatal(err)
		}
		u, err := w.svc.CreateUnit(admin, territory.UnitInput{BuildingID: yard.ID})
		if err != nil || u.Name != "" {
			t.Fatalf("courtyard unit: %+v, %v", u, err)
		}
		_, err = w.svc.CreateHousehold(admin, territory.HouseholdInput{UnitID: u.ID, Room: "1", Kind: territory.HouseholdOther})
		if err != nil {
			t.Fatal(err)
		}
		err = w.svc.DeleteBuilding(admin, yard.ID)
		wantErr(t, err, apperr.Conflict, "")
		hs, _, _ := w.svc.FindHouseholds(admin, territory.HouseholdFilter{UnitID: &u.ID})
		if err := w.svc.DeleteHousehold(admin, hs[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.DeleteBuilding(admin, yard.ID); err != nil {
			t.Fatal(err)
		}
		_, err = w.svc.FindBuildingByID(admin, yard.ID)
		wantErr(t, err, apperr.NotFound, "")

		// Service points.
		p, err := w.svc.UpdateServicePoint(admin, a.point.ID, territory.ServicePointUpdate{Kind: ptr(territory.ServicePointWarmStation), Hours: ptr("全天")})
		if err != nil || p.Kind != territory.ServicePointWarmStation || p.Hours != "全天" {
			t.Fatalf("update service point: %+v, %v", p, err)
		}
		_, err = w.svc.CreateServicePoint(admin, territory.ServicePointInput{RegionID: w.commA1.ID, Kind: "gym", Name: "x", Lon: 116, Lat: 39})
		wantErr(t, err, apperr.Invalid, "kind")
		_, err = w.svc.CreateServicePoint(admin, territory.ServicePointInput{RegionID: w.commA1.ID, Kind: territory.ServicePointPolicePost, Name: "x", Lon: 116, Lat: 39, Phone: "call me"})
		wantErr(t, err, apperr.Invalid, "phone")
		_, err = w.svc.CreateServicePoint(admin, territory.ServicePointInput{RegionID: w.commB1.ID, Kind: territory.ServicePointPolicePost, Name: "x", Lon: 116, Lat: 39})
		wantErr(t, err, apperr.Forbidden, "")
		sps, _, _ := w.svc.FindServicePoints(admin, territory.ServicePointFilter{Kind: ptr(territory.ServicePointWarmStation)})
		if len(sps) != 1 || sps[0].ID != a.point.ID {
			t.Errorf("warm stations: %d", len(sps))
		}
		if err := w.svc.DeleteServicePoint(admin, a.point.ID); err != nil {
			t.Fatal(err)
		}
	})
}
