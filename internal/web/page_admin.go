package web

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/ledger"
	"github.com/gridwork/gridwork/internal/territory"
	"github.com/paulmach/orb"
)

// The administration (/admin): the territory (regions, grid boundaries,
// buildings), accounts and their role scopes, the category dictionary and
// time limits, the work calendar, and Excel ledger imports.
func (st *staff) registerAdmin(mux *http.ServeMux) {
	h := func(pattern string, fn func(w http.ResponseWriter, r *http.Request) error) {
		mux.HandleFunc(pattern, st.htmlPage(fn))
	}
	h("GET /admin", st.handleAdminHome)
	h("GET /admin/regions", st.handleAdminRegions)
	h("GET /admin/regions/{id}", st.handleAdminRegion)
	h("POST /admin/regions/{id}/children", st.handleAdminRegionChild)
	h("POST /admin/regions/{id}/boundary", st.handleAdminBoundary)
	h("GET /admin/buildings", st.handleAdminBuildings)
	h("POST /admin/buildings", st.handleAdminBuildingForm)
	h("GET /admin/users", st.handleAdminUsers)
	h("POST /admin/users", st.handleAdminUserForm)
	h("GET /admin/users/{id}", st.handleAdminUser)
	h("POST /admin/users/{id}/grants", st.handleAdminGrant)
	h("POST /admin/users/{id}/revoke", st.handleAdminRevoke)
	h("GET /admin/categories", st.handleAdminCategories)
	h("GET /admin/categories/{code}", st.handleAdminCategory)
	h("POST /admin/categories/{code}", st.handleAdminCategoryForm)
	h("GET /admin/limits", st.handleAdminLimits)
	h("POST /admin/limits", st.handleAdminLimitForm)
	h("POST /admin/limits/{id}/delete", st.handleAdminLimitDelete)
	h("GET /admin/calendar", st.handleAdminCalendar)
	h("POST /admin/calendar", st.handleAdminYearForm)
	h("GET /admin/calendar/{year}", st.handleAdminYear)
	h("POST /admin/calendar/{year}/days", st.handleAdminDayForm)
	h("POST /admin/calendar/{year}/days/{date}/delete", st.handleAdminDayDelete)
	h("GET /admin/ledger", st.handleAdminLedger)
	h("POST /admin/ledger", st.handleAdminLedgerForm)
	h("GET /admin/ledger/template.xlsx", st.handleAdminLedgerTemplate)
	h("GET /admin/ledger/jobs/{id}", st.handleAdminLedgerJob)
	h("GET /admin/ledger/jobs/{id}/errors.xlsx", st.handleAdminLedgerErrors)
}

// adminPage starts an administration page: the actor must be an
// administrator; the layout is the desktop one.
func (st *staff) adminPage(w http.ResponseWriter, r *http.Request, titleKey, nav string) (Page, error) {
	if _, err := requireRole(r, adminRoles...); err != nil {
		return Page{}, err
	}
	p := st.newPage(w, r, titleKey)
	p.Wide, p.Nav = true, nav
	return p, nil
}

