package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/patrol"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/territory"
	"github.com/paulmach/orb"
)

// The grid worker's console (/w): a phone held in one hand on a walk
// through the grid. Department staff and party members who take orders
// land here too and see the tasks assigned to them.
func (st *staff) registerWorker(mux *http.ServeMux) {
	mux.HandleFunc("GET /w", st.htmlPage(st.handleWorkerHome))
	mux.HandleFunc("GET /w/cases/{id}", st.htmlPage(st.handleWorkerCase))
	mux.HandleFunc("POST /w/cases/{id}/act", st.htmlPage(st.handleCaseAct("/w", "worker_case.html", "/w", workerRoles)))
	mux.HandleFunc("GET /w/patrol", st.htmlPage(st.handlePatrolPage))
	mux.HandleFunc("POST /w/patrol", st.htmlPage(st.handlePatrolForm))
	mux.HandleFunc("GET /w/patrol/households", st.htmlPage(st.handlePatrolHouseholds))
	mux.HandleFunc("GET /w/map", st.htmlPage(st.handleWorkerMap))
	mux.HandleFunc("GET /w/buildings/{id}", st.htmlPage(st.handleWorkerBuilding))
}

// myGrids returns the grids the actor works as a grid worker, in grant
// order.
func (st *staff) myGrids(ctx context.Context, a *auth.Actor) []*territory.Region {
	var out []*territory.Region
	for _, g := range a.Grants {
		if g.Role != auth.RoleGridWorker || g.Scope.Kind != auth.ScopeRegion {
			continue
		}
		r, err := st.territory.FindRegionByID(ctx, g.Scope.ID)
		if err == nil && r.Level == territory.LevelGrid && !slices.ContainsFunc(out, func(x *territory.Region) bool { return x.ID == r.ID }) {
			out = append(out, r)
		}
	}
	return out
}

// pickGrid returns the grid chosen by the "grid" parameter among grids,
// the first by default, nil when there is none.
func pickGrid(r *http.Request, grids []*territory.Region) *territory.Region {
	if len(grids) == 0 {
		return nil
	}
	want, _ := strconv.ParseInt(r.FormValue("grid"), 10, 64)
	for _, g := range grids {
		if g.ID == want {
			return g
		}
	}
	return grids[0]
}

// workerHomePage is the data of worker_home.html.
type workerHomePage struct {
	Page
	Tasks []taskRow
	Grids []*territory.Region
	Today patrol.Tally
}

// handleWorkerHome lists the actor's tasks, most urgent first: the cases
// assigned to it (or its department), and for a grid worker the cases in
// its grids' queues and those waiting for verification in its grids.
func (st *staff) handleWorkerHome(w http.ResponseWriter, r *http.Request) error {
	a, err := requireRole(r, workerRoles...)
	if err != nil {
		return err
	}
	ctx := r.Context()
	p := workerHomePage{Page: st.newPage(w, r, "worker.home_title"), Grids: st.myGrids(ctx, a)}
	p.Nav = "tasks"
	open := true
	seen := map[int64]bool{}
	var list []*cases.Case
	add := func(f cases.CaseFilter) error {
		f.Open, f.Limit = &open, 200
		cs, _, err := st.cases.FindCases(ctx, f)
		if err != nil {
			return err
		}
		for _, c := range cs {
			if !seen[c.ID] {
				seen[c.ID] = true
				list = append(list, c)
			}
		}
		return nil
	}
	if err := add(cases.CaseFilter{AssignedToMe: true}); err != nil {
		return err
	}
	for _, g := range p.Grids {
		if err := add(cases.CaseFilter{QueueOf: &g.ID}); err != nil {
			return err
		}
		if err := add(cases.CaseFilter{GridID: &g.ID, States: []cases.State{cases.Handled}}); err != nil {
			return err
		}
	}
	p.Tasks = st.taskRows(ctx, p.Page, list)
	sortTasks(p.Tasks)
	if len(p.Grids) > 0 && st.patrol != nil {
		from := st.patrol.Today()
		to := from.AddDate(0, 0, 1)
		p.Today, _ = st.patrol.Tally(ctx, patrol.VisitFilter{Mine: true, From: &from, To: &to})
	}
	st.render(w, r, http.StatusOK, "worker_home.html", p)
	return nil
}

