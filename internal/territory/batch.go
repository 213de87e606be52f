package territory

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// The batch API serves the Excel ledger importer and exporter and the demo
// generator. Imports run inside the caller's transaction, check every row
// with lookups before writing (so no constraint violation ever aborts the
// transaction), report one apperr.RowError per bad row and write the good
// ones; the caller decides whether to commit. Lookups are cached per grid
// for the whole batch, so 50,000 rows cost a few hundred queries besides
// the inserts.

// BuildingRow is one row of the buildings sheet. Row is the 1-based sheet
// row for error reports (zero in exports).
type BuildingRow struct {
	Row                                     int
	GridCode, Compound, Name, Kind, Address string
	Lon, Lat                                *float64
	Floors                                  int
}

// HouseholdRow is one row of the households sheet. Unit is "" for a
// courtyard or bungalow without units.
type HouseholdRow struct {
	Row                                            int
	GridCode, Compound, Building, Unit, Room, Kind string
	AreaM2                                         *float64
}

// HouseholdKey locates a household for the residents sheet.
type HouseholdKey struct {
	GridCode, Compound, Building, Unit, Room string
}

// HouseholdRef is a resolved household.
type HouseholdRef struct {
	ID         int64
	RegionPath string
}

// Keys of the per-grid caches.
type (
	placeKey struct{ compound, name string }
	unitKey  struct {
		building int64
		name     string
	}
	roomKey struct {
		building   int64
		unit, room string
	}
)

// batchGrid is what one batch knows of one grid code.
type batchGrid struct {
	id   int64
	code string
	path string
	err  error // why rows cannot use this code; nil when they can

	buildings    map[placeKey]int64 // (compound, name) → building id
	batchRows    map[placeKey]int   // buildings added by this batch → their sheet row
	units        map[unitKey]int64  // (building, unit name) → unit id
	rooms        map[roomKey]int    // existing rooms → 0, or the sheet row that added them
	placesLoaded bool
}

// batch caches the lookups of one import or resolution inside tx.
type batch struct {
	tx    *sqldb.Tx
	actor *auth.Actor
	act   auth.Action
	grids map[string]*batchGrid
}

func newBatch(ctx context.Context, tx *sqldb.Tx, act auth.Action) *batch {
	return &batch{tx: tx, actor: actor(ctx), act: act, grids: map[string]*batchGrid{}}
}

// grid resolves a grid code: it must be 15 digits, name a grid, and lie in
// the actor's scope for the batch's action. Failures are cached as g.err on
// field "grid_code"; err is for unexpected failures.
func (bt *batch) grid(ctx context.Context, code string) (*batchGrid, error) {
	code = strings.TrimSpace(code)
	if g, ok := bt.grids[code]; ok {
		return g, nil
	}
	g := &batchGrid{code: code}
	bt.grids[code] = g
	switch {
	case code == "":
		g.err = apperr.Invalidf("grid_code", "请填写网格编码", "the grid code is required")
	case !digits(code) || len(code) != 15:
		g.err = apperr.Invalidf("grid_code", "网格编码“%s”应为15位数字", "grid code %q must be 15 digits", code)
	default:
		r, err := regionByCode(ctx, bt.tx, code)
		switch {
		case apperr.CodeOf(err) == apperr.NotFound:
			g.err = apperr.Newf(apperr.NotFound, "grid_code", "网格编码 %s 不存在", "grid code %s does not exist", code)
		case err != nil:
			return nil, err
		case r.Level != LevelGrid:
			g.err = apperr.Invalidf("grid_code", "编码 %[1]s 是%[2]s“%[4]s”，不是网格", "code %[1]s is the %[3]s %[4]q, not a grid",
				code, r.Level.Label().ZH, r.Level.Label().EN, r.Name)
		case !auth.Can(bt.actor, bt.act, auth.Resource{RegionPath: r.Path}):
			g.err = apperr.Newf(apperr.Forbidden, "grid_code", "网格 %s 不在您的管辖范围内", "grid %s is outside your area", code)
		default:
			g.id, g.path = r.ID, r.Path
		}
	}
	return g, nil
}

// loadBuildings fills g.buildings from the database (once).
func (bt *batch) loadBuildings(ctx context.Context, g *batchGrid) error {
	if g.buildings != nil {
		return nil
	}
	g.buildings, g.batchRows = map[placeKey]int64{}, map[placeKey]int{}
	rows, err := bt.tx.Query(ctx, `SELECT compound, name, id FROM buildings WHERE grid_id = $1`, g.id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k placeKey
		var id int64
		if err := rows.Scan(&k.compound, &k.name, &id); err != nil {
			return sqldb.Translate(err)
		}
		g.buildings[k] = id
	}
	return sqldb.Translate(rows.Err())
}

