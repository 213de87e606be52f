package web

import (
	"net/http"
	"time"

	"github.com/gridwork/gridwork/internal/people"
)

// residentJSON is a resident with personal data masked.
type residentJSON struct {
	ID          int64           `json:"id"`
	HouseholdID int64           `json:"household_id,omitempty"`
	Name        string          `json:"name"`
	Gender      people.Gender   `json:"gender,omitempty"`
	BirthDate   string          `json:"birth_date,omitempty"`
	IDNumber    string          `json:"id_number"`
	Phone       string          `json:"phone"`
	Relation    people.Relation `json:"relation,omitempty"`
	PartyMember bool            `json:"party_member"`
	Tags        []people.Tag    `json:"tags"`
}

func toResidentJSON(p *people.Resident) residentJSON {
	out := residentJSON{ID: p.ID, HouseholdID: p.HouseholdID, Name: p.Name, Gender: p.Gender, IDNumber: p.IDNumber,
		Phone: p.Phone, Relation: p.Relation, PartyMember: p.PartyMember, Tags: p.Tags}
	if !p.BirthDate.IsZero() {
		out.BirthDate = p.BirthDate.Format(time.DateOnly)
	}
	if out.Tags == nil {
		out.Tags = []people.Tag{}
	}
	return out
}

func (s *Server) handleListResidents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, offset, err := paging(r, 1000)
	if err != nil {
		return err
	}
	f := people.ResidentFilter{Limit: limit, Offset: offset, NameContains: q.Get("name"), IDNumber: q.Get("id_number"), Phone: q.Get("phone")}
	if f.RegionID, err = optID(r, "region_id"); err != nil {
		return err
	}
	if f.HouseholdID, err = optID(r, "household_id"); err != nil {
		return err
	}
	if t := people.Tag(q.Get("tag")); t != "" {
		f.Tag = &t
	}
	list, total, err := s.people.FindResidents(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, list, total, limit, offset, toResidentJSON)
	return nil
}

func (s *Server) handleGetResident(w http.ResponseWriter, r *http.Request) error {
	return writeFound(w, r, s.people.FindResidentByID, toResidentJSON)
}

type createResidentRequest struct {
	HouseholdID int64           `json:"household_id"`
	RegionID    int64           `json:"region_id"`
	Name        string          `json:"name"`
	Gender      people.Gender   `json:"gender"`
	IDNumber    string          `json:"id_number"`
	Phone       string          `json:"phone"`
	Relation    people.Relation `json:"relation"`
	PartyMember bool            `json:"party_member"`
	Tags        []people.Tag    `json:"tags"`
}

func (s *Server) handleCreateResident(w http.ResponseWriter, r *http.Request) error {
	var in createResidentRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.people.CreateResident(r.Context(), people.ResidentInput{
		HouseholdID: in.HouseholdID, RegionID: in.RegionID, Name: in.Name, Gender: in.Gender, IDNumber: in.IDNumber,
		Phone: in.Phone, Relation: in.Relation, PartyMember: in.PartyMember, Tags: in.Tags,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toResidentJSON(p))
	return nil
}

// residentPIIJSON is a resident's full personal data, shown after an audited reveal.
type residentPIIJSON struct {
	ResidentID int64  `json:"resident_id"`
	Name       string `json:"name"`
	IDNumber   string `json:"id_number"`
	Phone      string `json:"phone"`
}

// coverageJSON is a region's party-organisation coverage (党组织覆盖率).
type coverageJSON struct {
	RegionID int64   `json:"region_id"`
	Grids    int     `json:"grids"`
	Covered  int     `json:"covered"`
	Rate     float64 `json:"rate"`
}

type revealRequest struct {
	Reason string `json:"reason"`
}

// handleRevealResident shows one resident's full ID number and phone; the
// people service records who asked, when and why.
func (s *Server) handleRevealResident(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in revealRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	pii, err := s.people.RevealResident(r.Context(), id, in.Reason)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, residentPIIJSON{ResidentID: pii.ResidentID, Name: pii.Name, IDNumber: pii.IDNumber, Phone: pii.Phone})
	return nil
}

type piiViewJSON struct {
	ID         int64    `json:"id"`
	ActorID    int64    `json:"actor_user_id"`
	ActorName  string   `json:"actor_name"`
	ResidentID int64    `json:"resident_id,omitempty"`
	Fields     []string `json:"fields"`
	Reason     string   `json:"reason"`
	At         string   `json:"at"`
}

func (s *Server) handleListPIIViews(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging(r, 1000)
	if err != nil {
		return err
	}
	f := people.PIIViewFilter{Limit: limit, Offset: offset}
	if f.ResidentID, err = optID(r, "resident_id"); err != nil {
		return err
	}
	views, total, err := s.people.FindPIIViews(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, views, total, limit, offset, func(v *people.PIIView) piiViewJSON {
		return piiViewJSON{ID: v.ID, ActorID: v.ActorUserID, ActorName: v.ActorName, ResidentID: v.ResidentID,
			Fields: v.Fields, Reason: v.Reason, At: v.At.Format(time.RFC3339)}
	})
	return nil
}

type orgJSON struct {
	ID         int64          `json:"id"`
	ParentID   int64          `json:"parent_id,omitempty"`
	Kind       people.OrgKind `json:"kind"`
	Name       string         `json:"name"`
	RegionID   int64          `json:"region_id,omitempty"`
	BuildingID int64          `json:"building_id,omitempty"`
	Sector     people.Sector  `json:"sector"`
	SectorName string         `json:"sector_name,omitempty"`
	Secretary  string         `json:"secretary,omitempty"`
}

func (s *Server) handleListPartyOrgs(w http.ResponseWriter, r *http.Request) error {
	limit, offset, err := paging(r, 1000)
	if err != nil {
		return err
	}
	f := people.OrgFilter{Limit: limit, Offset: offset}
	if f.ParentID, err = optID(r, "parent_id"); err != nil {
		return err
	}
	if f.RegionID, err = optID(r, "region_id"); err != nil {
		return err
	}
	if k := people.OrgKind(r.URL.Query().Get("kind")); k != "" {
		f.Kind = &k
	}
	orgs, total, err := s.people.FindOrgs(r.Context(), f)
	if err != nil {
		return err
	}
	writePage(w, orgs, total, limit, offset, func(o *people.Org) orgJSON {
		return orgJSON{ID: o.ID, ParentID: o.ParentID, Kind: o.Kind, Name: o.Name, RegionID: o.RegionID,
			BuildingID: o.BuildingID, Sector: o.Sector, SectorName: o.SectorName, Secretary: o.Secretary}
	})
	return nil
}

// handlePartyCoverage answers how many grids of a region have a party
// branch (党组织覆盖率).
func (s *Server) handlePartyCoverage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.people.Coverage(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, coverageJSON{RegionID: c.RegionID, Grids: c.Grids, Covered: c.Covered, Rate: c.Rate})
	return nil
}