// today is the current civil date in the display zone, as UTC midnight.
func (st *staff) today() time.Time {
	t := st.now().In(st.zone)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// adminHomePage is the data of admin_home.html.
type adminHomePage struct {
	Page
	Roots []*territory.Region
}

// adminRoots are the regions the administrator holds its grants at.
func (st *staff) adminRoots(ctx context.Context, a *auth.Actor) []*territory.Region {
	var out []*territory.Region
	for _, g := range a.Grants {
		if g.Role != auth.RoleAdmin || g.Scope.Kind != auth.ScopeRegion {
			continue
		}
		if r, err := st.territory.FindRegionByID(ctx, g.Scope.ID); err == nil && !slices.ContainsFunc(out, func(x *territory.Region) bool { return x.ID == r.ID }) {
			out = append(out, r)
		}
	}
	return out
}

func (st *staff) handleAdminHome(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.home_title", "home")
	if err != nil {
		return err
	}
	st.render(w, r, http.StatusOK, "admin_home.html", adminHomePage{Page: p, Roots: st.adminRoots(r.Context(), mustActor(r))})
	return nil
}

// handleAdminRegions opens the administrator's region (the first, when it
// holds several).
func (st *staff) handleAdminRegions(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.regions_title", "regions")
	if err != nil {
		return err
	}
	roots := st.adminRoots(r.Context(), mustActor(r))
	if len(roots) == 1 {
		http.Redirect(w, r, "/admin/regions/"+strconv.FormatInt(roots[0].ID, 10), http.StatusSeeOther)
		return nil
	}
	st.render(w, r, http.StatusOK, "admin_home.html", adminHomePage{Page: p, Roots: roots})
	return nil
}

// regionPage is the data of admin_region.html.
type regionPage struct {
	Page
	Region     *territory.Region
	Parent     *territory.Region
	Children   []*territory.Region
	ChildLevel territory.Level // "" for a grid
	Boundary   *territory.Boundary
	Map        *svgMap
	Today      string
}

// childLevel is the level of a region's children.
func childLevel(l territory.Level) territory.Level {
	switch l {
	case territory.LevelCity:
		return territory.LevelCounty
	case territory.LevelCounty:
		return territory.LevelTownship
	case territory.LevelTownship:
		return territory.LevelVillage
	case territory.LevelVillage:
		return territory.LevelGrid
	}
	return ""
}

// loadRegionPage fills a region's page; upload, when not nil, is a
// boundary the administrator sent, drawn over the region's surroundings
// with the problem of errMsg marked.
func (st *staff) loadRegionPage(ctx context.Context, p Page, id int64, upload orb.MultiPolygon, errMsg string) (regionPage, error) {
	rg, err := st.territory.FindRegionByID(ctx, id)
	if err != nil {
		return regionPage{}, err
	}
	rp := regionPage{Page: p, Region: rg, ChildLevel: childLevel(rg.Level), Today: st.today().Format(time.DateOnly)}
	rp.Title = rg.Name
	if rg.ParentID != 0 {
		rp.Parent, _ = st.territory.FindRegionByID(ctx, rg.ParentID)
	}
	kids, _, err := st.territory.FindRegions(ctx, territory.RegionFilter{ParentID: &rg.ID, Limit: 1000})
	if err != nil {
		return rp, err
	}
	rp.Children = kids
	today := st.today()
	if b, err := st.territory.BoundaryAt(ctx, rg.ID, today); err == nil {
		rp.Boundary = b
	}
	var m mapBuilder
	// The surroundings: the parent and the region's siblings for a grid
	// (where overlaps and overreach happen), the children otherwise.
	overlap := ""
	if x := overlapRe.FindStringSubmatch(errMsg); x != nil {
		overlap = x[1]
	}
	if rg.Level == territory.LevelGrid && rp.Parent != nil {
		if b, err := st.territory.BoundaryAt(ctx, rp.Parent.ID, today); err == nil {
			m.shape(b.Shape, "parent", rp.Parent.Name, "")
		}
		sibs, _, _ := st.territory.FindRegions(ctx, territory.RegionFilter{ParentID: &rp.Parent.ID, Limit: 1000})
		for _, s := range sibs {
			if s.ID == rg.ID {
				continue
			}
			if b, err := st.territory.BoundaryAt(ctx, s.ID, today); err == nil {
				class := "grid"
				if s.Code == overlap {
					class = "grid clash"
				}
				m.shape(b.Shape, class, s.Code+" "+s.Name, s.Name)
			}
		}
	} else {
		for _, k := range kids {
			if b, err := st.territory.BoundaryAt(ctx, k.ID, today); err == nil {
				m.shape(b.Shape, "grid", k.Code+" "+k.Name, k.Name)
			}
		}
	}
	if upload != nil {
		m.shape(upload, "upload", p.T("admin.boundary_uploaded"), "")
		if pt, ok := errorPoint(errMsg); ok {
			m.mark(pt)
		}
	} else if rp.Boundary != nil {
		m.shape(rp.Boundary.Shape, "grid mine", rg.Name, "")
	}
	rp.Map = m.build(720, p.T("admin.map_label", rg.Name))
	return rp, nil
}

func (st *staff) handleAdminRegion(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.regions_title", "regions")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rp, err := st.loadRegionPage(r.Context(), p, id, nil, "")
	if err != nil {
		return err
	}
	st.render(w, r, http.StatusOK, "admin_region.html", rp)
	return nil
}

// handleAdminRegionChild creates a region under this one.
func (st *staff) handleAdminRegionChild(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.regions_title", "regions")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	parent, err := st.territory.FindRegionByID(ctx, id)
	if err != nil {
		return err
	}
	level := childLevel(parent.Level)
	in := territory.RegionInput{ParentID: parent.ID, Level: level, Code: strings.TrimSpace(r.PostFormValue("code")), Name: strings.TrimSpace(r.PostFormValue("name"))}
	var errs apperr.List
	if in.Code == "" {
		errs = append(errs, apperr.Invalidf("code", "请填写区划代码", "enter the division code"))
	}
	if in.Name == "" {
		errs = append(errs, apperr.Invalidf("name", "请填写名称", "enter the name"))
	}
	err = errs.Err()
	if level == "" {
		err = apperr.Invalidf("code", "网格之下不能再设区域", "a grid has no regions below it")
	}
	var child *territory.Region
	if err == nil {
		child, err = st.territory.CreateRegion(ctx, in)
	}
	if err == nil {
		st.redirect(w, r, "/admin/regions/"+strconv.FormatInt(child.ID, 10), "admin.flash_saved")
		return nil
	}
	if !formError(err) {
		return err
	}
	rp, lerr := st.loadRegionPage(ctx, p, id, nil, "")
	if lerr != nil {
		return lerr
	}
	rp.Fail(err)
	st.render(w, r, errStatus(err), "admin_region.html", rp)
	return nil
}

// maxGeoJSON bounds an uploaded boundary.
const maxGeoJSON = 4 << 20

// handleAdminBoundary previews or saves a boundary uploaded as a file
// (field geojson_file) or pasted (field geojson). Preview checks the
// GeoJSON alone; save also checks it against the community and the other
// grids and writes a new version. Either way a refused boundary is drawn
// over the surroundings with its problem marked, the error beside the
// field.
func (st *staff) handleAdminBoundary(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.regions_title", "regions")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	text := []byte(strings.TrimSpace(r.PostFormValue("geojson")))
	if r.MultipartForm != nil {
		if fs := r.MultipartForm.File["geojson_file"]; len(fs) > 0 && fs[0].Size > 0 {
			f, err := fs[0].Open()
			if err != nil {
				return err
			}
			b, err := io.ReadAll(io.LimitReader(f, maxGeoJSON+1))
			f.Close()
			if err != nil {
				return err
			}
			text = bytes.TrimSpace(b)
		}
	}
	from := st.today()
	var errs apperr.List
	if d := strings.TrimSpace(r.PostFormValue("valid_from")); d != "" {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			errs = append(errs, apperr.Invalidf("valid_from", "日期格式应为 2026-03-06", "the date must look like 2026-03-06"))
		}
		from = t
	}
	switch {
	case len(text) == 0:
		errs = append(errs, apperr.Invalidf("geojson", "请上传或粘贴 GeoJSON 边界", "upload or paste a GeoJSON boundary"))
	case len(text) > maxGeoJSON:
		errs = append(errs, apperr.Invalidf("geojson", "GeoJSON 文件不能超过 4 MB", "the GeoJSON file must be at most 4 MB"))
	}
	err = errs.Err()
	if len(errs) == 1 {
		err = errs[0]
	}
	preview := r.PostFormValue("do") == "preview"
	var shape orb.MultiPolygon
	if err == nil {
		shape, err = territory.ParseBoundary(text)
	}
	if err == nil && !preview {
		err = st.territory.SetBoundary(ctx, id, text, from)
	}
	if err == nil && !preview {
		st.redirect(w, r, "/admin/regions/"+strconv.FormatInt(id, 10), "admin.flash_boundary")
		return nil
	}
	if err != nil && !formError(err) {
		return err
	}
	msg := ""
	if e := apperr.As(err); e != nil {
		msg = e.Msg.EN
	}
	if shape == nil {
		shape = looseShape(text)
	}
	rp, lerr := st.loadRegionPage(ctx, p, id, shape, msg)
	if lerr != nil {
		return lerr
	}
	rp.Form.Del("geojson_file")
	if len(text) <= 64<<10 {
		rp.Form.Set("geojson", string(text)) // keep what was sent, when it fits a text box
	}
	status := http.StatusOK
	if err != nil {
		rp.Fail(err)
		status = errStatus(err)
	} else {
		rp.Flash = p.T("admin.boundary_preview_ok")
	}
	st.render(w, r, status, "admin_region.html", rp)
	return nil
}

