package web

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/patrol"
	"github.com/gridwork/gridwork/internal/people"
)

// staff is the server as the staff consoles see it: the grid worker's
// (/w), the branch secretary's and dispatcher's (/d) and the administration
// (/admin). It adds what only the consoles use: the patrol log and the
// Excel imports running in the background.
type staff struct {
	*Server
	patrol  *patrol.Service
	imports *importJobs
}

// registerStaffPages adds the staff consoles: the grid worker's (/w), the
// branch secretary's and dispatcher's (/d) and the administration (/admin).
// This file belongs to the consoles; see PAGES.md for how to add a page.
func (s *Server) registerStaffPages(mux *http.ServeMux) {
	st := &staff{Server: s, imports: newImportJobs(s.now)}
	if s.territory != nil && s.cases != nil {
		st.patrol = patrol.NewService(s.db, s.territory, s.cases, patrol.Options{Now: s.now, Zone: s.zone})
	}
	st.registerWorker(mux)
	st.registerDispatch(mux)
	st.registerAdmin(mux)
}

// Who sees which console. The services check every action again; these
// lists only decide whose page it is.
var (
	workerRoles   = []auth.Role{auth.RoleGridWorker, auth.RoleDepartment, auth.RolePartyMember}
	dispatchRoles = []auth.Role{auth.RoleDispatcher, auth.RoleBranchSecretary, auth.RoleLeader}
	adminRoles    = []auth.Role{auth.RoleAdmin}
)

// caseAction is one transition a console offers on a case, with the
// inputs its form asks for.
type caseAction struct {
	Action cases.Action
	Label  string
	Needs  map[string]bool // cases.Need… → asked for
	Photo  bool            // the form takes a camera photo
	Danger bool            // a step back or a refusal: drawn as such
}

// photoActions are the transitions that record handling on site: their
// forms take a photo from the camera.
var photoActions = map[cases.Action]bool{
	cases.ActFeedback: true, cases.ActSelfHandle: true, cases.ActVerifyOK: true, cases.ActVerifyFail: true,
}

// dangerActions step back or refuse.
var dangerActions = map[cases.Action]bool{
	cases.ActReject: true, cases.ActReturn: true, cases.ActVerifyFail: true, cases.ActExtendDeny: true, cases.ActMerge: true,
}

// staffActions returns the transitions that case c allows now and that a
// may plausibly take, in the machine's order (refusals and steps back
// last): what the state and the
// suspension allow, without the reporter's own (rating, reopening), and
// only those whose role and scope gate the actor passes as far as the page
// can tell. The case service decides for good when the form is sent.
func staffActions(a *auth.Actor, c *cases.Case, lang string) []caseAction {
	var out []caseAction
	for _, t := range cases.Machine() {
		if !t.Allows(c.State, c.SuspendedAt != nil) || !mayTry(a, t, c) {
			continue
		}
		switch t.Action {
		case cases.ActExtend:
			if c.Extension != nil {
				continue
			}
		case cases.ActExtendApprove, cases.ActExtendDeny:
			if c.Extension == nil {
				continue
			}
		}
		ca := caseAction{Action: t.Action, Label: t.Label.In(lang), Needs: map[string]bool{}, Photo: photoActions[t.Action], Danger: dangerActions[t.Action]}
		for _, n := range t.Needs {
			ca.Needs[n] = true
		}
		out = append(out, ca)
	}
	// The steps forward first, the steps back and refusals last: on a
	// phone the thumb reaches the top of the list.
	slices.SortStableFunc(out, func(a, b caseAction) int {
		switch {
		case a.Danger == b.Danger:
			return 0
		case a.Danger:
			return 1
		}
		return -1
	})
	return out
}

// mayTry reports whether a passes t's role and scope gates on c, as far as
// the actor's grants tell.
func mayTry(a *auth.Actor, t cases.Transition, c *cases.Case) bool {
	switch t.Who {
	case cases.WhoQueue:
		return auth.Can(a, t.Perm, auth.Resource{RegionPath: c.QueuePath})
	case cases.WhoLocation:
		return auth.Can(a, t.Perm, auth.Resource{RegionPath: c.RegionPath})
	case cases.WhoAssignee, cases.WhoHandler:
		if !holds(a, t.Perm) {
			return false
		}
		if c.AssigneeUserID != 0 {
			return c.AssigneeUserID == a.UserID
		}
		deps := c.AssigneeDepartmentID != 0 || t.Who == cases.WhoHandler && len(c.Involved) > 0
		return deps && a.HasRole(auth.RoleDepartment)
	case cases.WhoVerifier:
		return a.UserID != c.HandlerUserID && auth.Can(a, t.Perm, auth.Resource{RegionPath: c.RegionPath})
	}
	return false // the reporter's actions belong to the resident pages
}

