package territory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Boundary is one version of a region's boundary, valid from ValidFrom up
// to (not including) ValidTo; the current version has no ValidTo.
type Boundary struct {
	ID        int64
	RegionID  int64
	GeoJSON   []byte           // a GeoJSON Polygon or MultiPolygon geometry
	Shape     orb.MultiPolygon // the same, decoded
	Bound     orb.Bound
	ValidFrom time.Time  // a date (UTC midnight)
	ValidTo   *time.Time // a date, or nil while current
	CreatedAt time.Time
}

// dateOf returns the calendar date of t (in t's own location) as UTC
// midnight, the form dates are stored in.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

const boundaryCols = `id, region_id, geojson, min_lon, min_lat, max_lon, max_lat, valid_from, valid_to, created_at`

func scanBoundary(sc sqldb.Scanner) (*Boundary, error) {
	var b Boundary
	var js string
	var to sql.NullTime
	if err := sc.Scan(&b.ID, &b.RegionID, &js, &b.Bound.Min[0], &b.Bound.Min[1], &b.Bound.Max[0], &b.Bound.Max[1],
		&b.ValidFrom, &to, &b.CreatedAt); err != nil {
		return nil, err
	}
	b.GeoJSON = []byte(js)
	b.ValidFrom, b.CreatedAt = dateOf(b.ValidFrom.UTC()), b.CreatedAt.UTC()
	if to.Valid {
		t := dateOf(to.Time.UTC())
		b.ValidTo = &t
	}
	shape, err := decodeStored(b.GeoJSON)
	if err != nil {
		return nil, err
	}
	b.Shape = shape
	return &b, nil
}

// decodeStored decodes a boundary written by marshalBoundary (already
// validated).
func decodeStored(data []byte) (orb.MultiPolygon, error) {
	g, err := geojson.UnmarshalGeometry(data)
	if err != nil {
		return nil, fmt.Errorf("territory: stored boundary: %w", err)
	}
	switch v := g.Geometry().(type) {
	case orb.Polygon:
		return orb.MultiPolygon{v}, nil
	case orb.MultiPolygon:
		return v, nil
	}
	return nil, fmt.Errorf("territory: stored boundary is a %s", g.Type)
}

// currentBoundary returns a region's current boundary, or nil.
func currentBoundary(ctx context.Context, q sqldb.Querier, regionID int64) (*Boundary, error) {
	b, err := scanBoundary(q.QueryRow(ctx, `SELECT `+boundaryCols+` FROM region_boundaries WHERE region_id = $1 AND valid_to IS NULL`, regionID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, sqldb.Translate(err)
	}
	return b, nil
}

// SetBoundary gives a region a new boundary from validFrom (a date): the
// current version, if any, is closed at that date (replaced outright when it
// starts the same day). See ParseBoundary for the accepted GeoJSON. A grid's
// boundary must lie within its community's current boundary, when the
// community has one, and must not overlap the current boundary of another
// grid of the community (sharing edges is fine). The actor needs
// region.write at the region's parent. The spatial index follows after
// commit. The newest version counts as current for these checks and for the
// index even when it starts in the future; the history keeps the dates.
func (s *Service) SetBoundary(ctx context.Context, regionID int64, geojson []byte, validFrom time.Time) error {
	err := s.db.Transact(ctx, func(tx *sqldb.Tx) error {
		return s.setBoundary(ctx, tx, regionID, geojson, validFrom)
	})
	if err != nil {
		return fmt.Errorf("territory: set boundary of region %d: %w", regionID, err)
	}
	return nil
}

// SetBoundaryTx is SetBoundary inside the caller's transaction (the demo
// generator sets thousands at once), with every check; the index follows
// once tx commits, and not at all if it rolls back.
func (s *Service) SetBoundaryTx(ctx context.Context, tx *sqldb.Tx, regionID int64, geojson []byte, validFrom time.Time) error {
	if err := s.setBoundary(ctx, tx, regionID, geojson, validFrom); err != nil {
		return fmt.Errorf("territory: set boundary of region %d: %w", regionID, err)
	}
	return nil
}

func (s *Service) setBoundary(ctx context.Context, tx *sqldb.Tx, regionID int64, data []byte, validFrom time.Time) error {
	if _, _, err := auth.Scoped(ctx, auth.ActRegionWrite); err != nil {
		return err
	}
	r, err := regionByID(ctx, tx, regionID)
	if err != nil {
		return err
	}
	if err := auth.Check(ctx, auth.ActRegionWrite, writeResource(r.Path)); err != nil {
		return err
	}
	shape, err := ParseBoundary(data)
	if err != nil {
		return err
	}
	if validFrom.IsZero() {
		return apperr.Invalidf("valid_from", "请填写边界的生效日期", "the boundary's valid-from date is required")
	}
	from := dateOf(validFrom)
	cur, err := currentBoundary(ctx, tx, regionID)
	if err != nil {
		return err
	}
	if cur != nil && from.Before(cur.ValidFrom) {
		return apperr.Invalidf("valid_from", "生效日期 %s 早于现行边界的生效日期 %s", "valid-from date %s is before the current boundary's %s",
			from.Format(time.DateOnly), cur.ValidFrom.Format(time.DateOnly))
	}
	if r.Level == LevelGrid {
		if err := s.checkGridShape(ctx, tx, r, shape); err != nil {
			return err
		}
	}
	js, err := marshalBoundary(shape)
	if err != nil {
		return err
	}
	if cur != nil {
		// A version valid for no day at all is dropped rather than closed.
		q := `UPDATE region_boundaries SET valid_to = $1 WHERE id = $2`
		args := []any{from, cur.ID}
		if from.Equal(cur.ValidFrom) {
			q, args = `DELETE FROM region_boundaries WHERE id = $1`, []any{cur.ID}
		}
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return err
		}
	}
	b := shape.Bound()
	id, err := tx.InsertID(ctx, `INSERT INTO region_boundaries (region_id, geojson, min_lon, min_lat, max_lon, max_lat, valid_from, valid_to, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8) RETURNING id`,
		regionID, string(js), b.Min[0], b.Min[1], b.Max[0], b.Max[1], from, tx.Now)
	if err != nil {
		return err
	}
	item := IndexItem{Region: *r, Version: id, Shape: shape}
	tx.AfterCommit(func() { s.index.Put(item) })
	return nil
}