// handleWorkerCase shows a case with the actions the actor may take.
func (st *staff) handleWorkerCase(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireRole(r, workerRoles...); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := st.newPage(w, r, "staff.case_title")
	p.Nav = "tasks"
	cp, err := st.loadCasePage(r.Context(), p, "/w", id)
	if err != nil {
		return err
	}
	st.render(w, r, http.StatusOK, "worker_case.html", cp)
	return nil
}

// patrolPage is the data of worker_patrol.html.
type patrolPage struct {
	Page
	Key        string // the visit's idempotency key, kept across a failed submit
	Grids      []*territory.Region
	Grid       *territory.Region
	Buildings  []*territory.Building
	Households patrolHouseholds
	Categories []*category.Category
	Visits     []*patrol.Visit
	Today      string // the date input's default and maximum
}

// ItemBoxes are the form's boxes of policy talks, mediations and errands.
func (p patrolPage) ItemBoxes() []string {
	out := make([]string, len(patrolItemFields))
	for i, f := range patrolItemFields {
		out[i] = f.field
	}
	return out
}

// patrolHouseholds is the household picker of the patrol form (also the
// htmx fragment "worker-households").
type patrolHouseholds struct {
	Page
	Building *territory.Building
	Units    []unitHouseholds
	Kept     []int64 // households ticked in other buildings, carried as hidden inputs
	Checked  map[int64]bool
}

type unitHouseholds struct {
	Unit       *territory.Unit
	Households []*territory.Household
}

// staffKey returns a random idempotency key for a form.
func staffKey() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// loadPatrolPage fills the patrol form for the actor's grid.
func (st *staff) loadPatrolPage(w http.ResponseWriter, r *http.Request, a *auth.Actor) (patrolPage, error) {
	ctx := r.Context()
	p := patrolPage{Page: st.newPage(w, r, "worker.patrol_title"), Grids: st.myGrids(ctx, a)}
	p.Nav = "patrol"
	p.Grid = pickGrid(r, p.Grids)
	if p.Grid == nil {
		return p, apperr.New(apperr.Forbidden, "", "您不是任何网格的网格员", "you are not the grid worker of any grid")
	}
	p.Today = st.patrol.Today().Format(time.DateOnly)
	p.Key = r.PostFormValue("key")
	if p.Key == "" {
		p.Key = staffKey()
	}
	bs, _, err := st.territory.FindBuildings(ctx, territory.BuildingFilter{GridID: &p.Grid.ID, Limit: 1000})
	if err != nil {
		return p, err
	}
	p.Buildings = bs
	active := true
	cats, _, err := st.category.FindCategories(ctx, category.CategoryFilter{Active: &active, Limit: 5000})
	if err != nil {
		return p, err
	}
	for _, c := range cats {
		if c.ParentCode != "" && c.Kind != "request_nature" {
			p.Categories = append(p.Categories, c)
		}
	}
	p.Visits, _, _ = st.patrol.FindVisits(ctx, patrol.VisitFilter{Mine: true, Limit: 5})
	hh, err := st.patrolHouseholds(r, p.Page, p.Grid, p.Buildings)
	if err != nil {
		return p, err
	}
	p.Households = hh
	return p, nil
}

// patrolHouseholds builds the household picker: the chosen building's
// units and rooms, the households ticked elsewhere kept hidden.
func (st *staff) patrolHouseholds(r *http.Request, p Page, grid *territory.Region, bs []*territory.Building) (patrolHouseholds, error) {
	ctx := r.Context()
	h := patrolHouseholds{Page: p, Checked: map[int64]bool{}}
	for _, v := range r.Form["household"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			h.Checked[id] = true
		}
	}
	want, _ := strconv.ParseInt(r.FormValue("building"), 10, 64)
	for _, b := range bs {
		if b.ID == want || want == 0 && h.Building == nil {
			h.Building = b
		}
	}
	if h.Building == nil || h.Building.GridID != grid.ID {
		h.Building = nil
		for id := range h.Checked {
			h.Kept = append(h.Kept, id)
		}
		slices.Sort(h.Kept)
		return h, nil
	}
	units, _, err := st.territory.FindUnits(ctx, territory.UnitFilter{BuildingID: &h.Building.ID, Limit: 200})
	if err != nil {
		return h, err
	}
	hs, _, err := st.territory.FindHouseholds(ctx, territory.HouseholdFilter{BuildingID: &h.Building.ID, Limit: 1000})
	if err != nil {
		return h, err
	}
	here := map[int64]bool{}
	for _, u := range units {
		uh := unitHouseholds{Unit: u}
		for _, x := range hs {
			if x.UnitID == u.ID {
				uh.Households = append(uh.Households, x)
				here[x.ID] = true
			}
		}
		h.Units = append(h.Units, uh)
	}
	for id := range h.Checked {
		if !here[id] {
			h.Kept = append(h.Kept, id)
		}
	}
	slices.Sort(h.Kept)
	return h, nil
}

