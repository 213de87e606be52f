package territory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// Units carry no path of their own: they are scoped through their building.
const unitCols = `u.id, u.building_id, b.region_path, u.name, u.created_at, u.updated_at`

func scanUnit(sc sqldb.Scanner) (*Unit, error) {
	var u Unit
	if err := sc.Scan(&u.ID, &u.BuildingID, &u.RegionPath, &u.Name, &u.CreatedAt, &u.UpdatedAt); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return &u, nil
}

func unitByID(ctx context.Context, q sqldb.Querier, id int64) (*Unit, error) {
	u, err := scanUnit(q.QueryRow(ctx, `SELECT `+unitCols+` FROM units u JOIN buildings b ON b.id = u.building_id WHERE u.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("单元 %d 不存在", "unit %d not found", id)
	}
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	return u, nil
}

func unitTaken(ctx context.Context, tx *sqldb.Tx, buildingID int64, name string, except int64) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM units WHERE building_id = $1 AND name = $2 AND id <> $3`, buildingID, name, except).Scan(&n); err != nil {
		return sqldb.Translate(err)
	}
	if n > 0 {
		return apperr.Conflictf("unit", "该楼栋已有单元“%s”", "the building already has unit %q", name)
	}
	return nil
}

const insertUnitSQL = `INSERT INTO units (building_id, name, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id`

// CreateUnit adds a unit to a building. The actor needs place.write at the
// building's grid. A taken name is a Conflict on field "unit".
func (s *Service) CreateUnit(ctx context.Context, in UnitInput) (*Unit, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActPlaceWrite); err != nil {
		return nil, err
	}
	var u *Unit
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		b, err := buildingByID(ctx, tx, in.BuildingID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return apperr.Invalidf("building_id", "楼栋 %d 不存在", "building %d does not exist", in.BuildingID)
		}
		if err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActPlaceWrite, auth.Resource{RegionPath: b.RegionPath}); err != nil {
			return err
		}
		name, err := checkUnitName(in.Name)
		if err != nil {
			return err
		}
		if err := unitTaken(ctx, tx, b.ID, name, 0); err != nil {
			return err
		}
		u = &Unit{BuildingID: b.ID, RegionPath: b.RegionPath, Name: name, CreatedAt: tx.Now, UpdatedAt: tx.Now}
		u.ID, err = tx.InsertID(ctx, insertUnitSQL, b.ID, name, tx.Now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("territory: create unit %q: %w", in.Name, err)
	}
	return u, nil
}

// FindUnitByID returns a unit the actor may read (place.read).
func (s *Service) FindUnitByID(ctx context.Context, id int64) (*Unit, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActPlaceRead); err != nil {
		return nil, err
	}
	u, err := unitByID(ctx, s.db, id)
	if err != nil {
		return nil, fmt.Errorf("territory: find unit %d: %w", id, err)
	}
	if err := auth.Check(ctx, auth.ActPlaceRead, auth.Resource{RegionPath: u.RegionPath}); err != nil {
		return nil, err
	}
	return u, nil
}

// FindUnits lists the units matching f inside the actor's place.read
// scopes, with the total before paging.
func (s *Service) FindUnits(ctx context.Context, f UnitFilter) ([]*Unit, int, error) {
	paths, all, err := auth.Scoped(ctx, auth.ActPlaceRead)
	if err != nil {
		return nil, 0, err
	}
	w := &sqldb.Where{}
	w.Scope("b.region_path", paths, all)
	if f.BuildingID != nil {
		w.Add("u.building_id = " + w.Arg(*f.BuildingID))
	}
	from := ` FROM units u JOIN buildings b ON b.id = u.building_id`
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*)`+from+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("territory: count units: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	rows, err := s.db.Query(ctx, `SELECT `+unitCols+from+w.String()+` ORDER BY u.building_id, u.id LIMIT `+w.Arg(limit)+` OFFSET `+w.Arg(offset), w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("territory: find units: %w", err)
	}
	defer rows.Close()
	var out []*Unit
	for rows.Next() {
		u, err := scanUnit(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("territory: find units: %w", sqldb.Translate(err))
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("territory: find units: %w", sqldb.Translate(err))
	}
	return out, total, nil
}

// UpdateUnit renames a unit. The actor needs place.write at its grid.
func (s *Service) UpdateUnit(ctx context.Context, id int64, upd UnitUpdate) (*Unit, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActPlaceWrite); err != nil {
		return nil, err
	}
	var u *Unit
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		var err error
		if u, err = unitByID(ctx, tx, id); err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActPlaceWrite, auth.Resource{RegionPath: u.RegionPath}); err != nil {
			return err
		}
		if upd.Name == nil {
			return nil
		}
		name, err := checkUnitName(*upd.Name)
		if err != nil {
			return err
		}
		if err := unitTaken(ctx, tx, u.BuildingID, name, u.ID); err != nil {
			return err
		}
		u.Name, u.UpdatedAt = name, tx.Now
		_, err = tx.Exec(ctx, `UPDATE units SET name = $1, updated_at = $2 WHERE id = $3`, name, tx.Now, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("territory: update unit %d: %w", id, err)
	}
	return u, nil
}

// DeleteUnit removes a unit that has no households. The actor needs
// place.write at its grid.
func (s *Service) DeleteUnit(ctx context.Context, id int64) error {
	if _, _, err := auth.Scoped(ctx, auth.ActPlaceWrite); err != nil {
		return err
	}
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		u, err := unitByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActPlaceWrite, auth.Resource{RegionPath: u.RegionPath}); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM households WHERE unit_id = $1`, id).Scan(&n); err != nil {
			return sqldb.Translate(err)
		}
		if n > 0 {
			return apperr.Conflictf("", "单元“%s”还有%d户，不能删除", "unit %q still has %d households and cannot be deleted", u.Name, n)
		}
		_, err = tx.Exec(ctx, `DELETE FROM units WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("territory: delete unit %d: %w", id, err)
	}
	return nil
}
