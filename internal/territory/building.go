package territory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

const buildingCols = `id, grid_id, region_path, compound, name, kind, address, lon, lat, floors, created_at, updated_at`

func scanBuilding(sc sqldb.Scanner) (*Building, error) {
	var b Building
	if err := sc.Scan(&b.ID, &b.GridID, &b.RegionPath, &b.Compound, &b.Name, &b.Kind, &b.Address, &b.Lon, &b.Lat,
		&b.Floors, &b.CreatedAt, &b.UpdatedAt); err != nil {
		return nil, err
	}
	b.CreatedAt, b.UpdatedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	return &b, nil
}

func buildingByID(ctx context.Context, q sqldb.Querier, id int64) (*Building, error) {
	b, err := scanBuilding(q.QueryRow(ctx, `SELECT `+buildingCols+` FROM buildings WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("楼栋 %d 不存在", "building %d not found", id)
	}
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	return b, nil
}

// gridByID loads the grid a place is put in; a missing region or one that
// is not a grid is Invalid on field.
func gridByID(ctx context.Context, q sqldb.Querier, field string, id int64) (*Region, error) {
	g, err := regionByID(ctx, q, id)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, apperr.Invalidf(field, "网格 %d 不存在", "grid %d does not exist", id)
	}
	if err != nil {
		return nil, err
	}
	if g.Level != LevelGrid {
		return nil, apperr.Invalidf(field, "“%[1]s”是%[2]s，不是网格", "%[1]q is a %[3]s, not a grid", g.Name, g.Level.Label().ZH, g.Level.Label().EN)
	}
	return g, nil
}

// buildingTaken reports whether the grid already has a building of that
// name in that compound (other than except).
func buildingTaken(ctx context.Context, tx *sqldb.Tx, gridID int64, compound, name string, except int64) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM buildings WHERE grid_id = $1 AND compound = $2 AND name = $3 AND id <> $4`,
		gridID, compound, name, except).Scan(&n); err != nil {
		return sqldb.Translate(err)
	}
	if n > 0 {
		return dupBuilding(compound, name)
	}
	return nil
}

func dupBuilding(compound, name string) *apperr.Error {
	return apperr.Conflictf("name", "该网格的“%s”中已有楼栋“%s”", "compound %q of this grid already has a building %q", compound, name)
}

// CreateBuilding adds a building or courtyard to a grid. The actor needs
// place.write at the grid. A taken name (same grid and compound) is a
// Conflict on field "name".
func (s *Service) CreateBuilding(ctx context.Context, in BuildingInput) (*Building, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActPlaceWrite); err != nil {
		return nil, err
	}
	var b *Building
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		g, err := gridByID(ctx, tx, "grid_id", in.GridID)
		if err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActPlaceWrite, auth.Resource{RegionPath: g.Path}); err != nil {
			return err
		}
		f, err := checkBuildingFields(in.Compound, in.Name, string(in.Kind), in.Address, in.Lon, in.Lat, in.Floors)
		if err != nil {
			return err
		}
		if err := buildingTaken(ctx, tx, g.ID, f.compound, f.name, 0); err != nil {
			return err
		}
		b = &Building{GridID: g.ID, RegionPath: g.Path, Compound: f.compound, Name: f.name, Kind: f.kind, Address: f.address,
			Lon: f.lon, Lat: f.lat, Floors: f.floors, CreatedAt: tx.Now, UpdatedAt: tx.Now}
		b.ID, err = insertBuilding(ctx, tx, b)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("territory: create building %q: %w", in.Name, err)
	}
	return b, nil
}

const insertBuildingSQL = `INSERT INTO buildings (grid_id, region_path, compound, name, kind, address, lon, lat, floors, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`

func insertBuilding(ctx context.Context, tx *sqldb.Tx, b *Building) (int64, error) {
	return tx.InsertID(ctx, insertBuildingSQL, b.GridID, b.RegionPath, b.Compound, b.Name, string(b.Kind), b.Address, b.Lon, b.Lat, b.Floors, b.CreatedAt)
}

// FindBuildingByID returns a building the actor may read (place.read).
func (s *Service) FindBuildingByID(ctx context.Context, id int64) (*Building, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActPlaceRead); err != nil {
		return nil, err
	}
	b, err := buildingByID(ctx, s.db, id)
	if err != nil {
		return nil, fmt.Errorf("territory: find building %d: %w", id, err)
	}
	if err := auth.Check(ctx, auth.ActPlaceRead, auth.Resource{RegionPath: b.RegionPath}); err != nil {
		return nil, err
	}
	return b, nil
}

// FindGridOfBuilding returns the grid a building stands in.
func (s *Service) FindGridOfBuilding(ctx context.Context, buildingID int64) (*Region, error) {
	b, err := s.FindBuildingByID(ctx, buildingID)
	if err != nil {
		return nil, err
	}
	g, err := regionByID(ctx, s.db, b.GridID)
	if err != nil {
		return nil, fmt.Errorf("territory: grid of building %d: %w", buildingID, err)
	}
	return g, nil
}