// buildingsPage is the data of admin_buildings.html.
type buildingsPage struct {
	Page
	Grids     []*territory.Region
	Grid      *territory.Region
	Buildings []*territory.Building
	Total     int
	Kinds     []territory.BuildingKind
}

// Where writes a building's coordinates, "" when it has none.
func (p buildingsPage) Where(b *territory.Building) string {
	if b.Lon == nil || b.Lat == nil {
		return ""
	}
	return strconv.FormatFloat(*b.Lon, 'f', 6, 64) + ", " + strconv.FormatFloat(*b.Lat, 'f', 6, 64)
}

func (st *staff) loadBuildingsPage(r *http.Request, p Page) (buildingsPage, error) {
	ctx := r.Context()
	level := territory.LevelGrid
	grids, _, err := st.territory.FindRegions(ctx, territory.RegionFilter{Level: &level, Limit: 1000})
	if err != nil {
		return buildingsPage{}, err
	}
	bp := buildingsPage{Page: p, Grids: grids, Kinds: []territory.BuildingKind{territory.BuildingKindBuilding, territory.BuildingKindCourtyard}}
	bp.Grid = pickGrid(r, grids)
	if bp.Grid != nil {
		bp.Buildings, bp.Total, err = st.territory.FindBuildings(ctx, territory.BuildingFilter{GridID: &bp.Grid.ID, Limit: 500})
		if err != nil {
			return bp, err
		}
	}
	return bp, nil
}

// showAdmin renders an administration page: the admin check, the page's
// data from load, the template.
func showAdmin[T any](st *staff, w http.ResponseWriter, r *http.Request, titleKey, section, tmpl string, load func(*http.Request, Page) (T, error)) error {
	p, err := st.adminPage(w, r, titleKey, section)
	if err != nil {
		return err
	}
	data, err := load(r, p)
	if err != nil {
		return err
	}
	st.render(w, r, http.StatusOK, tmpl, data)
	return nil
}

func (st *staff) handleAdminBuildings(w http.ResponseWriter, r *http.Request) error {
	return showAdmin(st, w, r, "admin.buildings_title", "buildings", "admin_buildings.html", st.loadBuildingsPage)
}

// optFloat reads an optional number field.
func optFloat(r *http.Request, field string, errs *apperr.List) *float64 {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		*errs = append(*errs, apperr.Invalidf(field, "请填写数字", "enter a number"))
		return nil
	}
	return &f
}

