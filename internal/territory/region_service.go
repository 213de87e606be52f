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

var labelRegionName = apperr.Text{ZH: "区域名称", EN: "the region name"}

// writeResource is what region.write is checked against for a region at
// path: its parent, so that an admin of a street manages the street's
// communities and grids but not the street itself. Roots need the system.
func writeResource(path string) auth.Resource {
	return auth.Resource{RegionPath: parentPath(path)}
}

// CreateRegion creates a region under in.ParentID after checking the code
// against the level and the parent (see CheckCode). The actor needs
// region.write at the parent; only the system creates roots. A taken code is
// a Conflict on field "code".
func (s *Service) CreateRegion(ctx context.Context, in RegionInput) (*Region, error) {
	var r *Region
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		var err error
		r, err = s.createRegion(ctx, tx, in)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("territory: create region %s: %w", strings.TrimSpace(in.Code), err)
	}
	return r, nil
}

// CreateRegionTx is CreateRegion inside the caller's transaction, for bulk
// creation (the demo generator): the same checks, the path computed from
// the parent's.
func (s *Service) CreateRegionTx(ctx context.Context, tx *sqldb.Tx, in RegionInput) (*Region, error) {
	r, err := s.createRegion(ctx, tx, in)
	if err != nil {
		return nil, fmt.Errorf("territory: create region %s: %w", strings.TrimSpace(in.Code), err)
	}
	return r, nil
}

func (s *Service) createRegion(ctx context.Context, tx *sqldb.Tx, in RegionInput) (*Region, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActRegionWrite); err != nil {
		return nil, err
	}
	code := strings.TrimSpace(in.Code)
	if !in.Level.Valid() {
		return nil, apperr.Invalidf("level", "区域级别“%s”无效（应为 city、county、township、village 或 grid）", "level %q is not valid (city, county, township, village or grid)", in.Level)
	}
	if in.ParentID == 0 && in.Level.depth() > LevelCounty.depth() {
		if err := checkParent(in.Level, nil); err != nil {
			return nil, err
		}
	}
	var parent *Region
	if in.ParentID != 0 {
		p, err := regionByID(ctx, tx, in.ParentID)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, apperr.Invalidf("parent_id", "上级区域 %d 不存在", "parent region %d does not exist", in.ParentID)
		}
		if err != nil {
			return nil, err
		}
		parent = p
	}
	res := auth.Resource{}
	if parent != nil {
		res.RegionPath = parent.Path
	}
	if err := auth.Check(ctx, auth.ActRegionWrite, res); err != nil {
		return nil, err
	}
	if err := checkParent(in.Level, parent); err != nil {
		return nil, err
	}
	kind, err := CheckCode(in.Level, code, parent, in.Kind)
	if err != nil {
		return nil, err
	}
	name, err := checkText("name", labelRegionName, in.Name, true, 50)
	if err != nil {
		return nil, err
	}
	var taken int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM regions WHERE code = $1`, code).Scan(&taken); err != nil {
		return nil, sqldb.Translate(err)
	}
	if taken > 0 {
		return nil, apperr.Conflictf("code", "区划代码 %s 已存在", "division code %s already exists", code)
	}
	r := &Region{Level: in.Level, Kind: kind, Code: code, Name: name, CreatedAt: tx.Now, UpdatedAt: tx.Now}
	var parentID sql.NullInt64
	ppath := ""
	if parent != nil {
		r.ParentID, parentID, ppath = parent.ID, sql.NullInt64{Int64: parent.ID, Valid: true}, parent.Path
	}
	// The path holds the new id, known only after the insert.
	r.ID, err = tx.InsertID(ctx, `INSERT INTO regions (parent_id, level, kind, code, name, path, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, '', $6, $6) RETURNING id`, parentID, string(r.Level), string(r.Kind), code, name, tx.Now)
	if err != nil {
		return nil, err
	}
	r.Path = childPath(ppath, r.ID)
	if _, err := tx.Exec(ctx, `UPDATE regions SET path = $1 WHERE id = $2`, r.Path, r.ID); err != nil {
		return nil, err
	}
	return r, nil
}

// UpdateRegion renames a region. The actor needs region.write at the
// region's parent.
func (s *Service) UpdateRegion(ctx context.Context, id int64, upd RegionUpdate) (*Region, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActRegionWrite); err != nil {
		return nil, err
	}
	var r *Region
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		var err error
		if r, err = regionByID(ctx, tx, id); err != nil {
			return err
		}
		if err := auth.Check(ctx, auth.ActRegionWrite, writeResource(r.Path)); err != nil {
			return err
		}
		if upd.Name == nil {
			return nil
		}
		name, err := checkText("name", labelRegionName, *upd.Name, true, 50)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE regions SET name = $1, updated_at = $2 WHERE id = $3`, name, tx.Now, id); err != nil {
			return err
		}
		r.Name, r.UpdatedAt = name, tx.Now
		renamed := *r
		tx.AfterCommit(func() { s.index.Rename(renamed) })
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("territory: update region %d: %w", id, err)
	}
	return r, nil
}