// holds reports whether a holds act at some scope.
func holds(a *auth.Actor, act auth.Action) bool {
	for _, g := range a.Grants {
		if auth.RoleAllows(g.Role, act) {
			return true
		}
	}
	return false
}

// eventView is one event of a case's history as staff see it.
type eventView struct {
	At     time.Time
	Label  string
	Actor  string // the actor's name and role
	State  cases.State
	Note   string
	Reason string
	Photos []string
}

// eventViews turns a case's events into the timeline staff see: every
// step with its actor, reason, note and photos.
func eventViews(p Page, evs []*cases.Event) []eventView {
	out := make([]eventView, 0, len(evs))
	for _, e := range evs {
		v := eventView{At: e.At, Label: cases.LabelOf(e.Action).In(p.Lang), State: e.ToState, Note: e.Note}
		who := p.Role(e.ActorRole)
		if e.ActorName != "" && e.ActorRole != "system" && e.ActorRole != "anonymous" {
			who = e.ActorName + " · " + who
		}
		v.Actor = who
		var d cases.EventData
		if err := json.Unmarshal([]byte(e.Data), &d); err == nil {
			v.Reason = d.Reason
			if d.Level != "" {
				v.Reason = strings.TrimSpace(v.Reason + " " + p.T("dispatch.level_"+d.Level))
			}
			if d.ExtendBy != "" {
				v.Reason = strings.TrimSpace(v.Reason + " (+" + d.ExtendBy + ")")
			}
		}
		for _, id := range e.Attachments {
			v.Photos = append(v.Photos, photoURL(id))
		}
		out = append(out, v)
	}
	return out
}

func photoURL(id int64) string { return "/api/v1/photos/" + strconv.FormatInt(id, 10) }

// taskRow is a case in a console's list.
type taskRow struct {
	*cases.Case
	CategoryName string
	Due          *time.Time // the current step's deadline, nil when no step runs
	Age          string     // since it was reported, e.g. "2天3小时"
}

// lightRank orders the lights: red first, then yellow, green, none.
func lightRank(l cases.Light) int {
	switch l {
	case cases.LightRed:
		return 0
	case cases.LightYellow:
		return 1
	case cases.LightGreen:
		return 2
	}
	return 3
}

// sortTasks orders cases as the consoles show them: by traffic light, then
// by the current step's deadline (the soonest first), then oldest first.
func sortTasks(rows []taskRow) {
	slices.SortStableFunc(rows, func(a, b taskRow) int {
		if c := cmp.Compare(lightRank(a.Light), lightRank(b.Light)); c != 0 {
			return c
		}
		switch {
		case a.Due != nil && b.Due != nil:
			if c := a.Due.Compare(*b.Due); c != 0 {
				return c
			}
		case a.Due != nil:
			return -1
		case b.Due != nil:
			return 1
		}
		return a.ReportedAt.Compare(b.ReportedAt)
	})
}

// taskRows decorates cases for a list: category names, due times, ages.
func (st *staff) taskRows(ctx context.Context, p Page, cs []*cases.Case) []taskRow {
	names := map[string]string{}
	out := make([]taskRow, 0, len(cs))
	for _, c := range cs {
		name, ok := names[c.Category]
		if !ok {
			name = st.categoryName(ctx, p.Lang, c.Category)
			names[c.Category] = name
		}
		row := taskRow{Case: c, CategoryName: name, Age: age(p, p.Now().Sub(c.ReportedAt))}
		if c.Step != nil && c.State.Open() {
			due := c.Step.Due
			row.Due = &due
		}
		out = append(out, row)
	}
	return out
}

// categoryName returns a category's name in lang, its code when unknown.
func (st *staff) categoryName(ctx context.Context, lang, code string) string {
	if st.category == nil || code == "" {
		return code
	}
	c, err := st.category.FindCategoryByCode(ctx, code)
	if err != nil {
		return code
	}
	if lang == "en" && c.NameEN != "" {
		return c.NameEN
	}
	return c.NameZH
}

