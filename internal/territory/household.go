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

const householdCols = `id, unit_id, building_id, region_path, room, kind, area_m2, created_at, updated_at`

func scanHousehold(sc sqldb.Scanner) (*Household, error) {
	var h Household
	if err := sc.Scan(&h.ID, &h.UnitID, &h.BuildingID, &h.RegionPath, &h.Room, &h.Kind, &h.AreaM2, &h.CreatedAt, &h.UpdatedAt); err != nil {
		return nil, err
	}
	h.CreatedAt, h.UpdatedAt = h.CreatedAt.UTC(), h.UpdatedAt.UTC()
	return &h, nil
}

func householdByID(ctx context.Context, q sqldb.Querier, id int64) (*Household, error) {
	h, err := scanHousehold(q.QueryRow(ctx, `SELECT `+householdCols+` FROM households WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("房屋 %d 不存在", "household %d not found", id)
	}
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	return h, nil
}

func roomTaken(ctx context.Context, tx *sqldb.Tx, unitID int64, room string, except int64) error {
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM households WHERE unit_id = $1 AND room = $2 AND id <> $3`, unitID, room, except).Scan(&n); err != nil {
		return sqldb.Translate(err)
	}
	if n > 0 {
		return dupRoom(room)
	}
	return nil
}

func dupRoom(room string) *apperr.Error {
	return apperr.Conflictf("room", "该单元已有房号“%s”", "the unit already has room %q", room)
}

// CreateHousehold adds a household (room) to a unit. The actor needs
// place.write at the unit's grid. A taken room is a Conflict on field "room".
func (s *Service) CreateHousehold(ctx context.Context, in HouseholdInput) (*Household, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActPlaceWrite); err != nil {
		return nil, err
	}
	var h *Household
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		u, err := unitByID(ctx, tx, in.UnitID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return apperr.Invalidf("unit_id", "单元 %d 不存在", "unit %d does not exist", in.UnitID)
		}
		if err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActPlaceWrite, auth.Resource{RegionPath: u.RegionPath}); err != nil {
			return err
		}
		f, err := checkHouseholdFields(in.Room, string(in.Kind), in.AreaM2)
		if err != nil {
			return err
		}
		if err := roomTaken(ctx, tx, u.ID, f.room, 0); err != nil {
			return err
		}
		h = &Household{UnitID: u.ID, BuildingID: u.BuildingID, RegionPath: u.RegionPath, Room: f.room, Kind: f.kind, AreaM2: f.area,
			CreatedAt: tx.Now, UpdatedAt: tx.Now}
		h.ID, err = tx.InsertID(ctx, `INSERT INTO households (unit_id, building_id, region_path, room, kind, area_m2, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`, h.UnitID, h.BuildingID, h.RegionPath, h.Room, string(h.Kind), h.AreaM2, tx.Now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("territory: create household %q: %w", in.Room, err)
	}
	return h, nil
}

// FindHouseholdByID returns a household the actor may read (place.read).
func (s *Service) FindHouseholdByID(ctx context.Context, id int64) (*Household, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActPlaceRead); err != nil {
		return nil, err
	}
	h, err := householdByID(ctx, s.db, id)
	if err != nil {
		return nil, fmt.Errorf("territory: find household %d: %w", id, err)
	}
	if err := auth.Check(ctx, auth.ActPlaceRead, auth.Resource{RegionPath: h.RegionPath}); err != nil {
		return nil, err
	}
	return h, nil
}

// FindHouseholds lists the households matching f inside the actor's
// place.read scopes, in creation order, with the total before paging.
func (s *Service) FindHouseholds(ctx context.Context, f HouseholdFilter) ([]*Household, int, error) {
	paths, all, err := auth.Scoped(ctx, auth.ActPlaceRead)
	if err != nil {
		return nil, 0, err
	}
	w := &sqldb.Where{}
	w.Scope("region_path", paths, all)
	if f.UnitID != nil {
		w.Add("unit_id = " + w.Arg(*f.UnitID))
	}
	if f.BuildingID != nil {
		w.Add("building_id = " + w.Arg(*f.BuildingID))
	}
	if f.SubtreeOf != nil {
		p, err := subtreePath(ctx, s.db, *f.SubtreeOf)
		if err != nil {
			return nil, 0, fmt.Errorf("territory: find households: %w", err)
		}
		w.Subtree("region_path", []string{p})
	}
	if f.Kind != nil {
		w.Add("kind = " + w.Arg(string(*f.Kind)))
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM households`+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("territory: count households: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	rows, err := s.db.Query(ctx, `SELECT `+householdCols+` FROM households`+w.String()+` ORDER BY id LIMIT `+w.Arg(limit)+` OFFSET `+w.Arg(offset), w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("territory: find households: %w", err)
	}
	defer rows.Close()
	var out []*Household
	for rows.Next() {
		h, err := scanHousehold(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("territory: find households: %w", sqldb.Translate(err))
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("territory: find households: %w", sqldb.Translate(err))
	}
	return out, total, nil
}

// UpdateHousehold changes a household. The actor needs place.write at its grid.
func (s *Service) UpdateHousehold(ctx context.Context, id int64, upd HouseholdUpdate) (*Household, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActPlaceWrite); err != nil {
		return nil, err
	}
	var h *Household
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		var err error
		if h, err = householdByID(ctx, tx, id); err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActPlaceWrite, auth.Resource{RegionPath: h.RegionPath}); err != nil {
			return err
		}
		room, kind, area := h.Room, string(h.Kind), h.AreaM2
		if upd.Room != nil {
			room = *upd.Room
		}
		if upd.Kind != nil {
			kind = string(*upd.Kind)
		}
		if upd.ClearArea {
			area = nil
		}
		if upd.AreaM2 != nil {
			area = upd.AreaM2
		}
		f, err := checkHouseholdFields(room, kind, area)
		if err != nil {
			return err
		}
		if err := roomTaken(ctx, tx, h.UnitID, f.room, h.ID); err != nil {
			return err
		}
		h.Room, h.Kind, h.AreaM2, h.UpdatedAt = f.room, f.kind, f.area, tx.Now
		_, err = tx.Exec(ctx, `UPDATE households SET room = $1, kind = $2, area_m2 = $3, updated_at = $4 WHERE id = $5`,
			h.Room, string(h.Kind), h.AreaM2, tx.Now, h.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("territory: update household %d: %w", id, err)
	}
	return h, nil
}

// DeleteHousehold removes a household. The actor needs place.write at its
// grid; a household residents still live in cannot go (Invalid from the
// foreign key).
func (s *Service) DeleteHousehold(ctx context.Context, id int64) error {
	if _, _, err := auth.Scoped(ctx, auth.ActPlaceWrite); err != nil {
		return err
	}
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		h, err := householdByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActPlaceWrite, auth.Resource{RegionPath: h.RegionPath}); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM households WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("territory: delete household %d: %w", id, err)
	}
	return nil
}