func (st *staff) handleAdminBuildingForm(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.buildings_title", "buildings")
	if err != nil {
		return err
	}
	var errs apperr.List
	in := territory.BuildingInput{Compound: strings.TrimSpace(r.PostFormValue("compound")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Kind: territory.BuildingKind(r.PostFormValue("kind")), Address: strings.TrimSpace(r.PostFormValue("address"))}
	in.GridID, _ = strconv.ParseInt(r.PostFormValue("grid"), 10, 64)
	in.Lon, in.Lat = optFloat(r, "lon", &errs), optFloat(r, "lat", &errs)
	if f := strings.TrimSpace(r.PostFormValue("floors")); f != "" {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			errs = append(errs, apperr.Invalidf("floors", "层数应为非负整数", "floors must be a whole number, 0 or more"))
		}
		in.Floors = n
	}
	err = errs.Err()
	if len(errs) == 1 {
		err = errs[0]
	}
	if err == nil {
		_, err = st.territory.CreateBuilding(r.Context(), in)
	}
	if err == nil {
		st.redirect(w, r, "/admin/buildings?grid="+strconv.FormatInt(in.GridID, 10), "admin.flash_saved")
		return nil
	}
	if !formError(err) {
		return err
	}
	bp, lerr := st.loadBuildingsPage(r, p)
	if lerr != nil {
		return lerr
	}
	bp.Fail(renameFields(err, map[string]string{"grid_id": "grid"}))
	st.render(w, r, errStatus(err), "admin_buildings.html", bp)
	return nil
}

// renameFields moves service field names onto a form's.
func renameFields(err error, names map[string]string) error {
	list, ok := asList(err)
	if !ok {
		e := apperr.As(err)
		if e == nil {
			return err
		}
		list = apperr.List{e}
	}
	out := make(apperr.List, len(list))
	for i, e := range list {
		c := *e
		if n, ok := names[c.Field]; ok {
			c.Field = n
		}
		out[i] = &c
	}
	return out
}

// scopeError turns a grant the actor may not give (Forbidden) or whose
// scope does not exist (NotFound: an unknown party organisation) into an
// error beside the scope field.
func scopeError(err error) error {
	switch apperr.CodeOf(err) {
	case apperr.Forbidden:
		return apperr.Invalidf("scope", "您无权在该范围授予角色", "you may not grant roles at that scope")
	case apperr.NotFound:
		return apperr.Invalidf("scope", "该范围不存在", "no such scope")
	}
	return err
}

// usersPage is the data of admin_users.html.
type usersPage struct {
	Page
	Users []*auth.User
	Total int
	Roles []auth.Role
	Kinds []auth.ScopeKind
}

func (st *staff) loadUsersPage(r *http.Request, p Page) (usersPage, error) {
	q := r.URL.Query()
	f := auth.UserFilter{Limit: 100}
	if s := strings.TrimSpace(q.Get("q")); s != "" {
		f.Query = &s
	}
	if role := auth.Role(q.Get("role")); role.Valid() {
		f.Role = &role
	}
	us, n, err := st.auth.FindUsers(r.Context(), f)
	if err != nil {
		return usersPage{}, err
	}
	return usersPage{Page: p, Users: us, Total: n, Roles: auth.Roles, Kinds: []auth.ScopeKind{auth.ScopeRegion, auth.ScopeParty, auth.ScopeSelf}}, nil
}

func (st *staff) handleAdminUsers(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.users_title", "users")
	if err != nil {
		return err
	}
	up, err := st.loadUsersPage(r, p)
	if err != nil {
		return err
	}
	up.Form = r.URL.Query()
	st.render(w, r, http.StatusOK, "admin_users.html", up)
	return nil
}

// grantInput reads a role and its scope from a form: the scope is a
// region's division code (region and self scopes) or a party
// organisation's number.
func (st *staff) grantInput(ctx context.Context, r *http.Request) (auth.GrantInput, error) {
	g := auth.GrantInput{Role: auth.Role(r.PostFormValue("role")), ScopeKind: auth.ScopeKind(r.PostFormValue("scope_kind"))}
	var errs apperr.List
	if !g.Role.Valid() {
		errs = append(errs, apperr.Invalidf("role", "请选择角色", "choose a role"))
	}
	scope := strings.TrimSpace(r.PostFormValue("scope"))
	switch g.ScopeKind {
	case auth.ScopeRegion, auth.ScopeSelf:
		if scope == "" {
			errs = append(errs, apperr.Invalidf("scope", "请填写区域代码", "enter the region's division code"))
			break
		}
		rg, err := st.territory.FindRegionByCode(ctx, scope)
		switch apperr.CodeOf(err) {
		case "":
			g.ScopeID = rg.ID
		case apperr.NotFound, apperr.Forbidden, apperr.Invalid:
			errs = append(errs, apperr.Invalidf("scope", "区域代码 %s 不存在或不在您的管辖范围内", "no region with code %s in your scope", scope))
		default:
			return g, err
		}
	case auth.ScopeParty:
		n, err := strconv.ParseInt(scope, 10, 64)
		if err != nil || n <= 0 {
			errs = append(errs, apperr.Invalidf("scope", "请填写党组织编号", "enter the party organisation's number"))
		}
		g.ScopeID = n
	default:
		errs = append(errs, apperr.Invalidf("scope_kind", "请选择范围类型", "choose the kind of scope"))
	}
	if len(errs) == 1 {
		return g, errs[0]
	}
	return g, errs.Err()
}