// checkGridShape checks a grid's new shape against its community and its
// sibling grids.
func (s *Service) checkGridShape(ctx context.Context, tx *sqldb.Tx, grid *Region, shape orb.MultiPolygon) error {
	community, err := regionByID(ctx, tx, grid.ParentID)
	if err != nil {
		return err
	}
	cb, err := currentBoundary(ctx, tx, community.ID)
	if err != nil {
		return err
	}
	if cb != nil {
		for _, p := range shape {
			if pt, out := outsidePoint(cb.Shape, p); out {
				return apperr.Invalidf("geojson", "网格边界超出所属%[1]s“%[3]s”的边界（在 %.6[4]f, %.6[5]f 附近）",
					"the grid boundary reaches outside its %[2]s %[3]q (near %.6[4]f, %.6[5]f)",
					community.Kind.Label().ZH, community.Kind.Label().EN, community.Name, pt[0], pt[1])
			}
		}
	}
	b := shape.Bound()
	rows, err := tx.Query(ctx, `SELECT r.code, r.name, b.geojson FROM region_boundaries b JOIN regions r ON r.id = b.region_id
		WHERE r.parent_id = $1 AND r.level = 'grid' AND r.id <> $2 AND b.valid_to IS NULL
		  AND b.min_lon < $3 AND b.max_lon > $4 AND b.min_lat < $5 AND b.max_lat > $6
		ORDER BY r.code`, community.ID, grid.ID, b.Max[0], b.Min[0], b.Max[1], b.Min[1])
	if err != nil {
		return err
	}
	type sibling struct {
		code, name string
		shape      orb.MultiPolygon
	}
	var sibs []sibling
	for rows.Next() {
		var sb sibling
		var js string
		if err := rows.Scan(&sb.code, &sb.name, &js); err != nil {
			rows.Close()
			return sqldb.Translate(err)
		}
		if sb.shape, err = decodeStored([]byte(js)); err != nil {
			rows.Close()
			return err
		}
		sibs = append(sibs, sb)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return sqldb.Translate(err)
	}
	for _, sb := range sibs {
		for _, p := range shape {
			for _, q := range sb.shape {
				if polygonsOverlap(p, q) {
					return apperr.Invalidf("geojson", "网格边界与同一%[1]s的网格 %[3]s（%[4]s）重叠", "the grid boundary overlaps grid %[3]s (%[4]s) of the same %[2]s",
						community.Kind.Label().ZH, community.Kind.Label().EN, sb.code, sb.name)
				}
			}
		}
	}
	return nil
}

// BoundaryAt returns the version of a region's boundary in force on date;
// NotFound when the region had none then. The actor needs region.read on
// the region.
func (s *Service) BoundaryAt(ctx context.Context, regionID int64, date time.Time) (*Boundary, error) {
	if _, err := s.FindRegionByID(ctx, regionID); err != nil {
		return nil, err
	}
	d := dateOf(date)
	b, err := scanBoundary(s.db.QueryRow(ctx, `SELECT `+boundaryCols+` FROM region_boundaries
		WHERE region_id = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to > $2)
		ORDER BY valid_from DESC LIMIT 1`, regionID, d))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("区域 %d 在 %s 没有边界", "region %d had no boundary on %s", regionID, d.Format(time.DateOnly))
	}
	if err != nil {
		return nil, fmt.Errorf("territory: boundary of region %d: %w", regionID, sqldb.Translate(err))
	}
	return b, nil
}

// BoundaryHistory returns every version of a region's boundary, oldest
// first. The actor needs region.read on the region.
func (s *Service) BoundaryHistory(ctx context.Context, regionID int64) ([]*Boundary, error) {
	if _, err := s.FindRegionByID(ctx, regionID); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+boundaryCols+` FROM region_boundaries WHERE region_id = $1 ORDER BY valid_from`, regionID)
	if err != nil {
		return nil, fmt.Errorf("territory: boundary history of region %d: %w", regionID, err)
	}
	defer rows.Close()
	var out []*Boundary
	for rows.Next() {
		b, err := scanBoundary(rows)
		if err != nil {
			return nil, fmt.Errorf("territory: boundary history of region %d: %w", regionID, sqldb.Translate(err))
		}
		out = append(out, b)
	}
	return out, sqldb.Translate(rows.Err())
}