// handlePatrolPage shows the patrol form and the last visits.
func (st *staff) handlePatrolPage(w http.ResponseWriter, r *http.Request) error {
	a, err := requireRole(r, auth.RoleGridWorker)
	if err != nil {
		return err
	}
	p, err := st.loadPatrolPage(w, r, a)
	if err != nil {
		return err
	}
	p.Form = r.URL.Query()
	st.render(w, r, http.StatusOK, "worker_patrol.html", p)
	return nil
}

// handlePatrolHouseholds is the htmx fragment of the household picker for
// another building.
func (st *staff) handlePatrolHouseholds(w http.ResponseWriter, r *http.Request) error {
	a, err := requireRole(r, auth.RoleGridWorker)
	if err != nil {
		return err
	}
	grid := pickGrid(r, st.myGrids(r.Context(), a))
	if grid == nil {
		return apperr.ErrForbidden()
	}
	bs, _, err := st.territory.FindBuildings(r.Context(), territory.BuildingFilter{GridID: &grid.ID, Limit: 1000})
	if err != nil {
		return err
	}
	h, err := st.patrolHouseholds(r, st.newPage(w, r, "worker.patrol_title"), grid, bs)
	if err != nil {
		return err
	}
	st.renderBlock(w, r, http.StatusOK, "worker_patrol.html", "worker-households", h)
	return nil
}

// lines splits a textarea into its non-blank lines, one item each.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// patrolItemFields name the textareas of the patrol form by item kind.
var patrolItemFields = []struct {
	kind  patrol.ItemKind
	field string
}{{patrol.PolicyTalk, "talks"}, {patrol.Mediation, "mediations"}, {patrol.Errand, "errands"}}

// handlePatrolForm records a patrol visit: households ticked, one policy
// talk, mediation or errand per line of its box, and optionally a finding
// with a photo, which becomes a case. A resent form (same key) records
// nothing twice.
func (st *staff) handlePatrolForm(w http.ResponseWriter, r *http.Request) error {
	a, err := requireRole(r, auth.RoleGridWorker)
	if err != nil {
		return err
	}
	ctx := r.Context()
	grid := pickGrid(r, st.myGrids(ctx, a))
	if grid == nil {
		return apperr.New(apperr.Forbidden, "", "您不是任何网格的网格员", "you are not the grid worker of any grid")
	}
	in := patrol.VisitInput{IdempotencyKey: r.PostFormValue("key"), GridID: grid.ID, Note: r.PostFormValue("note")}
	var errs apperr.List
	if d := strings.TrimSpace(r.PostFormValue("visited_on")); d != "" {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			errs = append(errs, apperr.Invalidf("visited_on", "日期格式应为 2026-03-06", "the date must look like 2026-03-06"))
		}
		in.VisitedOn = t
	}
	for _, v := range r.PostForm["household"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			in.Households = append(in.Households, id)
		}
	}
	// itemField maps each item back to the box it came from, for errors.
	var itemField []string
	for _, f := range patrolItemFields {
		for _, l := range lines(r.PostFormValue(f.field)) {
			in.Items = append(in.Items, patrol.ItemInput{Kind: f.kind, Note: l})
			itemField = append(itemField, f.field)
		}
	}
	title := strings.TrimSpace(r.PostFormValue("finding_title"))
	var photo int64
	if title != "" || r.PostFormValue("finding_category") != "" {
		f := patrol.FindingInput{Category: r.PostFormValue("finding_category"), Title: title, Urgency: category.Normal,
			Description: r.PostFormValue("finding_description")}
		if r.PostFormValue("finding_urgent") == "on" {
			f.Urgency = category.Urgent
		}
		f.BuildingID, _ = strconv.ParseInt(r.PostFormValue("finding_building"), 10, 64)
		in.Findings = append(in.Findings, f)
	}
	if len(errs) == 0 && len(in.Findings) > 0 && in.Findings[0].Title != "" && in.Findings[0].Category != "" && r.MultipartForm != nil {
		// The photo is stored only once the finding is complete enough to
		// be reported, so that a form missing its title stores nothing.
		if fs := r.MultipartForm.File["finding_photo"]; len(fs) > 0 && fs[0].Size > 0 {
			id, err := st.uploadPhoto(ctx, fs[0])
			switch {
			case err != nil && !formError(err):
				return err
			case err != nil:
				errs = append(errs, renameField(err, "finding_photo"))
			}
			photo = id
		}
		if photo != 0 {
			in.Findings[0].Attachments = []int64{photo}
		}
	}
	var v *patrol.Visit
	err = errs.Err()
	if len(errs) == 1 {
		err = errs[0]
	}
	if err == nil {
		v, err = st.patrol.RecordVisit(ctx, in)
	}
	if err == nil {
		msg := "worker.flash_patrol"
		if v.Count(patrol.Finding) > 0 {
			msg = "worker.flash_patrol_finding"
		}
		st.redirect(w, r, "/w/patrol?grid="+strconv.FormatInt(grid.ID, 10), msg)
		return nil
	}
	if !formError(err) {
		return err
	}
	p, lerr := st.loadPatrolPage(w, r, a)
	if lerr != nil {
		return lerr
	}
	p.Fail(patrolFormErrors(err, itemField))
	st.render(w, r, errStatus(err), "worker_patrol.html", p)
	return nil
}

