package web

import (
	"net/http"

	"github.com/gridwork/gridwork/internal/territory"
)

// buildingJSON is a building (or village courtyard) as the API shows it.
type buildingJSON struct {
	ID       int64                  `json:"id"`
	GridID   int64                  `json:"grid_id"`
	Compound string                 `json:"compound,omitempty"`
	Name     string                 `json:"name"`
	Kind     territory.BuildingKind `json:"kind"`
	Address  string                 `json:"address,omitempty"`
	Lon      *float64               `json:"lon,omitempty"`
	Lat      *float64               `json:"lat,omitempty"`
	Floors   int                    `json:"floors,omitempty"`
}

func toBuildingJSON(b *territory.Building) buildingJSON {
	return buildingJSON{ID: b.ID, GridID: b.GridID, Compound: b.Compound, Name: b.Name, Kind: b.Kind, Address: b.Address, Lon: b.Lon, Lat: b.Lat, Floors: b.Floors}
}

func (s *Server) handleListBuildings(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging(r, 1000)
	if err != nil {
		return err
	}
	f := territory.BuildingFilter{Limit: limit, Offset: offset}
	if f.GridID, err = optID(r, "grid_id"); err != nil {
		return err
	}
	if f.SubtreeOf, err = optID(r, "subtree_of"); err != nil {
		return err
	}
	f.Compound, f.NameContains = optString(r, "compound"), optString(r, "name")
	list, total, err := s.territory.FindBuildings(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, list, total, limit, offset, toBuildingJSON)
	return nil
}

func (s *Server) handleGetBuilding(w http.ResponseWriter, r *http.Request) error {
	return writeFound(w, r, s.territory.FindBuildingByID, toBuildingJSON)
}

func (s *Server) handleCreateBuilding(w http.ResponseWriter, r *http.Request) error {
	var in buildingJSON
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	b, err := s.territory.CreateBuilding(r.Context(), territory.BuildingInput{
		GridID: in.GridID, Compound: in.Compound, Name: in.Name, Kind: in.Kind, Address: in.Address, Lon: in.Lon, Lat: in.Lat, Floors: in.Floors,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toBuildingJSON(b))
	return nil
}

// servicePointJSON is a point of service on the map.
type servicePointJSON struct {
	ID       int64                      `json:"id"`
	RegionID int64                      `json:"region_id"`
	Kind     territory.ServicePointKind `json:"kind"`
	Name     string                     `json:"name"`
	Address  string                     `json:"address,omitempty"`
	Lon      float64                    `json:"lon"`
	Lat      float64                    `json:"lat"`
	Phone    string                     `json:"phone,omitempty"`
	Hours    string                     `json:"hours,omitempty"`
}

func (s *Server) handleListServicePoints(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging(r, 1000)
	if err != nil {
		return err
	}
	f := territory.ServicePointFilter{Limit: limit, Offset: offset}
	if f.SubtreeOf, err = optID(r, "subtree_of"); err != nil {
		return err
	}
	if k := territory.ServicePointKind(r.URL.Query().Get("kind")); k != "" {
		f.Kind = &k
	}
	list, total, err := s.territory.FindServicePoints(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, list, total, limit, offset, func(p *territory.ServicePoint) servicePointJSON {
		return servicePointJSON{ID: p.ID, RegionID: p.RegionID, Kind: p.Kind, Name: p.Name, Address: p.Address,
			Lon: p.Lon, Lat: p.Lat, Phone: p.Phone, Hours: p.Hours}
	})
	return nil
}
