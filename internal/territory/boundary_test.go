package territory_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/territory"
)

// Community A1 is the square [116.00,116.10]×[39.90,40.00]; its two grids
// split it into a west and an east half.
const (
	x0, xm, x1 = 116.00, 116.05, 116.10
	y0, y1     = 39.90, 40.00
)

func TestBoundaryValidation(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := sys()
		from := date(2026, 1, 1)
		bad := []struct {
			name, geo, reason string // reason: a fragment of the English message
		}{
			{"empty", ``, "required"},
			{"not JSON", `{"type": "Polygon", "coordinates": [[[116,39],`, "not valid JSON"},
			{"array", `[1, 2]`, "GeoJSON object"},
			{"no type", `{"coordinates": []}`, "no type"},
			{"point", `{"type": "Point", "coordinates": [116, 39]}`, "not a Point"},
			{"line", `{"type": "LineString", "coordinates": [[116, 39], [117, 40]]}`, "not a LineString"},
			{"feature with a point", `{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [116, 39]}}`, "not a Point"},
			{"feature without geometry", `{"type": "Feature", "properties": {}, "geometry": null}`, "no geometry"},
			{"two features", `{"type": "FeatureCollection", "features": [` +
				`{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}},` +
				`{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,0]]]}}]}`, "exactly one feature"},
			{"no features", `{"type": "FeatureCollection", "features": []}`, "exactly one feature"},
			{"coordinates malformed", `{"type": "Polygon", "coordinates": [[116, 39], [117, 40]]}`, "malformed"},
			{"ring not closed", `{"type": "Polygon", "coordinates": [[[116,39],[117,39],[117,40],[116,40]]]}`, "not closed"},
			{"three positions", `{"type": "Polygon", "coordinates": [[[116,39],[117,39],[116,39]]]}`, "at least 4"},
			{"repeated positions", `{"type": "Polygon", "coordinates": [[[116,39],[117,39],[117,39],[116,39]]]}`, "fewer than 4"},
			{"longitude out of range", `{"type": "Polygon", "coordinates": [[[116,39],[181,39],[117,40],[116,39]]]}`, "out of range"},
			{"latitude out of range", `{"type": "Polygon", "coordinates": [[[116,39],[117,-91],[117,40],[116,39]]]}`, "out of range"},
			{"bow tie", `{"type": "Polygon", "coordinates": [[[116,39],[117,40],[117,39],[116,40],[116,39]]]}`, "intersects itself"},
			{"spike", `{"type": "Polygon", "coordinates": [[[116,39],[117,39],[117,40],[117,41],[117,40],[116,40],[116,39]]]}`, "intersects itself"},
			{"zero area", `{"type": "Polygon", "coordinates": [[[116,39],[116.5,39.5],[117,40],[116,39]]]}`, "zero area"},
			{"hole outside", `{"type": "Polygon", "coordinates": [[[116,39],[117,39],[117,40],[116,40],[116,39]],[[118,39],[119,39],[119,40],[118,39]]]}`, "outside the outer ring"},
			{"hole crossing", `{"type": "Polygon", "coordinates": [[[116,39],[117,39],[117,40],[116,40],[116,39]],[[116.5,39.5],[117.5,39.5],[117.5,39.7],[116.5,39.5]]]}`, "intersect"},
			{"overlapping parts", `{"type": "MultiPolygon", "coordinates": [[[[116,39],[117,39],[117,40],[116,40],[116,39]]],[[[116.5,39.5],[117.5,39.5],[117.5,40.5],[116.5,40.5],[116.5,39.5]]]]}`, "overlap"},
		}
		for _, b := range bad {
			err := w.svc.SetBoundary(ctx, w.commA1.ID, []byte(b.geo), from)
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Invalid || e.Field != "geojson" || !strings.Contains(e.Msg.EN, b.reason) || e.Msg.ZH == "" {
				t.Errorf("%s: got %v; want invalid geojson with %q", b.name, err, b.reason)
			}
		}
		err := w.svc.SetBoundary(ctx, w.commA1.ID, box(x0, y0, x1, y1), time.Time{})
		wantErr(t, err, apperr.Invalid, "valid_from")
		if n := count(t, db, "region_boundaries"); n != 0 {
			t.Fatalf("%d boundaries written by bad input", n)
		}

		// The wrappers and a MultiPolygon are accepted.
		good := []string{
			`{"type": "Feature", "properties": {"name": "A1"}, "geometry": ` + string(box(x0, y0, x1, y1)) + `}`,
			`{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": ` + string(box(x0, y0, x1, y1)) + `}]}`,
			`{"type": "MultiPolygon", "coordinates": [[[[116,39],[116.1,39],[116.1,39.1],[116,39]]],[[[116.1,39],[116.2,39],[116.2,39.1],[116.1,39]]]]}`,
			`{"type": "Polygon", "coordinates": [[[116,39,50],[117,39,50],[117,40,50],[116,40,50],[116,39,50]],[[116.2,39.2],[116.4,39.2],[116.4,39.4],[116.2,39.2]]]}`,
		}
		for i, g := range good {
			if err := w.svc.SetBoundary(ctx, w.commA2.ID, []byte(g), from.AddDate(0, 0, i)); err != nil {
				t.Errorf("good boundary %d: %v", i, err)
			}
		}
	})
}

