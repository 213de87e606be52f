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
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", 50, 1, 1000)
	if err != nil {
		return err
	}
	offset, err := queryInt(r, "offset", 0, 0, 1<<30)
	if err != nil {
		return err
	}
	f := territory.BuildingFilter{Limit: limit, Offset: offset}
	if id, err := queryID(r, "grid_id"); err != nil {
		return err
	} else if id != 0 {
		f.GridID = &id
	}
	if id, err := queryID(r, "subtree_of"); err != nil {
		return err
	} else if id != 0 {
		f.SubtreeOf = &id
	}
	if c := q.Get("compound"); c != "" {
		f.Compound = &c
	}
	if n := q.Get("name"); n != "" {
		f.NameContains = &n
	}
	list, total, err := s.territory.FindBuildings(r.Context(), f)
	if err != nil {
		return err
	}
	out := page[buildingJSON]{Items: make([]buildingJSON, 0, len(list)), Total: total, Offset: offset, Limit: limit}
	for _, b := range list {
		out.Items = append(out.Items, toBuildingJSON(b))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleGetBuilding(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := s.territory.FindBuildingByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toBuildingJSON(b))
	return nil
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
	limit, err := queryInt(r, "limit", 50, 1, 1000)
	if err != nil {
		return err
	}
	offset, err := queryInt(r, "offset", 0, 0, 1<<30)
	if err != nil {
		return err
	}
	f := territory.ServicePointFilter{Limit: limit, Offset: offset}
	if id, err := queryID(r, "subtree_of"); err != nil {
		return err
	} else if id != 0 {
		f.SubtreeOf = &id
	}
	if k := territory.ServicePointKind(r.URL.Query().Get("kind")); k != "" {
		f.Kind = &k
	}
	list, total, err := s.territory.FindServicePoints(r.Context(), f)
	if err != nil {
		return err
	}
	out := page[servicePointJSON]{Items: make([]servicePointJSON, 0, len(list)), Total: total, Offset: offset, Limit: limit}
	for _, p := range list {
		out.Items = append(out.Items, servicePointJSON{ID: p.ID, RegionID: p.RegionID, Kind: p.Kind, Name: p.Name, Address: p.Address,
			Lon: p.Lon, Lat: p.Lat, Phone: p.Phone, Hours: p.Hours})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
