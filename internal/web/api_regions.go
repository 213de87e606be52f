package web

import (
	"encoding/json"
	"io"
	"net/http"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/territory"
)

// regionJSON is a region as the API shows it.
type regionJSON struct {
	ID       int64           `json:"id"`
	ParentID int64           `json:"parent_id,omitempty"`
	Level    territory.Level `json:"level"`
	Kind     territory.Kind  `json:"kind"`
	Code     string          `json:"code"`
	Name     string          `json:"name"`
	Path     string          `json:"path"`
}

func toRegionJSON(r *territory.Region) regionJSON {
	return regionJSON{ID: r.ID, ParentID: r.ParentID, Level: r.Level, Kind: r.Kind, Code: r.Code, Name: r.Name, Path: r.Path}
}

func (s *Server) handleListRegions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging(r, 1000)
	if err != nil {
		return err
	}
	f := territory.RegionFilter{Limit: limit, Offset: offset}
	if f.ParentID, err = optID(r, "parent_id"); err != nil {
		return err
	}
	if f.SubtreeOf, err = optID(r, "subtree_of"); err != nil {
		return err
	}
	if l := territory.Level(q.Get("level")); l != "" {
		if !l.Valid() {
			return apperr.Invalidf("level", "层级 %q 无效", "level %q is not valid", l)
		}
		f.Level = &l
	}
	f.NameContains = optString(r, "name")
	regions, total, err := s.territory.FindRegions(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, regions, total, limit, offset, toRegionJSON)
	return nil
}

func (s *Server) handleGetRegion(w http.ResponseWriter, r *http.Request) error {
	return writeFound(w, r, s.territory.FindRegionByID, toRegionJSON)
}

type createRegionRequest struct {
	ParentID int64           `json:"parent_id"`
	Level    territory.Level `json:"level"`
	Kind     territory.Kind  `json:"kind"`
	Code     string          `json:"code"`
	Name     string          `json:"name"`
}

func (s *Server) handleCreateRegion(w http.ResponseWriter, r *http.Request) error {
	var in createRegionRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rg, err := s.territory.CreateRegion(r.Context(), territory.RegionInput{ParentID: in.ParentID, Level: in.Level, Kind: in.Kind, Code: in.Code, Name: in.Name})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toRegionJSON(rg))
	return nil
}

type updateRegionRequest struct {
	Name *string `json:"name"`
}

func (s *Server) handleUpdateRegion(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in updateRegionRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rg, err := s.territory.UpdateRegion(r.Context(), id, territory.RegionUpdate{Name: in.Name})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toRegionJSON(rg))
	return nil
}

// boundaryJSON is a boundary version; geometry is the stored GeoJSON.
type boundaryJSON struct {
	RegionID  int64           `json:"region_id"`
	Geometry  json.RawMessage `json:"geometry"`
	ValidFrom string          `json:"valid_from"`
	ValidTo   string          `json:"valid_to,omitempty"`
}

func (s *Server) handleGetBoundary(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	at := s.now()
	if d := r.URL.Query().Get("date"); d != "" {
		if at, err = time.Parse(time.DateOnly, d); err != nil {
			return apperr.Invalidf("date", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD")
		}
	}
	b, err := s.territory.BoundaryAt(r.Context(), id, at)
	if err != nil {
		return err
	}
	out := boundaryJSON{RegionID: b.RegionID, Geometry: b.GeoJSON, ValidFrom: b.ValidFrom.Format(time.DateOnly)}
	if b.ValidTo != nil {
		out.ValidTo = b.ValidTo.Format(time.DateOnly)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// handleSetBoundary takes a GeoJSON body (geometry, Feature or
// FeatureCollection with one polygon); ?valid_from=YYYY-MM-DD, default today.
func (s *Server) handleSetBoundary(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	from := s.now().UTC().Truncate(24 * time.Hour)
	if d := r.URL.Query().Get("valid_from"); d != "" {
		if from, err = time.Parse(time.DateOnly, d); err != nil {
			return apperr.Invalidf("valid_from", "生效日期格式应为 YYYY-MM-DD", "valid_from must be YYYY-MM-DD")
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20+1))
	if err != nil {
		return apperr.Invalidf("geojson", "无法读取边界数据", "cannot read the boundary")
	}
	if len(body) > 8<<20 {
		return apperr.Invalidf("geojson", "边界数据超过 8 MB", "the boundary is larger than 8 MB")
	}
	if err := s.territory.SetBoundary(r.Context(), id, body, from); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleLocate answers which grid (or, failing that, which smallest region)
// holds a point: GET /api/v1/locate?lon=…&lat=….
func (s *Server) handleLocate(w http.ResponseWriter, r *http.Request) error {
	lon, err := queryFloat(r, "lon")
	if err != nil {
		return err
	}
	lat, err := queryFloat(r, "lat")
	if err != nil {
		return err
	}
	rg, err := s.territory.FindGridAt(r.Context(), lon, lat)
	if apperr.CodeOf(err) == apperr.NotFound {
		rg, err = s.territory.FindRegionAt(r.Context(), lon, lat)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toRegionJSON(rg))
	return nil
}