// FindRegionByID returns a region the actor may read (region.read);
// Forbidden for one outside its scopes, NotFound for none.
func (s *Service) FindRegionByID(ctx context.Context, id int64) (*Region, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActRegionRead); err != nil {
		return nil, err
	}
	r, err := regionByID(ctx, s.db, id)
	if err != nil {
		return nil, fmt.Errorf("territory: find region %d: %w", id, err)
	}
	if err := auth.Check(ctx, auth.ActRegionRead, auth.Resource{RegionPath: r.Path}); err != nil {
		return nil, err
	}
	return r, nil
}

// FindRegionByCode returns the region with a division code, like
// FindRegionByID.
func (s *Service) FindRegionByCode(ctx context.Context, code string) (*Region, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActRegionRead); err != nil {
		return nil, err
	}
	r, err := regionByCode(ctx, s.db, strings.TrimSpace(code))
	if err != nil {
		return nil, fmt.Errorf("territory: find region %s: %w", code, err)
	}
	if err := auth.Check(ctx, auth.ActRegionRead, auth.Resource{RegionPath: r.Path}); err != nil {
		return nil, err
	}
	return r, nil
}

// FindRegions lists the regions matching f inside the actor's region.read
// scopes, ordered by code, with the total count before paging.
func (s *Service) FindRegions(ctx context.Context, f RegionFilter) ([]*Region, int, error) {
	paths, all, err := auth.Scoped(ctx, auth.ActRegionRead)
	if err != nil {
		return nil, 0, err
	}
	w := &sqldb.Where{}
	w.Scope("path", paths, all)
	if f.ParentID != nil {
		w.Add("parent_id = " + w.Arg(*f.ParentID))
	}
	if f.Level != nil {
		w.Add("level = " + w.Arg(string(*f.Level)))
	}
	if f.SubtreeOf != nil {
		root, err := regionByID(ctx, s.db, *f.SubtreeOf)
		if err != nil {
			return nil, 0, fmt.Errorf("territory: find regions: %w", err)
		}
		w.Subtree("path", []string{root.Path})
	}
	if f.NameContains != nil && strings.TrimSpace(*f.NameContains) != "" {
		w.Add("name LIKE " + w.Arg(sqldb.LikeContains(strings.TrimSpace(*f.NameContains))) + ` ESCAPE '\'`)
	}
	var total int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM regions`+w.String(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("territory: count regions: %w", sqldb.Translate(err))
	}
	limit, offset := sqldb.Page(f.Limit, f.Offset, defaultLimit, maxLimit)
	q := `SELECT ` + regionCols + ` FROM regions` + w.String() + ` ORDER BY code LIMIT ` + w.Arg(limit) + ` OFFSET ` + w.Arg(offset)
	list, err := queryRegions(ctx, s.db, q, w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("territory: find regions: %w", err)
	}
	return list, total, nil
}

// PathOf returns the materialised path of region id, for the auth package
// to turn a granted scope into a path. It needs no actor, since it is how
// actors are built at sign-in, and it reveals nothing but the chain of ids;
// when the context does carry an actor, that actor must be allowed to read
// the region.
func (s *Service) PathOf(ctx context.Context, id int64) (string, error) {
	var path string
	err := s.db.QueryRow(ctx, `SELECT path FROM regions WHERE id = $1`, id).Scan(&path)
	if err != nil {
		if apperr.CodeOf(sqldb.Translate(err)) == apperr.NotFound {
			return "", apperr.NotFoundf("区域 %d 不存在", "region %d not found", id)
		}
		return "", fmt.Errorf("territory: path of region %d: %w", id, sqldb.Translate(err))
	}
	if _, ok := auth.ActorFrom(ctx); ok {
		if err := auth.Check(ctx, auth.ActRegionRead, auth.Resource{RegionPath: path}); err != nil {
			return "", err
		}
	}
	return path, nil
}