// renameField returns err's first field error moved onto field; err is
// a form error (see formError).
func renameField(err error, field string) *apperr.Error {
	c := *apperr.As(err)
	c.Field = field
	return &c
}

// patrolFormErrors moves the patrol service's field names onto the form's:
// items.N.* onto the box item N came from, findings.1.* onto the finding's
// fields.
func patrolFormErrors(err error, itemField []string) error {
	var list apperr.List
	if l, ok := asList(err); ok {
		list = l
	} else if e := apperr.As(err); e != nil {
		list = apperr.List{e}
	} else {
		return err
	}
	out := make(apperr.List, 0, len(list))
	for _, e := range list {
		c := *e
		parts := strings.Split(c.Field, ".")
		switch {
		case len(parts) >= 2 && parts[0] == "items":
			if n, err := strconv.Atoi(parts[1]); err == nil && n >= 1 && n <= len(itemField) {
				c.Field = itemField[n-1]
			}
		case len(parts) >= 3 && parts[0] == "findings":
			switch parts[2] {
			case "category", "title", "description", "urgency":
				c.Field = "finding_" + parts[2]
			case "attachments":
				c.Field = "finding_photo"
			case "building_id", "unit_id", "location", "region_id":
				c.Field = "finding_building"
			default:
				c.Field = ""
			}
		case c.Field == "grid_id" || c.Field == "idempotency_key":
			c.Field = ""
		}
		out = append(out, &c)
	}
	return out
}

// asList returns err's apperr.List, if it carries one.
func asList(err error) (apperr.List, bool) {
	for e := err; e != nil; {
		if l, ok := e.(apperr.List); ok {
			return l, true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return nil, false
		}
		e = u.Unwrap()
	}
	return nil, false
}

// workerMapPage is the data of worker_map.html.
type workerMapPage struct {
	Page
	Grids        []*territory.Region
	Grid         *territory.Region
	Map          *svgMap
	Buildings    []*territory.Building // listed: all, or those matching the search
	AllBuildings int
	Open         int // open cases located in the grid
}

