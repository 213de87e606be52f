package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/territory"
)

// registerPublicPages adds the public pages under /p: a case's public page
// and a community's public map. They need no sign-in and show no personal
// data (see publicCasePage and publicMapPage for what they show).
func (s *Server) registerPublicPages(mux *http.ServeMux) {
	mux.HandleFunc("GET /p/cases/{number}", s.htmlPage(s.handlePublicCase))
	mux.HandleFunc("GET /p/map/{code}", s.htmlPage(s.handlePublicMap))
}

// publicCasePage is the data of templates/p_case.html. It is what anyone
// who knows a case's number may see: its category, state, the area (grid or
// community) it lies in, dates, and its steps with the kind of worker who
// took them — never the reporter, the title or description (which may name
// people), names of staff, notes, photos or the exact place.
type publicCasePage struct {
	Page
	Number     string
	Category   string
	CaseState  cases.State
	Area       string
	ReportedAt time.Time
	ClosedAt   *time.Time
	Steps      []cases.TimelineEntry
}

// caseByNumber finds a case by its number, as the system.
func (s *Server) caseByNumber(r *http.Request, number string) (*cases.Case, error) {
	number = strings.ToUpper(strings.TrimSpace(number))
	notFound := apperr.NotFoundf("没有编号为 %s 的案件", "there is no case numbered %s", number)
	if !strings.HasPrefix(number, "GW") || len(number) > 32 {
		return nil, notFound
	}
	list, _, err := s.cases.FindCases(auth.WithActor(r.Context(), auth.SystemActor()), cases.CaseFilter{Text: &number, Limit: 10})
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		if c.Number == number {
			return c, nil
		}
	}
	return nil, notFound
}

// handlePublicCase shows a case's public page.
func (s *Server) handlePublicCase(w http.ResponseWriter, r *http.Request) error {
	c, err := s.caseByNumber(r, r.PathValue("number"))
	if err != nil {
		return err
	}
	sys := auth.WithActor(r.Context(), auth.SystemActor())
	steps, err := s.cases.Timeline(sys, c.ID)
	if err != nil {
		return err
	}
	p := publicCasePage{Page: s.newPage(w, r, "p.case_title"), Number: c.Number, CaseState: c.State,
		ReportedAt: c.ReportedAt, ClosedAt: c.ClosedAt, Steps: steps}
	p.Lean = true
	p.Title = p.T("p.case_title_n", c.Number)
	p.Category = s.categoryNames(r.Context(), p.Lang)(c.Category)
	if reg, err := s.territory.FindRegionByID(sys, c.RegionID); err == nil {
		p.Area = reg.Name
	}
	s.render(w, r, http.StatusOK, "p_case.html", p)
	return nil
}

// publicMapPage is the data of templates/p_map.html: a community's grids
// with the number of open cases and of cases closed in the last 90 days in
// each (counts of every case: they reveal nothing of anyone), and points
// only for the cases whose reporters made them public (Case.Public), which
// link to their public pages. Cases nobody made public are never placed on
// the map, since a point can identify a household.
type publicMapPage struct {
	Page
	Community  *territory.Region
	Map        *mapView
	Open       int
	Closed     int
	PublicOpen int // public cases drawn
	PublicShut int
}

// publicWindow is how far back the public map counts closed cases.
const publicWindow = 90 * 24 * time.Hour

// handlePublicMap shows a community's public map. At most the 500 newest
// public cases of each kind (open, recently closed) are drawn.
func (s *Server) handlePublicMap(w http.ResponseWriter, r *http.Request) error {
	sys := auth.WithActor(r.Context(), auth.SystemActor())
	reg, err := s.territory.FindRegionByCode(sys, r.PathValue("code"))
	if err != nil {
		return err
	}
	if reg.Level == territory.LevelGrid {
		if reg, err = s.communityOf(r.Context(), reg.ID); err != nil {
			return err
		}
	}
	if reg.Level != territory.LevelVillage {
		return apperr.NotFoundf("公开地图按社区（村）提供", "public maps are per community (village)")
	}
	p := publicMapPage{Page: s.newPage(w, r, "p.map_title"), Community: reg}
	p.Lean = true
	p.Title = p.T("p.map_title_n", reg.Name)
	m, err := s.communityMap(r.Context(), reg.ID, 0, p.T("p.map_label", reg.Name))
	if err != nil {
		return err
	}
	since := s.now().Add(-publicWindow)
	open, shut := true, false
	for i := range m.Grids {
		g := &m.Grids[i]
		if _, g.Open, err = s.cases.FindCases(sys, cases.CaseFilter{GridID: &g.regionID, Open: &open, Limit: 1}); err != nil {
			return err
		}
		if _, g.Closed, err = s.cases.FindCases(sys, cases.CaseFilter{GridID: &g.regionID, Open: &shut, From: &since, Limit: 1}); err != nil {
			return err
		}
		p.Open, p.Closed = p.Open+g.Open, p.Closed+g.Closed
	}
	names := s.categoryNames(r.Context(), p.Lang)
	public := true
	for _, f := range []cases.CaseFilter{{RegionOf: &reg.ID, Open: &open, Public: &public, Order: cases.OrderNewest, Limit: 500},
		{RegionOf: &reg.ID, Open: &shut, Public: &public, From: &since, Order: cases.OrderNewest, Limit: 500}} {
		list, _, err := s.cases.FindCases(sys, f)
		if err != nil {
			return err
		}
		for _, c := range list {
			if !c.Public || c.Lon == nil || c.Lat == nil || !m.inside(*c.Lon, *c.Lat) {
				continue
			}
			pt := m.point(*c.Lon, *c.Lat, names(c.Category)+" · "+c.State.Label().In(p.Lang))
			pt.URL, pt.Open = "/p/cases/"+c.Number, c.State.Open()
			m.Cases = append(m.Cases, pt)
			if pt.Open {
				p.PublicOpen++
			} else {
				p.PublicShut++
			}
		}
	}
	p.Map = m
	s.render(w, r, http.StatusOK, "p_map.html", p)
	return nil
}