// handleAdminUserForm creates an account with one role at a scope. A weak
// password, a taken username or a scope outside the administrator's are
// shown beside their fields; the password is never shown back.
func (st *staff) handleAdminUserForm(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.users_title", "users")
	if err != nil {
		return err
	}
	ctx := r.Context()
	in := auth.UserInput{Username: strings.TrimSpace(r.PostFormValue("username")), DisplayName: strings.TrimSpace(r.PostFormValue("display_name")),
		Phone: strings.TrimSpace(r.PostFormValue("phone")), Password: r.PostFormValue("password")}
	g, err := st.grantInput(ctx, r)
	var u *auth.User
	if err == nil {
		in.Grants = []auth.GrantInput{g}
		u, err = st.auth.CreateUser(ctx, in)
	}
	if err == nil {
		st.redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10), "admin.flash_user_created")
		return nil
	}
	if c := apperr.CodeOf(err); !formError(err) && c != apperr.Forbidden && c != apperr.NotFound {
		return err
	}
	up, lerr := st.loadUsersPage(r, p)
	if lerr != nil {
		return lerr
	}
	up.Form = r.PostForm
	up.Form.Del("password")
	up.Fail(renameFields(scopeError(err), map[string]string{"grants": "scope", "grants[0].scope_id": "scope", "grants[0].scope_path": "scope",
		"grants[0].role": "role", "grants[0].scope_kind": "scope_kind"}))
	st.render(w, r, errStatus(err), "admin_users.html", up)
	return nil
}

// userPage is the data of admin_user.html.
type userPage struct {
	Page
	User   *auth.User
	Scopes map[string]string // scope path → the region's name, where known
	Roles  []auth.Role
	Kinds  []auth.ScopeKind
}

func (st *staff) loadUserPage(ctx context.Context, p Page, id int64) (userPage, error) {
	u, err := st.auth.FindUserByID(ctx, id)
	if err != nil {
		return userPage{}, err
	}
	up := userPage{Page: p, User: u, Scopes: map[string]string{}, Roles: auth.Roles, Kinds: []auth.ScopeKind{auth.ScopeRegion, auth.ScopeParty, auth.ScopeSelf}}
	up.Title = u.DisplayName
	for _, g := range u.Grants {
		if g.Scope.Kind != auth.ScopeParty {
			if rg, err := st.territory.FindRegionByID(ctx, g.Scope.ID); err == nil {
				up.Scopes[g.Scope.Path] = rg.Name + " (" + rg.Code + ")"
			}
		}
	}
	return up, nil
}

func (st *staff) handleAdminUser(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.users_title", "users")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	up, err := st.loadUserPage(r.Context(), p, id)
	if err != nil {
		return err
	}
	st.render(w, r, http.StatusOK, "admin_user.html", up)
	return nil
}

func (st *staff) handleAdminGrant(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.users_title", "users")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	g, err := st.grantInput(ctx, r)
	if err == nil {
		_, err = st.auth.Grant(ctx, id, g)
	}
	if err == nil {
		st.redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), "admin.flash_saved")
		return nil
	}
	if err = scopeError(err); !formError(err) {
		return err
	}
	up, lerr := st.loadUserPage(ctx, p, id)
	if lerr != nil {
		return lerr
	}
	up.Fail(renameFields(err, map[string]string{"scope_id": "scope", "scope_path": "scope"}))
	st.render(w, r, errStatus(err), "admin_user.html", up)
	return nil
}

func (st *staff) handleAdminRevoke(w http.ResponseWriter, r *http.Request) error {
	if _, err := st.adminPage(w, r, "admin.users_title", "users"); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, _ := strconv.ParseInt(r.PostFormValue("scope_id"), 10, 64)
	g := auth.GrantInput{Role: auth.Role(r.PostFormValue("role")), ScopeKind: auth.ScopeKind(r.PostFormValue("scope_kind")), ScopeID: n}
	if err := st.auth.Revoke(r.Context(), id, g); err != nil {
		return err
	}
	st.redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), "admin.flash_saved")
	return nil
}

// categoriesPage is the data of admin_categories.html.
type categoriesPage struct {
	Page
	Categories []*category.Category
	Total      int
}

func (st *staff) handleAdminCategories(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.categories_title", "categories")
	if err != nil {
		return err
	}
	f := category.CategoryFilter{Limit: 500}
	if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" {
		f.Search = &q
	}
	cs, n, err := st.category.FindCategories(r.Context(), f)
	if err != nil {
		return err
	}
	p.Form = r.URL.Query()
	st.render(w, r, http.StatusOK, "admin_categories.html", categoriesPage{Page: p, Categories: cs, Total: n})
	return nil
}