// age writes a duration for people: "3天2小时", "5小时10分", "12分钟".
func age(p Page, d time.Duration) string {
	if d < 0 {
		d = 0
	}
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case days > 0:
		return p.T("staff.age_dh", days, hours)
	case hours > 0:
		return p.T("staff.age_hm", hours, mins)
	}
	return p.T("staff.age_m", mins)
}

// actForm is a transition as a console's form sends it.
type actForm struct {
	in        cases.ActInput
	photo     *multipart.FileHeader
	action    cases.Transition
	dupNumber string // merge: the master case typed by its number
}

// firstValue returns the first non-blank value of a form field that
// several inputs share (the suggestions' radios and a select).
func firstValue(vs []string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// readActForm reads a transition form. Missing required inputs are
// reported here, before any photo is stored, so that bad input writes
// nothing: action, version, and the reason, note, assignee, department,
// duplicate, extension or level the action needs.
func readActForm(r *http.Request) (actForm, error) {
	var f actForm
	act := cases.Action(r.PostFormValue("action"))
	i := slices.IndexFunc(cases.Machine(), func(t cases.Transition) bool { return t.Action == act })
	if i < 0 {
		return f, apperr.Invalidf("action", "请选择要办理的操作", "choose an action")
	}
	f.action = cases.Machine()[i]
	f.in.Action = act
	v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || v <= 0 {
		return f, apperr.Invalidf("version", "页面已过期，请刷新后重试", "the page is out of date; reload it and try again")
	}
	f.in.Version = v
	f.in.Note, f.in.Reason = strings.TrimSpace(r.PostFormValue("note")), strings.TrimSpace(r.PostFormValue("reason"))
	var errs apperr.List
	for _, n := range f.action.Needs {
		switch n {
		case cases.NeedReason:
			if f.in.Reason == "" {
				errs = append(errs, apperr.Invalidf("reason", "请填写理由", "give a reason"))
			}
		case cases.NeedNote:
			if f.in.Note == "" {
				errs = append(errs, apperr.Invalidf("note", "请填写处置情况", "say what was done"))
			}
		case cases.NeedAssignee:
			kind, id, ok := strings.Cut(firstValue(r.PostForm["assignee"]), ":")
			n, err := strconv.ParseInt(id, 10, 64)
			switch {
			case !ok || err != nil || n <= 0:
				errs = append(errs, apperr.Invalidf("assignee", "请选择承办人或承办部门", "choose a person or a department to dispatch to"))
			case kind == "u":
				f.in.AssigneeUserID = n
			case kind == "d":
				f.in.AssigneeDepartmentID = n
			default:
				errs = append(errs, apperr.Invalidf("assignee", "请选择承办人或承办部门", "choose a person or a department to dispatch to"))
			}
		case cases.NeedDepartment:
			n, err := strconv.ParseInt(r.PostFormValue("department_id"), 10, 64)
			if err != nil || n <= 0 {
				errs = append(errs, apperr.Invalidf("department_id", "请选择协同部门", "choose the department to involve"))
			}
			f.in.DepartmentID = n
		case cases.NeedDuplicateOf:
			v := firstValue(r.PostForm["duplicate_of"])
			if v == "" {
				if f.dupNumber = strings.TrimSpace(r.PostFormValue("duplicate_number")); f.dupNumber != "" {
					break
				}
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				errs = append(errs, apperr.Invalidf("duplicate_of", "请选择要合并到的案件", "choose the case this one duplicates"))
			}
			f.in.DuplicateOf = n
		case cases.NeedExtendBy:
			l, err := calendar.ParseLimit(strings.TrimSpace(r.PostFormValue("extend_by")))
			if err != nil {
				errs = append(errs, apperr.Invalidf("extend_by", "延期时长格式应为如 2wd、4wh、6h", "the extension must be a limit such as 2wd, 4wh or 6h"))
			}
			f.in.ExtendBy = l
		case cases.NeedLevel:
			f.in.Level = cases.Supervision(r.PostFormValue("level"))
			if f.in.Level != cases.SuperviseYellow && f.in.Level != cases.SuperviseRed && f.in.Level != cases.SuperviseNormal {
				errs = append(errs, apperr.Invalidf("level", "请选择督办级别", "choose the level of supervision"))
			}
		}
	}
	if photoActions[act] && r.MultipartForm != nil {
		if fs := r.MultipartForm.File["photo"]; len(fs) > 0 && fs[0].Size > 0 {
			f.photo = fs[0]
		}
	}
	if len(errs) == 1 {
		return f, errs[0]
	}
	return f, errs.Err()
}

// uploadPhoto stores the form's photo, if any, and returns its id.
func (st *staff) uploadPhoto(ctx context.Context, fh *multipart.FileHeader) (int64, error) {
	if fh == nil {
		return 0, nil
	}
	f, err := fh.Open()
	if err != nil {
		return 0, apperr.Invalidf("photo", "照片上传失败，请重新选择", "the photo could not be read; choose it again")
	}
	defer f.Close()
	a, err := st.media.Upload(ctx, io.Reader(f), false)
	if err != nil {
		return 0, err
	}
	return a.ID, nil
}

// act performs a console's transition form on case id. It returns the
// case after the transition, or the error to show on the form.
func (st *staff) act(r *http.Request, id int64) (*cases.Case, actForm, error) {
	f, err := readActForm(r)
	if err != nil {
		return nil, f, err
	}
	if f.dupNumber != "" {
		num := f.dupNumber
		list, _, err := st.cases.FindCases(r.Context(), cases.CaseFilter{Text: &num, Limit: 5})
		if err != nil {
			return nil, f, err
		}
		for _, c := range list {
			if strings.EqualFold(c.Number, num) {
				f.in.DuplicateOf = c.ID
			}
		}
		if f.in.DuplicateOf == 0 {
			return nil, f, apperr.Invalidf("duplicate_of", "找不到编号为 %s 的案件", "no case is numbered %s", num)
		}
	}
	if f.photo != nil {
		// A stale form is refused before its photo is stored: the photo
		// would belong to no event. (The service checks the version again.)
		c, err := st.cases.FindCaseByID(r.Context(), id)
		if err != nil {
			return nil, f, err
		}
		if c.Version != f.in.Version {
			return nil, f, apperr.Conflictf("version", "案件已被他人更新，请刷新后重试", "the case was changed by someone else; reload and retry")
		}
	}
	photo, err := st.uploadPhoto(r.Context(), f.photo)
	if err != nil {
		return nil, f, err
	}
	if photo != 0 {
		f.in.Attachments = []int64{photo}
	}
	c, err := st.cases.Act(r.Context(), id, f.in)
	return c, f, err
}

// failAct puts a transition's error on the page: a stale version (409)
// above the form, which shows the case as it now stands; the rest beside
// their fields.
func failAct(p *Page, err error) {
	if e := apperr.As(err); e != nil && e.Code == apperr.Conflict && (e.Field == "version" || e.Field == "state") {
		p.FormError = e.Msg.In(p.Lang)
		return
	}
	p.Fail(err)
	// Fields the form does not show go above it.
	for f, msg := range p.Errors {
		switch strings.SplitN(f, ".", 2)[0] {
		case "reason", "note", "assignee", "department_id", "duplicate_of", "extend_by", "level", "photo", "attachments", "csrf":
		default:
			if p.FormError == "" {
				p.FormError = msg
			}
		}
	}
}

// errStatus is the status of a page answering a failed form.
func errStatus(err error) int {
	if s, ok := statusOf[apperr.CodeOf(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// assigneeOption is a suggestion of the dispatch form.
type assigneeOption struct {
	Value string // "u:12" or "d:3"
	Name  string
	Why   string // on duty in the grid, party member of the branch, responsible department
}

// dispatchSuggestions returns whom a case might be dispatched to: the
// grid's grid workers (on duty: Gridwork keeps no roster, so every enabled
// worker of the grid), the party members of the grid's branch who have an
// account, and the category's responsible department for the location.
//
// A dispatcher may hold neither user.read nor party.read, yet it may
// dispatch to these people. After checking that the actor may dispatch the
// case, the look-ups act as a stand-in holding only the read rights
// needed, and only at the case's grid: the page learns the names of the
// people who work there and nothing else.
func (st *staff) dispatchSuggestions(ctx context.Context, p Page, c *cases.Case) []assigneeOption {
	if err := auth.Check(ctx, auth.ActCaseDispatch, auth.Resource{RegionPath: c.QueuePath}); err != nil {
		return nil
	}
	var out []assigneeOption
	seen := map[string]bool{}
	add := func(o assigneeOption) {
		if !seen[o.Value] {
			seen[o.Value] = true
			out = append(out, o)
		}
	}
	if c.GridID != 0 {
		grid, err := st.territory.FindRegionByID(auth.WithActor(ctx, auth.SystemActor()), c.GridID)
		if err == nil {
			st.gridPeople(ctx, p, grid.ID, grid.Path, add)
		}
	}
	if st.category != nil {
		if d, err := st.category.DepartmentFor(ctx, c.Category, c.RegionPath); err == nil {
			add(assigneeOption{Value: "d:" + strconv.FormatInt(d.ID, 10), Name: d.Name, Why: p.T("dispatch.why_department")})
		}
	}
	return out
}

// gridPeople adds the grid's workers and its branch's party members.
func (st *staff) gridPeople(ctx context.Context, p Page, gridID int64, gridPath string, add func(assigneeOption)) {
	stand := func(role auth.Role) context.Context {
		return auth.WithActor(ctx, &auth.Actor{Name: "dispatch-suggestions", Grants: []auth.Grant{{Role: role,
			Scope: auth.Scope{Kind: auth.ScopeRegion, ID: gridID, Path: gridPath}}}})
	}
	role, off := auth.RoleGridWorker, false
	if users, _, err := st.auth.FindUsers(stand(auth.RoleAdmin), auth.UserFilter{Role: &role, Disabled: &off, Limit: 20}); err == nil {
		for _, u := range users {
			for _, g := range u.Grants {
				if g.Role == auth.RoleGridWorker && g.Scope.Kind == auth.ScopeRegion && g.Scope.Covers(gridPath) {
					add(assigneeOption{Value: "u:" + strconv.FormatInt(u.ID, 10), Name: u.DisplayName, Why: p.T("dispatch.why_on_duty")})
					break
				}
			}
		}
	}
	if st.people == nil {
		return
	}
	branch := people.KindBranch
	orgs, _, err := st.people.FindOrgs(stand(auth.RoleLeader), people.OrgFilter{RegionID: &gridID, Kind: &branch, Limit: 5})
	if err != nil {
		return
	}
	for _, o := range orgs {
		if o.RegionID != gridID {
			continue
		}
		ms, _, err := st.people.FindMembers(stand(auth.RoleLeader), people.MemberFilter{OrgID: &o.ID, Limit: 200})
		if err != nil {
			continue
		}
		for _, m := range ms {
			if m.UserID != 0 {
				add(assigneeOption{Value: "u:" + strconv.FormatInt(m.UserID, 10), Name: m.Name, Why: p.T("dispatch.why_member", o.Name)})
			}
		}
	}
}

// deptOption is a department a form may choose.
type deptOption struct {
	ID   int64
	Name string
}

// departmentsFor lists the departments the actor can see, for involving a
// department or dispatching to one not suggested.
func (st *staff) departmentsFor(ctx context.Context) []deptOption {
	if st.category == nil {
		return nil
	}
	ds, _, err := st.category.FindDepartments(ctx, category.DepartmentFilter{Limit: 200})
	if err != nil {
		return nil
	}
	out := make([]deptOption, 0, len(ds))
	for _, d := range ds {
		out = append(out, deptOption{ID: d.ID, Name: d.Name})
	}
	return out
}

// Duplicate suggestions: same category, reported within mergeWindow of
// each other, located within mergeRadius metres (or in the same building).
const (
	mergeWindow = 72 * time.Hour
	mergeRadius = 200.0
)

// dupOption is a suggested master case for a merge.
type dupOption struct {
	ID       int64
	Number   string
	Title    string
	State    cases.State
	Distance string // "80 m", or "" when only the building matches
	Reported time.Time
}

// mergeCandidates suggests the cases c may duplicate: open cases the actor
// can read of the same category, reported within 72 hours of it, within
// about 200 m of it or in its building, nearest first.
func (st *staff) mergeCandidates(ctx context.Context, c *cases.Case) []dupOption {
	from, to := c.ReportedAt.Add(-mergeWindow), c.ReportedAt.Add(mergeWindow)
	open := true
	list, _, err := st.cases.FindCases(ctx, cases.CaseFilter{Category: &c.Category, From: &from, To: &to, Open: &open, Limit: 200})
	if err != nil {
		return nil
	}
	type cand struct {
		dupOption
		m float64
	}
	var cs []cand
	for _, o := range list {
		if o.ID == c.ID || o.MergedInto != 0 {
			continue
		}
		m, near := -1.0, false
		if c.Lon != nil && c.Lat != nil && o.Lon != nil && o.Lat != nil {
			m = metres(*c.Lon, *c.Lat, *o.Lon, *o.Lat)
			near = m <= mergeRadius
		}
		if !near && (c.BuildingID == 0 || o.BuildingID != c.BuildingID) {
			continue
		}
		d := dupOption{ID: o.ID, Number: o.Number, Title: o.Title, State: o.State, Reported: o.ReportedAt}
		if m >= 0 {
			d.Distance = strconv.Itoa(int(math.Round(m))) + " m"
		}
		if m < 0 {
			m = 0 // same building
		}
		cs = append(cs, cand{d, m})
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return cmp.Compare(a.m, b.m) })
	out := make([]dupOption, 0, len(cs))
	for _, x := range cs {
		out = append(out, x.dupOption)
	}
	return out
}

// metres is the great-circle distance between two WGS84 points.
func metres(lon1, lat1, lon2, lat2 float64) float64 {
	const r = 6371008.8
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

// casePage is the data of a console's case page (worker_case.html,
// dispatch_case.html).
type casePage struct {
	Page
	Prefix       string // "/w" or "/d"
	Case         *cases.Case
	CategoryName string
	Due          *time.Time
	Photos       []string
	Events       []eventView
	Actions      []caseAction
	Open         cases.Action // the action whose form failed, shown open
	Suggest      []assigneeOption
	Departments  []deptOption
	Duplicates   []dupOption
	Levels       []cases.Supervision
}

// Offers reports whether an action is offered.
func (p casePage) Offers(a string) bool {
	return slices.ContainsFunc(p.Actions, func(x caseAction) bool { return string(x.Action) == a })
}

// loadCasePage fills a case page for case id as the actor sees it.
func (st *staff) loadCasePage(ctx context.Context, p Page, prefix string, id int64) (casePage, error) {
	c, err := st.cases.FindCaseByID(ctx, id)
	if err != nil {
		return casePage{}, err
	}
	a, _ := auth.ActorFrom(ctx)
	cp := casePage{Page: p, Prefix: prefix, Case: c, CategoryName: st.categoryName(ctx, p.Lang, c.Category),
		Actions: staffActions(a, c, p.Lang), Levels: []cases.Supervision{cases.SuperviseYellow, cases.SuperviseRed, cases.SuperviseNormal}}
	cp.Title = c.Number + " " + c.Title
	if c.Step != nil && c.State.Open() {
		due := c.Step.Due
		cp.Due = &due
	}
	for _, id := range c.Attachments {
		cp.Photos = append(cp.Photos, photoURL(id))
	}
	evs, err := st.cases.Events(ctx, id)
	if err != nil && apperr.CodeOf(err) != apperr.Forbidden {
		return casePage{}, err
	}
	cp.Events = eventViews(p, evs)
	if cp.Offers(string(cases.ActDispatch)) {
		cp.Suggest = st.dispatchSuggestions(ctx, p, c)
	}
	if cp.Offers(string(cases.ActDispatch)) || cp.Offers(string(cases.ActInvolve)) {
		cp.Departments = st.departmentsFor(ctx)
	}
	if cp.Offers(string(cases.ActMerge)) {
		cp.Duplicates = st.mergeCandidates(ctx, c)
	}
	return cp, nil
}

// handleCaseAct answers a console's transition form: back to the case (or
// to done) on success; otherwise the case page again, with the error
// beside its field, what was typed kept, and on a stale version the case
// as it now stands with the 409 message.
func (st *staff) handleCaseAct(prefix, tmpl, done string, roles []auth.Role) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if _, err := requireRole(r, roles...); err != nil {
			return err
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		c, f, err := st.act(r, id)
		if err == nil {
			target := prefix + "/cases/" + strconv.FormatInt(c.ID, 10)
			if done != "" && len(staffActions(mustActor(r), c, "zh")) == 0 {
				target = done // nothing left for this actor to do here
			}
			st.redirect(w, r, target, "staff.flash_done")
			return nil
		}
		if !formError(err) {
			return err
		}
		p := st.newPage(w, r, "staff.case_title")
		p.Wide = prefix == "/d"
		cp, lerr := st.loadCasePage(r.Context(), p, prefix, id)
		if lerr != nil {
			return lerr
		}
		failAct(&cp.Page, err)
		if e := apperr.As(err); e != nil && e.Code == apperr.Conflict && (e.Field == "version" || e.Field == "state") {
			// The case moved on: show it afresh, with nothing of the old form.
			cp.Form = nil
		} else {
			cp.Open = f.in.Action
		}
		st.render(w, r, errStatus(err), tmpl, cp)
		return nil
	}
}

// mustActor is the signed-in actor of a request that passed requireRole.
func mustActor(r *http.Request) *auth.Actor {
	a, _ := auth.ActorFrom(r.Context())
	return a
}