// handleWorkerMap draws the worker's grid from its GeoJSON boundary, its
// buildings as dots (each a link to its households) and the open cases
// located in it, and lists the buildings.
func (st *staff) handleWorkerMap(w http.ResponseWriter, r *http.Request) error {
	a, err := requireRole(r, auth.RoleGridWorker)
	if err != nil {
		return err
	}
	ctx := r.Context()
	p := workerMapPage{Page: st.newPage(w, r, "worker.map_title"), Grids: st.myGrids(ctx, a)}
	p.Nav = "map"
	p.Grid = pickGrid(r, p.Grids)
	if p.Grid == nil {
		return apperr.New(apperr.Forbidden, "", "您不是任何网格的网格员", "you are not the grid worker of any grid")
	}
	var m mapBuilder
	if b, err := st.territory.BoundaryAt(ctx, p.Grid.ID, p.Now()); err == nil {
		m.shape(b.Shape, "grid mine", p.Grid.Name, "")
	}
	bs, _, err := st.territory.FindBuildings(ctx, territory.BuildingFilter{GridID: &p.Grid.ID, Limit: 1000})
	if err != nil {
		return err
	}
	// The list below the map: every building, or those whose name holds q.
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	p.Form = r.URL.Query()
	for _, b := range bs {
		if q == "" || strings.Contains(b.Compound+b.Name, q) {
			p.Buildings = append(p.Buildings, b)
		}
	}
	p.AllBuildings = len(bs)
	for _, b := range bs {
		if b.Lon != nil && b.Lat != nil {
			m.point(orb.Point{*b.Lon, *b.Lat}, 2.5, "bldg", b.Compound+b.Name, "/w/buildings/"+strconv.FormatInt(b.ID, 10))
		}
	}
	open := true
	cs, n, err := st.cases.FindCases(ctx, cases.CaseFilter{GridID: &p.Grid.ID, Open: &open, Limit: 200})
	if err != nil {
		return err
	}
	p.Open = n
	for _, c := range cs {
		if c.Lon != nil && c.Lat != nil {
			m.point(orb.Point{*c.Lon, *c.Lat}, 1.8, "case-open", c.Number+" "+c.Title, "/w/cases/"+strconv.FormatInt(c.ID, 10))
		}
	}
	p.Map = m.build(600, p.T("worker.map_label", p.Grid.Name))
	st.render(w, r, http.StatusOK, "worker_map.html", p)
	return nil
}

// workerBuildingPage is the data of worker_building.html.
type workerBuildingPage struct {
	Page
	Building *territory.Building
	Units    []buildingUnit
}

type buildingUnit struct {
	Unit       *territory.Unit
	Households []householdView
}

// householdView is a household with its residents, personal data masked.
type householdView struct {
	*territory.Household
	Residents []residentView
}

// residentView is a resident as the grid worker's phone shows it: the name
// masked too, since the screen is read in the street.
type residentView struct {
	Name, Phone, Relation string
	Tags                  []string
}

// handleWorkerBuilding lists a building's units, households and residents,
// masked.
func (st *staff) handleWorkerBuilding(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireRole(r, auth.RoleGridWorker); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	b, err := st.territory.FindBuildingByID(ctx, id)
	if err != nil {
		return err
	}
	p := workerBuildingPage{Page: st.newPage(w, r, "worker.building_title"), Building: b}
	p.Nav = "map"
	p.Title = b.Compound + b.Name
	units, _, err := st.territory.FindUnits(ctx, territory.UnitFilter{BuildingID: &b.ID, Limit: 200})
	if err != nil {
		return err
	}
	hs, _, err := st.territory.FindHouseholds(ctx, territory.HouseholdFilter{BuildingID: &b.ID, Limit: 1000})
	if err != nil {
		return err
	}
	for _, u := range units {
		bu := buildingUnit{Unit: u}
		for _, h := range hs {
			if h.UnitID != u.ID {
				continue
			}
			hv := householdView{Household: h}
			if st.people != nil {
				hid := h.ID
				rs, _, err := st.people.FindResidents(ctx, people.ResidentFilter{HouseholdID: &hid, Limit: 50})
				if err != nil && apperr.CodeOf(err) != apperr.Forbidden {
					return err
				}
				for _, x := range rs {
					rv := residentView{Name: people.MaskName(x.Name), Phone: x.Phone, Relation: x.Relation.Label().In(p.Lang)}
					for _, t := range x.Tags {
						rv.Tags = append(rv.Tags, t.Label().In(p.Lang))
					}
					hv.Residents = append(hv.Residents, rv)
				}
			}
			bu.Households = append(bu.Households, hv)
		}
		p.Units = append(p.Units, bu)
	}
	st.render(w, r, http.StatusOK, "worker_building.html", p)
	return nil
}