// loadPlaces fills g's buildings, units and rooms from the database (once).
func (bt *batch) loadPlaces(ctx context.Context, g *batchGrid) error {
	if g.placesLoaded {
		return nil
	}
	if err := bt.loadBuildings(ctx, g); err != nil {
		return err
	}
	g.units, g.rooms = map[unitKey]int64{}, map[roomKey]int{}
	rows, err := bt.tx.Query(ctx, `SELECT u.building_id, u.name, u.id FROM units u JOIN buildings b ON b.id = u.building_id WHERE b.grid_id = $1`, g.id)
	if err != nil {
		return err
	}
	for rows.Next() {
		var k unitKey
		var id int64
		if err := rows.Scan(&k.building, &k.name, &id); err != nil {
			rows.Close()
			return sqldb.Translate(err)
		}
		g.units[k] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return sqldb.Translate(err)
	}
	rows, err = bt.tx.Query(ctx, `SELECT h.building_id, u.name, h.room FROM households h JOIN units u ON u.id = h.unit_id WHERE h.region_path = $1`, g.path)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k roomKey
		if err := rows.Scan(&k.building, &k.unit, &k.room); err != nil {
			return sqldb.Translate(err)
		}
		g.rooms[k] = 0
	}
	if err := rows.Err(); err != nil {
		return sqldb.Translate(err)
	}
	g.placesLoaded = true
	return nil
}

// rowError turns a validation error into a RowError.
func rowError(row int, err error) apperr.RowError {
	e := apperr.As(err)
	if e == nil {
		e = apperr.Wrap(err, apperr.Invalid, "", "数据无效", "invalid data")
	}
	return apperr.RowError{Row: row, Err: e}
}

// ImportBuildings validates every row (field formats, grid exists and is a
// grid, the actor may place.write there, duplicates inside the batch and
// against the database), inserts the valid rows inside tx and returns one
// apperr.RowError per bad row (Err.Field = the column key: "grid_code",
// "compound", "name", "kind", "address", "lon", "lat", "floors"; Sheet is
// left for the caller). It never lets a constraint violation abort tx. err
// is only for unexpected failures.
func (s *Service) ImportBuildings(ctx context.Context, tx *sqldb.Tx, rows []BuildingRow) (created int, bad []apperr.RowError, err error) {
	if _, _, err := auth.Scoped(ctx, auth.ActPlaceWrite); err != nil {
		return 0, nil, err
	}
	bt := newBatch(ctx, tx, auth.ActPlaceWrite)
	ins := newBulkInsert(tx, "buildings", "grid_id, region_path, compound, name, kind, address, lon, lat, floors", "", nil)
	defer ins.close()
	for _, row := range rows {
		g, err := bt.grid(ctx, row.GridCode)
		if err != nil {
			return created, bad, fmt.Errorf("territory: import buildings: row %d: %w", row.Row, err)
		}
		if g.err != nil {
			bad = append(bad, rowError(row.Row, g.err))
			continue
		}
		f, ferr := checkBuildingFields(row.Compound, row.Name, row.Kind, row.Address, row.Lon, row.Lat, row.Floors)
		if ferr != nil {
			bad = append(bad, rowError(row.Row, ferr))
			continue
		}
		if err := bt.loadBuildings(ctx, g); err != nil {
			return created, bad, fmt.Errorf("territory: import buildings: row %d: %w", row.Row, err)
		}
		k := placeKey{f.compound, f.name}
		if first, dup := g.batchRows[k]; dup {
			bad = append(bad, rowError(row.Row, apperr.Conflictf("name", "与第%d行重复（同一网格、小区和楼栋名称）", "duplicates row %d (same grid, compound and name)", first)))
			continue
		}
		if _, dup := g.buildings[k]; dup {
			bad = append(bad, rowError(row.Row, dupBuilding(f.compound, f.name)))
			continue
		}
		if err := ins.add(ctx, g.id, g.path, f.compound, f.name, string(f.kind), f.address, f.lon, f.lat, f.floors); err != nil {
			return created, bad, fmt.Errorf("territory: import buildings: row %d: %w", row.Row, err)
		}
		// The id is not needed within the batch, only the key.
		g.buildings[k], g.batchRows[k] = 0, row.Row
		created++
	}
	if err := ins.flush(ctx); err != nil {
		return created, bad, fmt.Errorf("territory: import buildings: %w", err)
	}
	return created, bad, nil
}

// goodHousehold is a checked household row waiting for its unit.
type goodHousehold struct {
	grid *batchGrid
	unit unitKey
	f    householdFields
}