func TestGridBoundaries(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := sys()
		from := date(2026, 1, 1)

		// Before its community has a boundary, a grid is checked only
		// against its siblings.
		mustBoundary(t, w.svc, w.commA1, box(x0, y0, x1, y1), from)
		// Two halves tile the community: they share the edge x = xm, and the
		// west half has an extra vertex on it (a T-junction).
		west := polygonJSON([2]float64{x0, y0}, [2]float64{xm, y0}, [2]float64{xm, 39.95}, [2]float64{xm, y1}, [2]float64{x0, y1})
		mustBoundary(t, w.svc, w.gridA11, west, from)
		mustBoundary(t, w.svc, w.gridA12, box(xm, y0, x1, y1), from)

		a13 := mustRegion(t, w.svc, w.commA1.ID, territory.LevelGrid, "110105001001003", "建国里第三网格")
		before := count(t, db, "region_boundaries")
		// Overlapping the west half: named.
		err := w.svc.SetBoundary(ctx, a13.ID, box(116.04, 39.92, 116.045, 39.93), from)
		wantErr(t, err, apperr.Invalid, "geojson")
		if e := apperr.As(err); !strings.Contains(e.Msg.EN, w.gridA11.Code) || !strings.Contains(e.Msg.ZH, w.gridA11.Code) {
			t.Errorf("overlap error does not name grid %s: %+v", w.gridA11.Code, e.Msg)
		}
		// Identical to the east half, with every vertex on its boundary.
		err = w.svc.SetBoundary(ctx, a13.ID, box(xm, y0, x1, y1), from)
		wantErr(t, err, apperr.Invalid, "geojson")
		if e := apperr.As(err); !strings.Contains(e.Msg.EN, w.gridA12.Code) {
			t.Errorf("overlap error does not name grid %s: %+v", w.gridA12.Code, e.Msg)
		}
		// Straddling both halves, all vertices on their edges.
		err = w.svc.SetBoundary(ctx, a13.ID, box(116.02, y0, 116.08, y1), from)
		wantErr(t, err, apperr.Invalid, "geojson")
		// Outside the community.
		err = w.svc.SetBoundary(ctx, a13.ID, box(116.09, 39.95, 116.11, 39.96), from)
		wantErr(t, err, apperr.Invalid, "geojson")
		if e := apperr.As(err); !strings.Contains(e.Msg.EN, "outside") || !strings.Contains(e.Msg.ZH, w.commA1.Name) {
			t.Errorf("outside error: %+v", e.Msg)
		}
		if n := count(t, db, "region_boundaries"); n != before {
			t.Fatalf("boundaries after rejected grids = %d, want %d", n, before)
		}

		// Grids of another community are not siblings: A2's grid may lie
		// anywhere its (boundless) community allows.
		mustBoundary(t, w.svc, w.gridA21, box(xm, y0, x1, y1), from)

		// Shrinking the east half frees room for the third grid, which then
		// shares edges with both.
		mustBoundary(t, w.svc, w.gridA12, box(xm, 39.95, x1, y1), date(2026, 2, 1))
		mustBoundary(t, w.svc, a13, box(xm, y0, x1, 39.95), date(2026, 2, 1))
	})
}