// categoryPage is the data of admin_category.html.
type categoryPage struct {
	Page
	Category *category.Category
	Icons    []category.Icon
}

// TextFields are the category form's text inputs, named as the
// dictionary names its columns (and its errors).
func (p categoryPage) TextFields() []string {
	return []string{"name_zh", "name_en", "department_zh", "handle_limit", "urgent_limit", "filing_condition_zh", "closing_condition_zh"}
}

// KindLabel names the category's kind.
func (p categoryPage) KindLabel() string { return category.KindLabel(p.Category.Kind).In(p.Lang) }

func (st *staff) handleAdminCategory(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.categories_title", "categories")
	if err != nil {
		return err
	}
	c, err := st.category.FindCategoryByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	p.Title = c.Code + " " + c.NameZH
	p.Form = categoryForm(c)
	st.render(w, r, http.StatusOK, "admin_category.html", categoryPage{Page: p, Category: c, Icons: category.Icons})
	return nil
}

// categoryForm is a category as its edit form shows it.
func categoryForm(c *category.Category) url.Values {
	v := url.Values{}
	v.Set("name_zh", c.NameZH)
	v.Set("name_en", c.NameEN)
	v.Set("department_zh", c.DepartmentName)
	v.Set("filing_condition_zh", c.FilingCondition)
	v.Set("closing_condition_zh", c.ClosingCondition)
	if c.HandleLimit != nil {
		v.Set("handle_limit", c.HandleLimit.String())
	}
	if c.UrgentLimit != nil {
		v.Set("urgent_limit", c.UrgentLimit.String())
	}
	v.Set("icon", c.Icon)
	if c.Active {
		v.Set("active", "on")
	}
	return v
}

// handleAdminCategoryForm saves a category's names, department, conditions,
// limits, icon and whether it is active.
func (st *staff) handleAdminCategoryForm(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.categories_title", "categories")
	if err != nil {
		return err
	}
	ctx := r.Context()
	code := r.PathValue("code")
	c, err := st.category.FindCategoryByCode(ctx, code)
	if err != nil {
		return err
	}
	val := func(f string) *string { v := strings.TrimSpace(r.PostFormValue(f)); return &v }
	active := r.PostFormValue("active") == "on"
	upd := category.CategoryUpdate{NameZH: val("name_zh"), NameEN: val("name_en"), DepartmentName: val("department_zh"),
		FilingCondition: val("filing_condition_zh"), ClosingCondition: val("closing_condition_zh"),
		HandleLimit: val("handle_limit"), UrgentLimit: val("urgent_limit"), Icon: val("icon"), Active: &active}
	if _, err = st.category.UpdateCategory(ctx, code, upd); err == nil {
		st.redirect(w, r, "/admin/categories/"+url.PathEscape(code), "admin.flash_saved")
		return nil
	}
	if !formError(err) {
		return err
	}
	p.Title = c.Code + " " + c.NameZH
	p.Fail(err)
	st.render(w, r, errStatus(err), "admin_category.html", categoryPage{Page: p, Category: c, Icons: category.Icons})
	return nil
}

// limitsPage is the data of admin_limits.html.
type limitsPage struct {
	Page
	Limits    []*category.TimeLimit
	Total     int
	Steps     []category.Step
	Tiers     []category.Tier
	Urgencies []category.Urgency
}

func (st *staff) loadLimitsPage(r *http.Request, p Page) (limitsPage, error) {
	ls, n, err := st.category.FindTimeLimits(r.Context(), category.TimeLimitFilter{Limit: 500})
	if err != nil {
		return limitsPage{}, err
	}
	return limitsPage{Page: p, Limits: ls, Total: n, Steps: category.Steps, Tiers: category.Tiers,
		Urgencies: []category.Urgency{category.Normal, category.Urgent}}, nil
}

func (st *staff) handleAdminLimits(w http.ResponseWriter, r *http.Request) error {
	return showAdmin(st, w, r, "admin.limits_title", "limits", "admin_limits.html", st.loadLimitsPage)
}

// handleAdminLimitForm adds a time-limit policy; a bad limit ("3 days"
// instead of "3wd") is shown beside the field.
func (st *staff) handleAdminLimitForm(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.limits_title", "limits")
	if err != nil {
		return err
	}
	in := category.TimeLimitInput{CategoryCode: strings.TrimSpace(r.PostFormValue("category_code")), Urgency: category.Urgency(r.PostFormValue("urgency")),
		Tier: category.Tier(r.PostFormValue("tier")), Step: category.Step(r.PostFormValue("step")),
		Limit: strings.TrimSpace(r.PostFormValue("limit")), Note: strings.TrimSpace(r.PostFormValue("note"))}
	if _, err = st.category.CreateTimeLimit(r.Context(), in); err == nil {
		st.redirect(w, r, "/admin/limits", "admin.flash_saved")
		return nil
	}
	if !formError(err) {
		return err
	}
	lp, lerr := st.loadLimitsPage(r, p)
	if lerr != nil {
		return lerr
	}
	lp.Fail(err)
	st.render(w, r, errStatus(err), "admin_limits.html", lp)
	return nil
}