// ImportHouseholds does for households what ImportBuildings does for
// buildings (column keys "grid_code", "compound", "building", "unit",
// "room", "kind", "area_m2"). The building must exist, in the database or
// earlier in tx; units are created on demand, for good rows only.
func (s *Service) ImportHouseholds(ctx context.Context, tx *sqldb.Tx, rows []HouseholdRow) (created int, bad []apperr.RowError, err error) {
	if _, _, err := auth.Scoped(ctx, auth.ActPlaceWrite); err != nil {
		return 0, nil, err
	}
	bt := newBatch(ctx, tx, auth.ActPlaceWrite)
	// First every row is checked against the database and the rows before
	// it; then the missing units and the households are written in bulk.
	var good []goodHousehold
	var newUnits []unitKey
	wanted := map[unitKey]bool{}
	for _, row := range rows {
		g, err := bt.grid(ctx, row.GridCode)
		if err != nil {
			return 0, bad, fmt.Errorf("territory: import households: row %d: %w", row.Row, err)
		}
		if g.err != nil {
			bad = append(bad, rowError(row.Row, g.err))
			continue
		}
		compound, ferr := checkText("compound", labelCompound, row.Compound, false, 50)
		var building, unit string
		if ferr == nil {
			building, ferr = checkText("building", labelBuilding, row.Building, true, 50)
		}
		if ferr == nil {
			unit, ferr = checkUnitName(row.Unit)
		}
		var f householdFields
		if ferr == nil {
			f, ferr = checkHouseholdFields(row.Room, row.Kind, row.AreaM2)
		}
		if ferr != nil {
			bad = append(bad, rowError(row.Row, ferr))
			continue
		}
		if err := bt.loadPlaces(ctx, g); err != nil {
			return 0, bad, fmt.Errorf("territory: import households: row %d: %w", row.Row, err)
		}
		bid, ok := g.buildings[placeKey{compound, building}]
		if !ok {
			bad = append(bad, rowError(row.Row, apperr.Newf(apperr.NotFound, "building", "网格 %[1]s 的“%[2]s”中没有楼栋“%[3]s”",
				"compound %[2]q of grid %[1]s has no building %[3]q", g.code, compound, building)))
			continue
		}
		rk := roomKey{bid, unit, f.room}
		if first, dup := g.rooms[rk]; dup {
			e := dupRoom(f.room)
			if first > 0 {
				e = apperr.Conflictf("room", "与第%d行重复（同一楼栋、单元和房号）", "duplicates row %d (same building, unit and room)", first)
			}
			bad = append(bad, rowError(row.Row, e))
			continue
		}
		g.rooms[rk] = row.Row
		uk := unitKey{bid, unit}
		if _, ok := g.units[uk]; !ok && !wanted[uk] {
			wanted[uk] = true
			newUnits = append(newUnits, uk)
		}
		good = append(good, goodHousehold{g, uk, f})
	}

	created, err = s.writeHouseholds(ctx, tx, good, newUnits)
	if err != nil {
		return 0, bad, fmt.Errorf("territory: import households: %w", err)
	}
	return created, bad, nil
}

// writeHouseholds inserts the missing units, then the households.
func (s *Service) writeHouseholds(ctx context.Context, tx *sqldb.Tx, good []goodHousehold, newUnits []unitKey) (int, error) {
	unitIDs := map[unitKey]int64{}
	units := newBulkInsert(tx, "units", "building_id, name", " RETURNING id, building_id, name", func(rows *sql.Rows) error {
		var k unitKey
		var id int64
		if err := rows.Scan(&id, &k.building, &k.name); err != nil {
			return err
		}
		unitIDs[k] = id
		return nil
	})
	defer units.close()
	for _, k := range newUnits {
		if err := units.add(ctx, k.building, k.name); err != nil {
			return 0, err
		}
	}
	if err := units.flush(ctx); err != nil {
		return 0, err
	}
	ins := newBulkInsert(tx, "households", "unit_id, building_id, region_path, room, kind, area_m2", "", nil)
	defer ins.close()
	for _, h := range good {
		uid, ok := h.grid.units[h.unit]
		if !ok {
			if uid, ok = unitIDs[h.unit]; !ok {
				return 0, fmt.Errorf("unit %q of building %d was not created", h.unit.name, h.unit.building)
			}
			h.grid.units[h.unit] = uid
		}
		if err := ins.add(ctx, uid, h.unit.building, h.grid.path, h.f.room, string(h.f.kind), h.f.area); err != nil {
			return 0, err
		}
	}
	if err := ins.flush(ctx); err != nil {
		return 0, err
	}
	return len(good), nil
}