// subtreePath returns the path of region id for a SubtreeOf filter.
func subtreePath(ctx context.Context, q sqldb.Querier, id int64) (string, error) {
	r, err := regionByID(ctx, q, id)
	if err != nil {
		return "", err
	}
	return r.Path, nil
}

// FindBuildings lists the buildings matching f inside the actor's
// place.read scopes, in creation order, with the total before paging.
func (s *Service) FindBuildings(ctx context.Context, f BuildingFilter) ([]*Building, int, error) {
	paths, all, err := auth.Scoped(ctx, auth.ActPlaceRead)
	if err != nil {
		return nil, 0, err
	}
	w := &sqldb.Where{}
	w.Scope("region_path", paths, all)
	if f.GridID != nil {
		w.Add("grid_id = " + w.Arg(*f.GridID))
	}
	if f.SubtreeOf != nil {
		p, err := subtreePath(ctx, s.db, *f.SubtreeOf)
		if err != nil {
			return nil, 0, fmt.Errorf("territory: find buildings: %w", err)
		}
		w.Subtree("region_path", []string{p})
	}
	if f.Compound != nil {
		w.Add("compound = " + w.Arg(strings.TrimSpace(*f.Compound)))
	}
	if f.Kind != nil {
		w.Add("kind = " + w.Arg(string(*f.Kind)))
	}
	if f.NameContains != nil && strings.TrimSpace(*f.NameContains) != "" {
		w.Add("name LIKE " + w.Arg(sqldb.LikeContains(strings.TrimSpace(*f.NameContains))) + ` ESCAPE '\'`)
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM buildings`+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("territory: count buildings: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	rows, err := s.db.Query(ctx, `SELECT `+buildingCols+` FROM buildings`+w.String()+` ORDER BY id LIMIT `+w.Arg(limit)+` OFFSET `+w.Arg(offset), w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("territory: find buildings: %w", err)
	}
	defer rows.Close()
	var out []*Building
	for rows.Next() {
		b, err := scanBuilding(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("territory: find buildings: %w", sqldb.Translate(err))
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("territory: find buildings: %w", sqldb.Translate(err))
	}
	return out, total, nil
}

// UpdateBuilding changes a building. The actor needs place.write at its grid.
func (s *Service) UpdateBuilding(ctx context.Context, id int64, upd BuildingUpdate) (*Building, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActPlaceWrite); err != nil {
		return nil, err
	}
	var b *Building
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		var err error
		if b, err = buildingByID(ctx, tx, id); err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActPlaceWrite, auth.Resource{RegionPath: b.RegionPath}); err != nil {
			return err
		}
		compound, name, kind, address, lon, lat, floors := b.Compound, b.Name, string(b.Kind), b.Address, b.Lon, b.Lat, b.Floors
		if upd.Compound != nil {
			compound = *upd.Compound
		}
		if upd.Name != nil {
			name = *upd.Name
		}
		if upd.Kind != nil {
			kind = string(*upd.Kind)
		}
		if upd.Address != nil {
			address = *upd.Address
		}
		if upd.ClearLocation {
			lon, lat = nil, nil
		}
		if upd.Lon != nil || upd.Lat != nil {
			lon, lat = upd.Lon, upd.Lat
		}
		if upd.Floors != nil {
			floors = *upd.Floors
		}
		f, err := checkBuildingFields(compound, name, kind, address, lon, lat, floors)
		if err != nil {
			return err
		}
		if err := buildingTaken(ctx, tx, b.GridID, f.compound, f.name, b.ID); err != nil {
			return err
		}
		b.Compound, b.Name, b.Kind, b.Address, b.Lon, b.Lat, b.Floors, b.UpdatedAt = f.compound, f.name, f.kind, f.address, f.lon, f.lat, f.floors, tx.Now
		_, err = tx.Exec(ctx, `UPDATE buildings SET compound = $1, name = $2, kind = $3, address = $4, lon = $5, lat = $6, floors = $7, updated_at = $8
			WHERE id = $9`, b.Compound, b.Name, string(b.Kind), b.Address, b.Lon, b.Lat, b.Floors, tx.Now, b.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("territory: update building %d: %w", id, err)
	}
	return b, nil
}

// DeleteBuilding removes a building that has no households, with its empty
// units. The actor needs place.write at its grid.
func (s *Service) DeleteBuilding(ctx context.Context, id int64) error {
	if _, _, err := auth.Scoped(ctx, auth.ActPlaceWrite); err != nil {
		return err
	}
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		b, err := buildingByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActPlaceWrite, auth.Resource{RegionPath: b.RegionPath}); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM households WHERE building_id = $1`, id).Scan(&n); err != nil {
			return sqldb.Translate(err)
		}
		if n > 0 {
			return apperr.Conflictf("", "楼栋“%s”还有%d户，不能删除", "building %q still has %d households and cannot be deleted", b.Name, n)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM units WHERE building_id = $1`, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM buildings WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("territory: delete building %d: %w", id, err)
	}
	return nil
}