func (st *staff) handleAdminLimitDelete(w http.ResponseWriter, r *http.Request) error {
	if _, err := st.adminPage(w, r, "admin.limits_title", "limits"); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := st.category.DeleteTimeLimit(r.Context(), id); err != nil {
		return err
	}
	st.redirect(w, r, "/admin/limits", "admin.flash_deleted")
	return nil
}

// calendarPage is the data of admin_calendar.html.
type calendarPage struct {
	Page
	Years []*calendar.Year
}

func (st *staff) loadCalendarPage(ctx context.Context, p Page) (calendarPage, error) {
	ys, err := st.calendar.Years(ctx)
	if err != nil {
		return calendarPage{}, err
	}
	return calendarPage{Page: p, Years: ys}, nil
}

func (st *staff) handleAdminCalendar(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.calendar_title", "calendar")
	if err != nil {
		return err
	}
	cp, err := st.loadCalendarPage(r.Context(), p)
	if err != nil {
		return err
	}
	st.render(w, r, http.StatusOK, "admin_calendar.html", cp)
	return nil
}

// handleAdminYearForm enters a year of the work calendar.
func (st *staff) handleAdminYearForm(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.calendar_title", "calendar")
	if err != nil {
		return err
	}
	year, perr := strconv.Atoi(strings.TrimSpace(r.PostFormValue("year")))
	if perr != nil {
		err = apperr.Invalidf("year", "请填写四位年份", "enter a four-digit year")
	} else {
		_, err = st.calendar.AddYear(r.Context(), year, strings.TrimSpace(r.PostFormValue("source")))
	}
	if err == nil {
		st.redirect(w, r, "/admin/calendar/"+strconv.Itoa(year), "admin.flash_saved")
		return nil
	}
	if !formError(err) {
		return err
	}
	cp, lerr := st.loadCalendarPage(r.Context(), p)
	if lerr != nil {
		return lerr
	}
	cp.Fail(err)
	st.render(w, r, errStatus(err), "admin_calendar.html", cp)
	return nil
}

// yearPage is the data of admin_year.html.
type yearPage struct {
	Page
	Year  int
	Days  []*calendar.Day
	Kinds []calendar.Kind
}

func (st *staff) loadYearPage(r *http.Request, p Page) (yearPage, error) {
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		return yearPage{}, apperr.NotFoundf("年份 %s 不存在", "no year %s", r.PathValue("year"))
	}
	days, err := st.calendar.Days(r.Context(), year)
	if err != nil {
		return yearPage{}, err
	}
	yp := yearPage{Page: p, Year: year, Days: days, Kinds: []calendar.Kind{calendar.Off, calendar.Work}}
	yp.Title = p.T("admin.year_title", year)
	return yp, nil
}

func (st *staff) handleAdminYear(w http.ResponseWriter, r *http.Request) error {
	return showAdmin(st, w, r, "admin.calendar_title", "calendar", "admin_year.html", st.loadYearPage)
}

// handleAdminDayForm sets a day of the year: a holiday block day (off) or
// a swapped working day (work), with the festival's name.
func (st *staff) handleAdminDayForm(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.calendar_title", "calendar")
	if err != nil {
		return err
	}
	yp, err := st.loadYearPage(r, p)
	if err != nil {
		return err
	}
	d, perr := time.Parse(time.DateOnly, strings.TrimSpace(r.PostFormValue("date")))
	if perr != nil {
		err = apperr.Invalidf("date", "日期格式应为 2026-10-01", "the date must look like 2026-10-01")
	} else if d.Year() != yp.Year {
		err = apperr.Invalidf("date", "日期须在 %d 年内", "the date must be in %d", yp.Year)
	} else {
		_, err = st.calendar.SetDay(r.Context(), calendar.DayInput{Date: d, Kind: calendar.Kind(r.PostFormValue("kind")), Name: strings.TrimSpace(r.PostFormValue("name"))})
	}
	if err == nil {
		st.redirect(w, r, "/admin/calendar/"+strconv.Itoa(yp.Year), "admin.flash_saved")
		return nil
	}
	if !formError(err) {
		return err
	}
	yp.Fail(err)
	st.render(w, r, errStatus(err), "admin_year.html", yp)
	return nil
}

func (st *staff) handleAdminDayDelete(w http.ResponseWriter, r *http.Request) error {
	if _, err := st.adminPage(w, r, "admin.calendar_title", "calendar"); err != nil {
		return err
	}
	d, err := time.Parse(time.DateOnly, r.PathValue("date"))
	if err != nil {
		return apperr.NotFoundf("日期 %s 无效", "no date %s", r.PathValue("date"))
	}
	if err := st.calendar.DeleteDay(r.Context(), d); err != nil {
		return err
	}
	st.redirect(w, r, "/admin/calendar/"+r.PathValue("year"), "admin.flash_deleted")
	return nil
}

// ledgerPage is the data of admin_ledger.html.
type ledgerPage struct {
	Page
	Jobs []*importJob
}

