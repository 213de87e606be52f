package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
)

// The dispatcher's console (/d), also the branch secretary's (支部派单) and
// the leader's: the queue by traffic light and age, refreshed every 30 s
// and at once on a live event, and each case with the actions the actor
// may take.
func (st *staff) registerDispatch(mux *http.ServeMux) {
	mux.HandleFunc("GET /d", st.htmlPage(st.handleDispatchHome))
	mux.HandleFunc("GET /d/queue", st.htmlPage(st.handleDispatchQueue))
	mux.HandleFunc("GET /d/cases/{id}", st.htmlPage(st.handleDispatchCase))
	mux.HandleFunc("POST /d/cases/{id}/act", st.htmlPage(st.handleCaseAct("/d", "dispatch_case.html", "/d", dispatchRoles)))
}

// queueScope is a region whose cases the console lists: its queue for
// those who register and dispatch, its location for those who only
// supervise (leaders).
type queueScope struct {
	ID    int64
	Queue bool
}

// queueScopes returns the regions of the actor's console, without those
// inside another.
func queueScopes(a *auth.Actor) []queueScope {
	type cand struct {
		s    queueScope
		path string
	}
	var cs []cand
	for _, g := range a.Grants {
		if g.Scope.Kind != auth.ScopeRegion {
			continue
		}
		q := auth.RoleAllows(g.Role, auth.ActCaseRegister) || auth.RoleAllows(g.Role, auth.ActCaseDispatch)
		if !q && !auth.RoleAllows(g.Role, auth.ActCaseSupervise) {
			continue
		}
		if !slices.Contains(dispatchRoles, g.Role) {
			continue
		}
		cs = append(cs, cand{queueScope{ID: g.Scope.ID, Queue: q}, g.Scope.Path})
	}
	var out []queueScope
	for i, c := range cs {
		inside := false
		for j, o := range cs {
			if i != j && o.s.Queue == c.s.Queue && len(o.path) < len(c.path) && strings.HasPrefix(c.path, o.path) {
				inside = true
			}
		}
		if !inside && !slices.Contains(out, c.s) {
			out = append(out, c.s)
		}
	}
	return out
}

// dispatchQueue is the queue block (dispatch-queue), on its own for the
// refresh.
type dispatchQueue struct {
	Page
	Rows    []taskRow
	Total   int
	Refresh string // the block's own URL with the filter, for the refresh
}

// dispatchHomePage is the data of dispatch_home.html.
type dispatchHomePage struct {
	Page
	Queue  dispatchQueue
	Lights []cases.Light
	States []cases.State
	Kinds  string // the live event kinds that refresh the queue
}

// loadQueue lists the console's open cases matching the filter in the
// query (light, state, q), most urgent first.
func (st *staff) loadQueue(r *http.Request, p Page) (dispatchQueue, error) {
	a := mustActor(r)
	q := r.URL.Query()
	keep := url.Values{}
	open := true
	base := cases.CaseFilter{Open: &open, Limit: 200}
	if l := cases.Light(q.Get("light")); l == cases.LightRed || l == cases.LightYellow || l == cases.LightGreen {
		base.Light = &l
		keep.Set("light", string(l))
	}
	if s := cases.State(q.Get("state")); s.Valid() {
		base.States = []cases.State{s}
		keep.Set("state", string(s))
	}
	if t := strings.TrimSpace(q.Get("q")); t != "" {
		base.Text = &t
		keep.Set("q", t)
	}
	out := dispatchQueue{Page: p, Refresh: "/d/queue?" + keep.Encode()}
	seen := map[int64]bool{}
	var list []*cases.Case
	for _, sc := range queueScopes(a) {
		f := base
		id := sc.ID
		if sc.Queue {
			f.QueueOf = &id
		} else {
			f.RegionOf = &id
		}
		cs, n, err := st.cases.FindCases(r.Context(), f)
		if err != nil {
			return out, err
		}
		out.Total += n
		for _, c := range cs {
			if !seen[c.ID] {
				seen[c.ID] = true
				list = append(list, c)
			}
		}
	}
	out.Rows = st.taskRows(r.Context(), p, list)
	sortTasks(out.Rows)
	return out, nil
}

// liveKinds are the event kinds of the case loop, which the console's
// script listens for on /api/v1/stream.
func liveKinds() string {
	kinds := []string{"case." + string(cases.ActReport)}
	for _, t := range cases.Machine() {
		kinds = append(kinds, "case."+string(t.Action))
	}
	return strings.Join(kinds, " ")
}

func (st *staff) handleDispatchHome(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireRole(r, dispatchRoles...); err != nil {
		return err
	}
	p := dispatchHomePage{Page: st.newPage(w, r, "dispatch.home_title"), Kinds: liveKinds(),
		Lights: []cases.Light{cases.LightRed, cases.LightYellow, cases.LightGreen}, States: cases.States}
	p.Wide, p.Nav = true, "queue"
	p.Form = r.URL.Query()
	q, err := st.loadQueue(r, p.Page)
	if err != nil {
		return err
	}
	p.Queue = q
	st.render(w, r, http.StatusOK, "dispatch_home.html", p)
	return nil
}

// handleDispatchQueue is the queue alone, for htmx's refresh.
func (st *staff) handleDispatchQueue(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireRole(r, dispatchRoles...); err != nil {
		return err
	}
	p := st.newPage(w, r, "dispatch.home_title")
	q, err := st.loadQueue(r, p)
	if err != nil {
		return err
	}
	st.renderBlock(w, r, http.StatusOK, "dispatch_home.html", "dispatch-queue", q)
	return nil
}

func (st *staff) handleDispatchCase(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireRole(r, dispatchRoles...); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p := st.newPage(w, r, "staff.case_title")
	p.Wide, p.Nav = true, "queue"
	cp, err := st.loadCasePage(r.Context(), p, "/d", id)
	if err != nil {
		return err
	}
	st.render(w, r, http.StatusOK, "dispatch_case.html", cp)
	return nil
}