// ResolveHouseholds maps keys to household IDs and region paths inside tx.
// Keys that match no household, or one outside the actor's place.read
// scopes, are absent from the map.
func (s *Service) ResolveHouseholds(ctx context.Context, tx *sqldb.Tx, keys []HouseholdKey) (map[HouseholdKey]HouseholdRef, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActPlaceRead); err != nil {
		return nil, err
	}
	bt := newBatch(ctx, tx, auth.ActPlaceRead)
	type fullKey struct {
		compound, building, unit, room string
	}
	byGrid := map[string]map[fullKey]int64{}
	out := make(map[HouseholdKey]HouseholdRef, len(keys))
	for _, k := range keys {
		g, err := bt.grid(ctx, k.GridCode)
		if err != nil {
			return nil, fmt.Errorf("territory: resolve households: %w", err)
		}
		if g.err != nil {
			continue
		}
		m, ok := byGrid[g.code]
		if !ok {
			m = map[fullKey]int64{}
			rows, err := tx.Query(ctx, `SELECT b.compound, b.name, u.name, h.room, h.id FROM households h
				JOIN units u ON u.id = h.unit_id JOIN buildings b ON b.id = h.building_id WHERE h.region_path = $1`, g.path)
			if err != nil {
				return nil, fmt.Errorf("territory: resolve households: %w", err)
			}
			for rows.Next() {
				var fk fullKey
				var id int64
				if err := rows.Scan(&fk.compound, &fk.building, &fk.unit, &fk.room, &id); err != nil {
					rows.Close()
					return nil, fmt.Errorf("territory: resolve households: %w", sqldb.Translate(err))
				}
				m[fk] = id
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, fmt.Errorf("territory: resolve households: %w", sqldb.Translate(err))
			}
			byGrid[g.code] = m
		}
		fk := fullKey{strings.TrimSpace(k.Compound), strings.TrimSpace(k.Building), strings.TrimSpace(k.Unit), strings.TrimSpace(k.Room)}
		if id, ok := m[fk]; ok {
			out[k] = HouseholdRef{ID: id, RegionPath: g.path}
		}
	}
	return out, nil
}

// exportScope builds the scope condition of an export on col: the actor's
// place.read scopes, narrowed to the subtree of region subtreeOf (0 for
// all the actor may see).
func (s *Service) exportScope(ctx context.Context, col string, subtreeOf int64) (*sqldb.Where, error) {
	paths, all, err := auth.Scoped(ctx, auth.ActPlaceRead)
	if err != nil {
		return nil, err
	}
	w := &sqldb.Where{}
	w.Scope(col, paths, all)
	if subtreeOf != 0 {
		p, err := subtreePath(ctx, s.db, subtreeOf)
		if err != nil {
			return nil, err
		}
		w.Subtree(col, []string{p})
	}
	return w, nil
}

// EachBuilding streams the buildings of the subtree of region subtreeOf (0
// for all) that the actor may read (place.read) through fn, ordered by grid
// code then creation. An error from fn stops the walk and is returned.
func (s *Service) EachBuilding(ctx context.Context, subtreeOf int64, fn func(BuildingRow) error) error {
	w, err := s.exportScope(ctx, "b.region_path", subtreeOf)
	if err != nil {
		return fmt.Errorf("territory: export buildings: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT g.code, b.compound, b.name, b.kind, b.address, b.lon, b.lat, b.floors
		FROM buildings b JOIN regions g ON g.id = b.grid_id`+w.String()+` ORDER BY g.code, b.id`, w.Args()...)
	if err != nil {
		return fmt.Errorf("territory: export buildings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r BuildingRow
		if err := rows.Scan(&r.GridCode, &r.Compound, &r.Name, &r.Kind, &r.Address, &r.Lon, &r.Lat, &r.Floors); err != nil {
			return fmt.Errorf("territory: export buildings: %w", sqldb.Translate(err))
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("territory: export buildings: %w", sqldb.Translate(err))
	}
	return nil
}

// EachHousehold streams households like EachBuilding, ordered by grid code,
// building, unit and creation.
func (s *Service) EachHousehold(ctx context.Context, subtreeOf int64, fn func(HouseholdRow) error) error {
	w, err := s.exportScope(ctx, "h.region_path", subtreeOf)
	if err != nil {
		return fmt.Errorf("territory: export households: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT g.code, b.compound, b.name, u.name, h.room, h.kind, h.area_m2
		FROM households h JOIN units u ON u.id = h.unit_id JOIN buildings b ON b.id = h.building_id JOIN regions g ON g.id = b.grid_id`+
		w.String()+` ORDER BY g.code, b.id, u.id, h.id`, w.Args()...)
	if err != nil {
		return fmt.Errorf("territory: export households: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r HouseholdRow
		if err := rows.Scan(&r.GridCode, &r.Compound, &r.Building, &r.Unit, &r.Room, &r.Kind, &r.AreaM2); err != nil {
			return fmt.Errorf("territory: export households: %w", sqldb.Translate(err))
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("territory: export households: %w", sqldb.Translate(err))
	}
	return nil
}