func TestBoundaryVersions(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := sys()
		v1, v2 := box(x0, y0, x1, y1), box(x0, y0, 116.2, y1)
		// A time in Beijing on 1 January is still 31 December in UTC: the
		// date is the caller's calendar date.
		beijing := time.FixedZone("CST", 8*3600)
		mustBoundary(t, w.svc, w.commA1, v1, time.Date(2025, 1, 1, 6, 0, 0, 0, beijing))
		mustBoundary(t, w.svc, w.commA1, v2, date(2026, 1, 1))

		b, err := w.svc.BoundaryAt(ctx, w.commA1.ID, date(2025, 6, 1))
		if err != nil {
			t.Fatal(err)
		}
		if !b.ValidFrom.Equal(date(2025, 1, 1)) || b.ValidTo == nil || !b.ValidTo.Equal(date(2026, 1, 1)) || b.Bound.Max[0] != x1 {
			t.Errorf("v1: from %v to %v bound %v", b.ValidFrom, b.ValidTo, b.Bound)
		}
		for _, d := range []time.Time{date(2026, 1, 1), date(2030, 1, 1)} {
			b, err = w.svc.BoundaryAt(ctx, w.commA1.ID, d)
			if err != nil || b.ValidTo != nil || b.Bound.Max[0] != 116.2 || !strings.Contains(string(b.GeoJSON), "116.2") {
				t.Errorf("v2 on %v: %+v, %v", d, b, err)
			}
		}
		_, err = w.svc.BoundaryAt(ctx, w.commA1.ID, date(2024, 12, 31))
		wantErr(t, err, apperr.NotFound, "")

		// A version cannot start before the current one.
		err = w.svc.SetBoundary(ctx, w.commA1.ID, v1, date(2025, 12, 31))
		wantErr(t, err, apperr.Invalid, "valid_from")
		// The same day replaces the current version outright.
		mustBoundary(t, w.svc, w.commA1, v1, date(2026, 1, 1))
		hist, err := w.svc.BoundaryHistory(ctx, w.commA1.ID)
		if err != nil || len(hist) != 2 || hist[1].Bound.Max[0] != x1 || hist[1].ValidTo != nil || hist[0].ValidTo == nil {
			t.Fatalf("history = %d versions, %v", len(hist), err)
		}
	})
}

