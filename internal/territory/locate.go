package territory

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// LoadIndex fills the spatial index with every current boundary. Call it
// once at start-up with the system actor; afterwards the service keeps the
// index up to date for changes it commits itself. Another process's changes
// (several `serve` instances on one PostgreSQL) reach this one only at its
// next LoadIndex.
func (s *Service) LoadIndex(ctx context.Context) error {
	// The zero resource is reachable by the system only.
	if err := auth.Check(ctx, auth.ActRegionRead, auth.Resource{}); err != nil {
		return err
	}
	// Holding the writer lock while reading means no after-commit update can
	// slip in between the read and the swap and then be lost.
	s.index.mu.Lock()
	defer s.index.mu.Unlock()
	cols := "r." + strings.ReplaceAll(regionCols, ", ", ", r.")
	rows, err := s.db.Query(ctx, `SELECT `+cols+`, b.id, b.geojson FROM region_boundaries b JOIN regions r ON r.id = b.region_id
		WHERE b.valid_to IS NULL`)
	if err != nil {
		return fmt.Errorf("territory: load index: %w", err)
	}
	defer rows.Close()
	var items []IndexItem
	for rows.Next() {
		var it IndexItem
		var js string
		r, err := scanRegion(sqldb.ScanFunc(func(dest ...any) error {
			return rows.Scan(append(dest, &it.Version, &js)...)
		}))
		if err != nil {
			return fmt.Errorf("territory: load index: %w", sqldb.Translate(err))
		}
		it.Region = *r
		if it.Shape, err = decodeStored([]byte(js)); err != nil {
			return fmt.Errorf("territory: load index: region %d: %w", r.ID, err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("territory: load index: %w", sqldb.Translate(err))
	}
	s.index.loadLocked(items)
	return nil
}

// checkPoint validates a longitude and latitude.
func checkPoint(lon, lat float64) error {
	if math.IsNaN(lon) || lon < -180 || lon > 180 {
		return apperr.Invalidf("lon", "经度 %g 超出范围（−180–180）", "longitude %g is out of range (−180..180)", lon)
	}
	if math.IsNaN(lat) || lat < -90 || lat > 90 {
		return apperr.Invalidf("lat", "纬度 %g 超出范围（−90–90）", "latitude %g is out of range (−90..90)", lat)
	}
	return nil
}

// FindGridAt returns the grid whose current boundary contains the point
// (WGS84 lon, lat), from the in-memory index; NotFound when no grid does,
// Forbidden when the actor may not read that grid (region.read). Routing a
// resident's report, which carries no region.read, is for the system actor.
func (s *Service) FindGridAt(ctx context.Context, lon, lat float64) (*Region, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActRegionRead); err != nil {
		return nil, err
	}
	if err := checkPoint(lon, lat); err != nil {
		return nil, err
	}
	r, ok := s.index.GridAt(lon, lat)
	if !ok {
		return nil, apperr.NotFoundf("坐标 (%.6f, %.6f) 不在任何网格内", "no grid contains the point (%.6f, %.6f)", lon, lat)
	}
	if err := auth.Check(ctx, auth.ActRegionRead, auth.Resource{RegionPath: r.Path}); err != nil {
		return nil, err
	}
	return &r, nil
}

// FindRegionAt returns the smallest region of any level whose current
// boundary contains the point: its grid, else its community, street … so
// that a point no grid covers can still go to the right queue. NotFound and
// Forbidden as for FindGridAt.
func (s *Service) FindRegionAt(ctx context.Context, lon, lat float64) (*Region, error) {
	if _, _, err := auth.Scoped(ctx, auth.ActRegionRead); err != nil {
		return nil, err
	}
	if err := checkPoint(lon, lat); err != nil {
		return nil, err
	}
	r, ok := s.index.RegionAt(lon, lat)
	if !ok {
		return nil, apperr.NotFoundf("坐标 (%.6f, %.6f) 不在任何区域内", "no region contains the point (%.6f, %.6f)", lon, lat)
	}
	if err := auth.Check(ctx, auth.ActRegionRead, auth.Resource{RegionPath: r.Path}); err != nil {
		return nil, err
	}
	return &r, nil
}
