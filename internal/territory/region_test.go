package territory_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/territory"
)

func TestRegionTree(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := sys()

		// Paths are the chains of ids, kinds come from the code ranges.
		want := fmt.Sprintf("/%d/%d/%d/%d/", w.county.ID, w.streetA.ID, w.commA1.ID, w.gridA11.ID)
		if w.gridA11.Path != want {
			t.Errorf("grid path = %q, want %q", w.gridA11.Path, want)
		}
		for r, k := range map[*territory.Region]territory.Kind{w.county: territory.KindDistrict, w.streetA: territory.KindStreet,
			w.commA1: territory.KindCommunity, w.gridA11: territory.KindGrid} {
			if r.Kind != k {
				t.Errorf("%s kind = %s, want %s", r.Code, r.Kind, k)
			}
		}
		got, err := w.svc.FindRegionByID(ctx, w.gridA11.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(w.gridA11, got); diff != "" {
			t.Errorf("FindRegionByID (-created +found):\n%s", diff)
		}
		if got.CreatedAt != testNow {
			t.Errorf("created_at = %v, want %v", got.CreatedAt, testNow)
		}
		if got, err := w.svc.FindRegionByCode(ctx, "110105002001"); err != nil || got.ID != w.commB1.ID {
			t.Errorf("FindRegionByCode = %v, %v", got, err)
		}
		_, err = w.svc.FindRegionByID(ctx, 999999)
		wantErr(t, err, apperr.NotFound, "")

		// A town and a village: kinds from the ranges.
		town := mustRegion(t, w.svc, w.county.ID, territory.LevelTownship, "110105101000", "金盏镇")
		village := mustRegion(t, w.svc, town.ID, territory.LevelVillage, "110105101201", "东窑村")
		if town.Kind != territory.KindTown || village.Kind != territory.KindVillage {
			t.Errorf("kinds: town %s, village %s", town.Kind, village.Kind)
		}

		// Bad input names the field and writes nothing.
		before := count(t, db, "regions")
		bad := []struct {
			in    territory.RegionInput
			code  apperr.Code
			field string
		}{
			{territory.RegionInput{ParentID: w.commA1.ID, Level: territory.LevelGrid, Code: "110105001001001", Name: "重复"}, apperr.Conflict, "code"},
			{territory.RegionInput{ParentID: w.commA1.ID, Level: territory.LevelGrid, Code: "110105001002009", Name: "错社区"}, apperr.Invalid, "code"},
			{territory.RegionInput{ParentID: w.commA1.ID, Level: territory.LevelGrid, Code: "1101050010010x1", Name: "字母"}, apperr.Invalid, "code"},
			{territory.RegionInput{ParentID: w.streetA.ID, Level: territory.LevelVillage, Code: "110105001450", Name: "超范围"}, apperr.Invalid, "code"},
			{territory.RegionInput{ParentID: w.streetA.ID, Level: territory.LevelGrid, Code: "110105001001009", Name: "错上级"}, apperr.Invalid, "parent_id"},
			{territory.RegionInput{Level: territory.LevelGrid, Code: "110105001001009", Name: "无上级"}, apperr.Invalid, "parent_id"},
			{territory.RegionInput{ParentID: 424242, Level: territory.LevelGrid, Code: "110105001001009", Name: "上级不存在"}, apperr.Invalid, "parent_id"},
			{territory.RegionInput{ParentID: w.commA1.ID, Level: territory.LevelGrid, Code: "110105001001009", Name: "  "}, apperr.Invalid, "name"},
			{territory.RegionInput{ParentID: w.commA1.ID, Level: "street", Code: "110105001001009", Name: "级别"}, apperr.Invalid, "level"},
			{territory.RegionInput{Level: territory.LevelCounty, Code: "990105", Name: "无此省"}, apperr.Invalid, "code"},
		}
		for _, b := range bad {
			_, err := w.svc.CreateRegion(ctx, b.in)
			wantErr(t, err, b.code, b.field)
		}
		if n := count(t, db, "regions"); n != before {
			t.Errorf("regions after bad input = %d, want %d", n, before)
		}

		// Rename.
		r, err := w.svc.UpdateRegion(ctx, w.gridA12.ID, territory.RegionUpdate{Name: ptr("建国里二网格")})
		if err != nil || r.Name != "建国里二网格" {
			t.Fatalf("UpdateRegion = %v, %v", r, err)
		}
		_, err = w.svc.UpdateRegion(ctx, w.gridA12.ID, territory.RegionUpdate{Name: ptr("")})
		wantErr(t, err, apperr.Invalid, "name")

		// Filters and paging.
		list, total, err := w.svc.FindRegions(ctx, territory.RegionFilter{Level: ptr(territory.LevelGrid)})
		if err != nil || total != 4 {
			t.Fatalf("FindRegions(grid) = %d, %v", total, err)
		}
		if diff := cmp.Diff([]string{"110105001001001", "110105001001002", "110105001002001", "110105002001001"}, codes(list)); diff != "" {
			t.Errorf("grids (-want +got):\n%s", diff)
		}
		list, total, _ = w.svc.FindRegions(ctx, territory.RegionFilter{SubtreeOf: &w.streetA.ID, Limit: 2, Offset: 1})
		if diff := cmp.Diff([]string{"110105001001", "110105001001001"}, codes(list)); diff != "" || total != 6 {
			t.Errorf("subtree of street A, page 2 of 2: total %d (-want +got):\n%s", total, diff)
		}
		list, _, _ = w.svc.FindRegions(ctx, territory.RegionFilter{ParentID: &w.commA1.ID})
		if diff := cmp.Diff([]string{"110105001001001", "110105001001002"}, codes(list)); diff != "" {
			t.Errorf("children of A1 (-want +got):\n%s", diff)
		}
		list, _, _ = w.svc.FindRegions(ctx, territory.RegionFilter{NameContains: ptr("永安")})
		if diff := cmp.Diff([]string{"110105001002", "110105001002001"}, codes(list)); diff != "" {
			t.Errorf("name contains 永安 (-want +got):\n%s", diff)
		}
		list, _, _ = w.svc.FindRegions(ctx, territory.RegionFilter{NameContains: ptr("100%")})
		if len(list) != 0 {
			t.Errorf("LIKE wildcards not escaped: %v", codes(list))
		}

		// PathOf serves sign-in without an actor, and checks one when present.
		if p, err := w.svc.PathOf(t.Context(), w.gridB1.ID); err != nil || p != w.gridB1.Path {
			t.Errorf("PathOf = %q, %v", p, err)
		}
		_, err = w.svc.PathOf(as(auth.RoleGridWorker, w.gridA11), w.gridB1.ID)
		wantErr(t, err, apperr.Forbidden, "")
		_, err = w.svc.PathOf(t.Context(), 999999)
		wantErr(t, err, apperr.NotFound, "")

		// Without an actor nothing is served.
		_, _, err = w.svc.FindRegions(t.Context(), territory.RegionFilter{})
		wantErr(t, err, apperr.Unauthenticated, "")
	})
}

func TestCityRoot(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		svc := territory.NewService(db)
		city := mustRegion(t, svc, 0, territory.LevelCity, "370100", "济南市")
		county := mustRegion(t, svc, city.ID, territory.LevelCounty, "370102", "历下区")
		if county.Path != fmt.Sprintf("/%d/%d/", city.ID, county.ID) || county.Kind != territory.KindDistrict {
			t.Errorf("county under city: %+v", county)
		}
		_, err := svc.CreateRegion(sys(), territory.RegionInput{ParentID: city.ID, Level: territory.LevelCounty, Code: "370202", Name: "市南区"})
		wantErr(t, err, apperr.Invalid, "code")
		// Only the system creates roots.
		_, err = svc.CreateRegion(as(auth.RoleAdmin, city), territory.RegionInput{Level: territory.LevelCounty, Code: "370181", Name: "章丘区"})
		wantErr(t, err, apperr.Forbidden, "")
		// An admin of the city creates under it.
		if _, err := svc.CreateRegion(as(auth.RoleAdmin, city), territory.RegionInput{ParentID: city.ID, Level: territory.LevelCounty,
			Code: "370181", Name: "章丘区", Kind: territory.KindDistrict}); err != nil {
			t.Fatal(err)
		}
	})
}