func TestFindGridAt(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := sys()
		from := date(2026, 1, 1)
		mustBoundary(t, w.svc, w.streetA, box(x0, y0, 116.3, y1), from)
		mustBoundary(t, w.svc, w.commA1, box(x0, y0, x1, y1), from)
		mustBoundary(t, w.svc, w.gridA11, box(x0, y0, xm, y1), from)
		// The east half of A1 is not yet in any grid.

		// A fresh service builds its index from the database.
		svc := territory.NewService(db)
		if err := svc.LoadIndex(as("admin", w.county)); apperr.CodeOf(err) != apperr.Forbidden {
			t.Fatalf("LoadIndex by an admin: %v; want forbidden (system only)", err)
		}
		if err := svc.LoadIndex(ctx); err != nil {
			t.Fatal(err)
		}
		if n := svc.Index().Len(); n != 3 {
			t.Errorf("index holds %d regions, want 3", n)
		}
		at := func(s *territory.Service, lon, lat float64) string {
			t.Helper()
			r, err := s.FindGridAt(ctx, lon, lat)
			if apperr.CodeOf(err) == apperr.NotFound {
				return ""
			}
			if err != nil {
				t.Fatalf("FindGridAt(%v, %v): %v", lon, lat, err)
			}
			return r.Code
		}
		if got := at(svc, 116.02, 39.95); got != w.gridA11.Code {
			t.Errorf("west half: %q", got)
		}
		if got := at(svc, 116.07, 39.95); got != "" {
			t.Errorf("east half before its grid: %q, want not found", got)
		}
		_, err := svc.FindGridAt(ctx, 120, 30)
		wantErr(t, err, apperr.NotFound, "")
		_, err = svc.FindGridAt(ctx, 200, 30)
		wantErr(t, err, apperr.Invalid, "lon")

		// No grid: the smallest region holding the point.
		for _, c := range []struct {
			lon  float64
			want string
		}{{116.02, w.gridA11.Code}, {116.07, w.commA1.Code}, {116.2, w.streetA.Code}} {
			r, err := svc.FindRegionAt(ctx, c.lon, 39.95)
			if err != nil || r.Code != c.want {
				t.Errorf("FindRegionAt(%v) = %v, %v; want %s", c.lon, r, err, c.want)
			}
		}
		_, err = svc.FindRegionAt(ctx, 120, 30)
		wantErr(t, err, apperr.NotFound, "")

		// A committed boundary reaches the index after commit.
		if err := svc.SetBoundary(ctx, w.gridA12.ID, box(xm, y0, x1, y1), from); err != nil {
			t.Fatal(err)
		}
		if got := at(svc, 116.07, 39.95); got != w.gridA12.Code {
			t.Errorf("east half after SetBoundary: %q", got)
		}
		// A renamed grid is renamed in the index too.
		if _, err := svc.UpdateRegion(ctx, w.gridA12.ID, territory.RegionUpdate{Name: ptr("东半网格")}); err != nil {
			t.Fatal(err)
		}
		if r, _ := svc.FindGridAt(ctx, 116.07, 39.95); r == nil || r.Name != "东半网格" {
			t.Errorf("renamed grid in index: %+v", r)
		}

		// A boundary changed in a transaction that rolls back never reaches it.
		rollback := errors.New("roll back")
		err = db.Transact(ctx, func(tx *sqldb.Tx) error {
			if err := svc.SetBoundaryTx(ctx, tx, w.gridA12.ID, box(xm, y0, x1, 39.95), date(2026, 2, 1)); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		if got := at(svc, 116.07, 39.97); got != w.gridA12.Code {
			t.Errorf("after rollback: %q, want the old boundary's grid", got)
		}
		// Committed through SetBoundaryTx, it does.
		err = db.Transact(ctx, func(tx *sqldb.Tx) error {
			return svc.SetBoundaryTx(ctx, tx, w.gridA12.ID, box(xm, y0, x1, 39.95), date(2026, 2, 1))
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := at(svc, 116.07, 39.97); got != "" {
			t.Errorf("after the shrink committed: %q, want none", got)
		}
		if got := at(svc, 116.07, 39.92); got != w.gridA12.Code {
			t.Errorf("inside the shrunk grid: %q", got)
		}

		// Scope: a grid worker finds its own grid, not its neighbour's.
		worker := as("grid_worker", w.gridA11)
		if r, err := svc.FindGridAt(worker, 116.02, 39.95); err != nil || r.ID != w.gridA11.ID {
			t.Errorf("worker's own grid: %v, %v", r, err)
		}
		_, err = svc.FindGridAt(worker, 116.07, 39.92)
		wantErr(t, err, apperr.Forbidden, "")
	})
}