func (st *staff) handleAdminLedger(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.ledger_title", "ledger")
	if err != nil {
		return err
	}
	st.render(w, r, http.StatusOK, "admin_ledger.html", ledgerPage{Page: p, Jobs: st.imports.of(mustActor(r).UserID)})
	return nil
}

func (st *staff) handleAdminLedgerTemplate(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireRole(r, adminRoles...); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := ledger.WriteTemplate(&buf, langOf(r)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", `attachment; filename="gridwork-ledger-template.xlsx"`)
	_, err := w.Write(buf.Bytes())
	return err
}

// handleAdminLedgerForm starts an import of an uploaded workbook in the
// background and goes to its progress page.
func (st *staff) handleAdminLedgerForm(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.ledger_title", "ledger")
	if err != nil {
		return err
	}
	a := mustActor(r)
	fail := func(err error) error {
		if !formError(err) && apperr.CodeOf(err) != apperr.Forbidden {
			return err
		}
		lp := ledgerPage{Page: p, Jobs: st.imports.of(a.UserID)}
		lp.Fail(err)
		st.render(w, r, errStatus(err), "admin_ledger.html", lp)
		return nil
	}
	if _, _, err := auth.Scoped(r.Context(), auth.ActLedgerImport); err != nil {
		return err
	}
	var fh *multipart.FileHeader
	if r.MultipartForm != nil && len(r.MultipartForm.File["file"]) > 0 {
		fh = r.MultipartForm.File["file"][0]
	}
	if fh == nil || fh.Size == 0 {
		return fail(apperr.Invalidf("file", "请选择要导入的 .xlsx 文件", "choose an .xlsx file to import"))
	}
	if !strings.HasSuffix(strings.ToLower(fh.Filename), ".xlsx") {
		return fail(apperr.Invalidf("file", "只能导入 .xlsx 文件", "only .xlsx files can be imported"))
	}
	f, err := fh.Open()
	if err != nil {
		return fail(apperr.Invalidf("file", "文件上传失败，请重新选择", "the upload failed; choose the file again"))
	}
	data, err := io.ReadAll(io.LimitReader(f, maxLedgerUpload+1))
	f.Close()
	if err != nil || len(data) > maxLedgerUpload {
		return fail(apperr.Invalidf("file", "上传失败或文件超过 64 MB", "the upload failed or the file is larger than 64 MB"))
	}
	job, err := st.imports.start(r.Context(), a, fh.Filename, data, r.PostFormValue("good_rows_only") == "on", st.ledger)
	if err != nil {
		return fail(err)
	}
	st.redirect(w, r, "/admin/ledger/jobs/"+job.ID, "")
	return nil
}

// jobPage is the data of admin_job.html and its "admin-job" block.
type jobPage struct {
	Page
	Job      jobView
	Lines    []string // every bad row, in the user's language
	JobError string   // why the import failed as a whole, in the user's language
}

// handleAdminLedgerJob shows an import's progress; while it runs, htmx
// refreshes the "admin-job" block every second.
func (st *staff) handleAdminLedgerJob(w http.ResponseWriter, r *http.Request) error {
	p, err := st.adminPage(w, r, "admin.ledger_title", "ledger")
	if err != nil {
		return err
	}
	j, ok := st.imports.get(r.PathValue("id"), mustActor(r).UserID)
	if !ok {
		return apperr.NotFoundf("导入任务不存在或已过期", "no such import (it may have expired)")
	}
	jp := jobPage{Page: p, Job: j.View()}
	if jp.Job.Report != nil {
		jp.Lines = jp.Job.Report.Lines(p.Lang)
	}
	if err := jp.Job.Err; err != nil {
		jp.JobError = p.T("error.internal")
		if e := apperr.As(err); e != nil && e.Code != apperr.Internal {
			jp.JobError = e.Msg.In(p.Lang)
		} else {
			st.log.ErrorContext(r.Context(), "ledger import", "err", err, "job", jp.Job.ID)
		}
	}
	if r.Header.Get("HX-Request") == "true" {
		st.renderBlock(w, r, http.StatusOK, "admin_job.html", "admin-job", jp)
		return nil
	}
	st.render(w, r, http.StatusOK, "admin_job.html", jp)
	return nil
}

// handleAdminLedgerErrors downloads the bad rows of an import as a
// workbook to fix and upload again.
func (st *staff) handleAdminLedgerErrors(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireRole(r, adminRoles...); err != nil {
		return err
	}
	j, ok := st.imports.get(r.PathValue("id"), mustActor(r).UserID)
	if !ok {
		return apperr.NotFoundf("导入任务不存在或已过期", "no such import (it may have expired)")
	}
	v := j.View()
	if v.Report == nil || v.Report.OK() {
		return apperr.NotFoundf("该导入没有错误行", "this import has no bad rows")
	}
	var buf bytes.Buffer
	if err := v.Report.WriteErrorWorkbook(&buf, langOf(r)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", xlsxType)
	w.Header().Set("Content-Disposition", `attachment; filename="gridwork-ledger-errors.xlsx"`)
	_, err := w.Write(buf.Bytes())
	return err
}
