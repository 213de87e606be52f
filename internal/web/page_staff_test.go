package web_test

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/territory"
)

// The staff consoles' page tests: the grid worker's (/w), the dispatcher's
// (/d) and the administration (/admin), through their forms as a browser
// sends them (CSRF token, multipart photos), on the case world of the API
// tests. Forms that write go through both engines.

// staffFile is a file field of a multipart form.
type staffFile struct {
	field, name string
	body        []byte
}

// staffMultipart sends a multipart form with files, with the last page's
// CSRF token.
func staffMultipart(b *browser, path string, form url.Values, files ...staffFile) page {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, _ := mw.CreateFormFile(f.field, f.name)
		fw.Write(f.body)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// staffSignIn returns a browser signed in as username.
func staffSignIn(t *testing.T, w *caseWorld, username string) *browser {
	t.Helper()
	b := newBrowser(t, w.srv.URL)
	b.signIn(username)
	return b
}

// staffExtra adds what the console tests need besides the case world: an
// administrator of the district, a party member of grid 1's branch with an
// account, and households (one with a resident) in 27号楼 1单元.
type staffExtra struct {
	admin, member int64
	households    []int64
}

func addStaffExtra(t *testing.T, w *caseWorld) staffExtra {
	t.Helper()
	ctx := systemCtx()
	terr := territory.NewService(w.db)
	master, _ := people.ParseKey(strings.Repeat("cd", 32))
	keys, _ := people.NewKeyring(master)
	ppl := people.NewService(w.db, keys)
	au := auth.NewService(w.db, func(ctx context.Context, kind auth.ScopeKind, id int64) (string, error) {
		if kind == auth.ScopeParty {
			return ppl.OrgPathOf(ctx, id)
		}
		return terr.PathOf(ctx, id)
	}, auth.Options{Argon2: auth.FastArgon2()})
	var x staffExtra
	u, err := au.CreateUser(ctx, auth.UserInput{Username: "admin", DisplayName: "区管理员", Password: testPassword,
		Grants: []auth.GrantInput{{Role: auth.RoleAdmin, ScopeKind: auth.ScopeRegion, ScopeID: w.regions["330110"].ID}}})
	if err != nil {
		t.Fatal(err)
	}
	x.admin = u.ID
	grid := w.regions["330110001001001"]
	branch := people.KindBranch
	orgs, _, err := ppl.FindOrgs(ctx, people.OrgFilter{RegionID: &grid.ID, Kind: &branch})
	if err != nil || len(orgs) != 1 {
		t.Fatalf("branch of grid 1: %v %v", orgs, err)
	}
	u, err = au.CreateUser(ctx, auth.UserInput{Username: "member2", DisplayName: "党员李明", Password: testPassword,
		Grants: []auth.GrantInput{{Role: auth.RolePartyMember, ScopeKind: auth.ScopeParty, ScopeID: orgs[0].ID}}})
	if err != nil {
		t.Fatal(err)
	}
	x.member = u.ID
	if _, err := ppl.CreateMember(ctx, people.MemberInput{OrgID: orgs[0].ID, UserID: u.ID, Name: "李明", Category: people.MemberInService}); err != nil {
		t.Fatal(err)
	}
	for _, room := range []string{"101", "102", "201"} {
		h, err := terr.CreateHousehold(ctx, territory.HouseholdInput{UnitID: w.unit.ID, Room: room, Kind: territory.HouseholdOwner})
		if err != nil {
			t.Fatal(err)
		}
		x.households = append(x.households, h.ID)
	}
	if _, err := ppl.CreateResident(ctx, people.ResidentInput{HouseholdID: x.households[0], Name: "王秀英", Relation: people.RelationHead,
		Tags: []people.Tag{people.TagElderlyAlone}, Phone: "13812345678"}); err != nil {
		t.Fatal(err)
	}
	return x
}

// staffReport files a leak in 27号楼 1单元 as the resident.
func staffReport(t *testing.T, w *caseWorld, title string) *cases.Case {
	t.Helper()
	grid := w.regions["330110001001001"]
	ctx := auth.WithActor(context.Background(), &auth.Actor{UserID: w.users["resident"], Name: "resident",
		Grants: []auth.Grant{{Role: auth.RoleResident, Scope: auth.Scope{Kind: auth.ScopeSelf, ID: grid.ID, Path: grid.Path}}}})
	lon, lat := 120.0201, 30.0501
	c, err := w.cases.Report(ctx, cases.ReportInput{Channel: cases.ChannelResident, Category: "LE0102", Urgency: category.Normal,
		Title: title, Description: "供热管道漏水", BuildingID: w.building.ID, UnitID: w.unit.ID, Lon: &lon, Lat: &lat})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// caseNow reads a case as the system.
func caseNow(t *testing.T, w *caseWorld, id int64) *cases.Case {
	t.Helper()
	c, err := w.cases.FindCaseByID(systemCtx(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fieldError returns the error shown beside a form field, "" for none.
func fieldError(body, field string) string {
	m := regexp.MustCompile(`<p class="err" id="` + regexp.QuoteMeta(field) + `-err">([^<]*)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// inputValue returns the value attribute of the input named name.
func inputValue(body, name string) string {
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `"[^>]*value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// staffEngines runs fn on a fresh case world per engine, from a Monday
// morning.
func staffEngines(t *testing.T, fn func(t *testing.T, w *caseWorld)) {
	engines(t, time.Date(2026, 3, 9, 9, 0, 0, 0, shanghai), fn)
}

// TestStaffPagesByRole: each console page renders for its roles, is refused
// (a 403 page, or 404 for a case the actor may not read) to the others, and
// sends anonymous visitors to sign in.
func TestStaffPagesByRole(t *testing.T) {
	w := pageWorld(t)
	addStaffExtra(t, w)
	leak := staffReport(t, w, "楼道暖气管道漏水")
	caseW, caseD := "/w/cases/"+id(leak.ID), "/d/cases/"+id(leak.ID)
	grid := id(w.regions["330110001001001"].ID)
	pages := []struct {
		path    string
		allowed string // who sees the page
		want    string // a fragment of the page they see
	}{
		{"/w", "gw_a1 heating member", "今日任务"},
		{caseW, "gw_a1", "楼道暖气管道漏水"},
		{"/w/patrol", "gw_a1", `capture="environment"`},
		{"/w/map", "gw_a1", "<svg"},
		{"/w/buildings/" + id(w.building.ID), "gw_a1", "王*英"},
		{"/d", "dispatcher secretary leader", "楼道暖气管道漏水"},
		{"/d/queue", "dispatcher secretary leader", "楼道暖气管道漏水"},
		{caseD, "dispatcher secretary leader", "楼道暖气管道漏水"},
		{"/admin", "admin", "系统管理"},
		{"/admin/regions/" + grid, "admin", "<svg"},
		{"/admin/buildings?grid=" + grid, "admin", "27号楼"},
		{"/admin/users", "admin", "gw_a1"},
		{"/admin/users/" + id(w.users["gw_a1"]), "admin", "网格员"},
		{"/admin/categories?q=LE0102", "admin", "LE0102"},
		{"/admin/categories/LE0102", "admin", "供热管道漏水"},
		{"/admin/limits", "admin", "时限"},
		{"/admin/calendar", "admin", "2026"},
		{"/admin/calendar/2026", "admin", "春节"},
		{"/admin/ledger", "admin", "下载台账模板"},
	}
	everyone := []string{"resident", "gw_a1", "secretary", "member", "heating", "dispatcher", "leader", "admin"}
	browsers := map[string]*browser{}
	for _, u := range everyone {
		browsers[u] = staffSignIn(t, w, u)
	}
	anon := newBrowser(t, w.srv.URL)
	for _, pg := range pages {
		for _, u := range everyone {
			p := browsers[u].get(pg.path)
			allowed := strings.Contains(" "+pg.allowed+" ", " "+u+" ")
			switch {
			case allowed && (p.status != 200 || !strings.Contains(p.body, pg.want)):
				t.Errorf("%s as %s: %d, want 200 with %q\n%s", pg.path, u, p.status, pg.want, staffSnippet(p.body))
			case !allowed && p.status != 403 && !(p.status == 404 && strings.Contains(pg.path, "/cases/")):
				t.Errorf("%s as %s: %d, want it refused", pg.path, u, p.status)
			case allowed && !strings.Contains(p.header.Get("Content-Security-Policy"), "script-src 'self'"):
				t.Errorf("%s as %s: no CSP", pg.path, u)
			}
		}
		p := anon.get(pg.path)
		if loc := p.header.Get("Location"); p.status != 303 || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("%s anonymously: %d → %q, want 303 to /login", pg.path, p.status, loc)
		}
	}
	// The other language comes from the catalogue too.
	gw := browsers["gw_a1"]
	gw.lang = "en"
	if p := gw.get("/w"); p.status != 200 || !strings.Contains(p.body, "Today&#39;s tasks") {
		t.Errorf("/w in English: %d\n%s", p.status, staffSnippet(p.body))
	}
	// The queue's refresh is a fragment, not a page.
	if p := browsers["dispatcher"].get("/d/queue"); strings.Contains(p.body, "<html") || !strings.Contains(p.body, "<table") {
		t.Errorf("/d/queue is not the queue fragment:\n%s", p.body)
	}
	if p := browsers["dispatcher"].get("/d"); !strings.Contains(p.body, `hx-trigger="every 30s, gw-refresh from:body"`) || !strings.Contains(p.body, "/static/console.") {
		t.Errorf("/d refreshes neither every 30 s nor on live events:\n%s", staffSnippet(p.body))
	}
}

// staffSnippet is the main part of a page, for failure messages.
func staffSnippet(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	if len(body) > 4000 {
		body = body[:4000]
	}
	return body
}

// TestConsoleDispatchAcceptFeedback: the dispatcher registers and dispatches
// from the console, choosing the grid's worker among the suggestions; the
// grid worker finds the task first on its list, accepts it and feeds back
// with a camera photo; a second worker of the grid verifies with a photo.
func TestConsoleDispatchAcceptFeedback(t *testing.T) {
	staffEngines(t, func(t *testing.T, w *caseWorld) {
		x := addStaffExtra(t, w)
		leak := staffReport(t, w, "楼道暖气管道漏水")
		d := staffSignIn(t, w, "dispatcher")
		path := "/d/cases/" + id(leak.ID)
		p := d.get(path)
		wantContains(t, "case page before registering", p.body, `value="register"`, `value="reject"`, `value="escalate"`)
		p = d.post(path+"/act", url.Values{"action": {"register"}, "version": {id(leak.Version)}})
		if p.status != 303 || p.header.Get("Location") != path {
			t.Fatalf("register: %d %s", p.status, staffSnippet(p.body))
		}
		p = d.get(path)
		wantContains(t, "case page after registering", p.body, "已办理", `value="dispatch"`,
			`value="u:`+id(w.users["gw_a1"])+`"`, "本网格网格员", // the grid's worker
			`value="u:`+id(x.member)+`"`, "李明", // a party member of the grid's branch
			`value="d:`+id(w.heating.ID)+`"`, "该类问题的责任部门") // the category's department
		if strings.Contains(p.body, `value="u:`+id(w.users["gw_b"])+`"`) {
			t.Error("the next grid's worker is suggested")
		}
		c := caseNow(t, w, leak.ID)
		p = d.post(path+"/act", url.Values{"action": {"dispatch"}, "version": {id(c.Version)}, "assignee": {"u:" + id(w.users["gw_a1"]), ""}})
		if p.status != 303 {
			t.Fatalf("dispatch: %d %s", p.status, staffSnippet(p.body))
		}
		if c = caseNow(t, w, leak.ID); c.State != cases.Dispatched || c.AssigneeUserID != w.users["gw_a1"] {
			t.Fatalf("after dispatch: %s to %d", c.State, c.AssigneeUserID)
		}

		// 50 minutes on, the accept clock (1 h) is yellow; a case reported
		// now is green and comes after it on the worker's list.
		w.clock.Add(50 * time.Minute)
		staffReport(t, w, "楼道灯不亮")
		gw := staffSignIn(t, w, "gw_a1")
		p = gw.get("/w")
		i, j := strings.Index(p.body, "楼道暖气管道漏水"), strings.Index(p.body, "楼道灯不亮")
		if i < 0 || j < 0 || i > j {
			t.Errorf("task list order: leak at %d, lights at %d\n%s", i, j, staffSnippet(p.body))
		}
		wantContains(t, "task list", p.body, `<li class="task l-yellow"><a class="tap" href="/w/cases/`+id(leak.ID)+`">`,
			"2026-03-09 10:00 前办结本环节", "待办 2 件")

		wpath := "/w/cases/" + id(leak.ID)
		p = gw.get(wpath)
		wantContains(t, "worker's case page", p.body, `value="accept"`, `value="return"`)
		p = gw.post(wpath+"/act", url.Values{"action": {"accept"}, "version": {id(c.Version)}})
		if p.status != 303 {
			t.Fatalf("accept: %d %s", p.status, staffSnippet(p.body))
		}
		p = gw.get(wpath)
		wantContains(t, "case in progress", p.body, `value="feedback"`, `accept="image/*" capture="environment"`)
		c = caseNow(t, w, leak.ID)
		before := w.countAttachments(t)
		p = staffMultipart(gw, wpath+"/act", url.Values{"action": {"feedback"}, "version": {id(c.Version)}, "note": {"已关阀并更换管段"}},
			staffFile{"photo", "fixed.jpg", testJPEG(t)})
		if p.status != 303 {
			t.Fatalf("feedback: %d %s", p.status, staffSnippet(p.body))
		}
		c = caseNow(t, w, leak.ID)
		evs, err := w.cases.Events(systemCtx(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := evs[len(evs)-1]
		if c.State != cases.Handled || last.Action != cases.ActFeedback || len(last.Attachments) != 1 || w.countAttachments(t) != before+1 {
			t.Fatalf("after feedback: %s, last event %s with %d photos", c.State, last.Action, len(last.Attachments))
		}
		// The feedback's photo is on the case page and may be fetched.
		photo := "/api/v1/photos/" + id(last.Attachments[0])
		p = gw.get(wpath)
		wantContains(t, "handled case", p.body, photo, "已关阀并更换管段")
		if p := gw.get(photo); p.status != 200 || p.header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("feedback photo: %d %s", p.status, p.header.Get("Content-Type"))
		}
		// The handler may not verify its own work; the dispatcher may, with a photo.
		if strings.Contains(p.body, `value="verify_ok"`) {
			t.Error("the handler is offered verification of its own work")
		}
		p = d.get(path)
		p = staffMultipart(d, path+"/act", url.Values{"action": {"verify_ok"}, "version": {id(c.Version)}}, staffFile{"photo", "after.jpg", testJPEG(t)})
		if p.status != 303 {
			t.Fatalf("verify: %d %s", p.status, staffSnippet(p.body))
		}
		if c = caseNow(t, w, leak.ID); c.State != cases.Verified {
			t.Errorf("after verification: %s", c.State)
		}
	})
}

// TestConsoleBadInput: forms refused by the services show the error beside
// the field in the user's language, keep what was typed and write nothing:
// a dispatch without an assignee, a stale version (409, the case shown as
// it now stands), a reason left out, a bad extension.
func TestConsoleBadInput(t *testing.T) {
	staffEngines(t, func(t *testing.T, w *caseWorld) {
		addStaffExtra(t, w)
		leak := staffReport(t, w, "楼道暖气管道漏水")
		d := staffSignIn(t, w, "dispatcher")
		path := "/d/cases/" + id(leak.ID)
		d.get(path)
		if p := d.post(path+"/act", url.Values{"action": {"register"}, "version": {"1"}}); p.status != 303 {
			t.Fatalf("register: %d", p.status)
		}
		before := caseNow(t, w, leak.ID)

		// Dispatch without an assignee: beside the picker, the note kept.
		p := d.post(path+"/act", url.Values{"action": {"dispatch"}, "version": {id(before.Version)}, "assignee": {""}})
		if p.status != 400 || fieldError(p.body, "assignee") != "请选择承办人或承办部门" {
			t.Errorf("dispatch without assignee: %d, error %q\n%s", p.status, fieldError(p.body, "assignee"), staffSnippet(p.body))
		}
		if !strings.Contains(p.body, `<details class="act" open>`) {
			t.Error("the failed dispatch form is not shown open")
		}
		// In English for an English browser.
		d.lang = "en"
		p = d.post(path+"/act", url.Values{"action": {"dispatch"}, "version": {id(before.Version)}})
		if fieldError(p.body, "assignee") != "choose a person or a department to dispatch to" {
			t.Errorf("English error: %q", fieldError(p.body, "assignee"))
		}
		d.lang = ""
		// Escalation without a reason, suspension with one typed but the
		// version stale: the reason is kept on the first, and the second
		// shows the 409 message over the case as it now stands.
		p = d.post(path+"/act", url.Values{"action": {"escalate"}, "version": {id(before.Version)}, "reason": {"  "}})
		if p.status != 400 || fieldError(p.body, "reason") == "" {
			t.Errorf("escalate without reason: %d %q", p.status, fieldError(p.body, "reason"))
		}
		if after := caseNow(t, w, leak.ID); after.Version != before.Version || after.State != cases.Registered {
			t.Fatalf("bad input wrote: version %d → %d, state %s", before.Version, after.Version, after.State)
		}
		// Someone acts meanwhile in another tab: a yellow card.
		other := staffSignIn(t, w, "dispatcher")
		other.get(path)
		if p := other.post(path+"/act", url.Values{"action": {"supervise"}, "version": {id(before.Version)}, "level": {"yellow"}}); p.status != 303 {
			t.Fatalf("the other tab's action: %d %s", p.status, staffSnippet(p.body))
		}
		now := caseNow(t, w, leak.ID)
		p = d.post(path+"/act", url.Values{"action": {"dispatch"}, "version": {id(before.Version)}, "assignee": {"u:" + id(w.users["gw_a1"])}})
		if p.status != 409 || !strings.Contains(p.body, "案件已被他人更新，请刷新后重试") {
			t.Errorf("stale version: %d\n%s", p.status, staffSnippet(p.body))
		}
		if v := inputValue(p.body, "version"); v != id(now.Version) {
			t.Errorf("after a 409 the forms carry version %q, want the case's %d", v, now.Version)
		}
		if after := caseNow(t, w, leak.ID); after.Version != now.Version || after.AssigneeUserID != 0 {
			t.Errorf("the stale dispatch wrote: version %d, assignee %d", after.Version, after.AssigneeUserID)
		}
		// A bad extension limit, asked by the assignee.
		if p := d.post(path+"/act", url.Values{"action": {"dispatch"}, "version": {id(now.Version)}, "assignee": {"u:" + id(w.users["gw_a1"])}}); p.status != 303 {
			t.Fatalf("dispatch: %d %s", p.status, staffSnippet(p.body))
		}
		gw := staffSignIn(t, w, "gw_a1")
		c := caseNow(t, w, leak.ID)
		gw.get("/w/cases/" + id(leak.ID))
		p = gw.post("/w/cases/"+id(leak.ID)+"/act", url.Values{"action": {"extend"}, "version": {id(c.Version)}, "reason": {"需要订购配件"}, "extend_by": {"三天"}})
		if p.status != 400 || fieldError(p.body, "extend_by") == "" || !strings.Contains(p.body, "需要订购配件") {
			t.Errorf("bad extension: %d %q\n%s", p.status, fieldError(p.body, "extend_by"), staffSnippet(p.body))
		}
		// A feedback without a note, or on a stale version, stores no photo.
		before2 := w.countAttachments(t)
		gw.post("/w/cases/"+id(leak.ID)+"/act", url.Values{"action": {"accept"}, "version": {id(c.Version)}})
		c = caseNow(t, w, leak.ID)
		p = staffMultipart(gw, "/w/cases/"+id(leak.ID)+"/act", url.Values{"action": {"feedback"}, "version": {id(c.Version)}}, staffFile{"photo", "x.jpg", testJPEG(t)})
		if p.status != 400 || fieldError(p.body, "note") == "" || w.countAttachments(t) != before2 {
			t.Errorf("feedback without a note: %d %q, photos %d → %d", p.status, fieldError(p.body, "note"), before2, w.countAttachments(t))
		}
		p = staffMultipart(gw, "/w/cases/"+id(leak.ID)+"/act", url.Values{"action": {"feedback"}, "version": {id(c.Version - 1)}, "note": {"已修好"}},
			staffFile{"photo", "x.jpg", testJPEG(t)})
		if p.status != 409 || !strings.Contains(p.body, "案件已被他人更新") || w.countAttachments(t) != before2 {
			t.Errorf("stale feedback with a photo: %d, photos %d → %d", p.status, before2, w.countAttachments(t))
		}
	})
}

// TestConsoleEscalateMergeSupervise: the dispatcher escalates with a
// reason, sees a duplicate suggested (same category, a few metres away,
// the same day) and merges it, supervises a case with a red card; the
// extension an assignee asks for is approved from the console.
func TestConsoleEscalateMergeSupervise(t *testing.T) {
	w := pageWorld(t)
	addStaffExtra(t, w)
	first := staffReport(t, w, "楼道暖气管道漏水")
	w.clock.Add(time.Hour)
	dup := staffReport(t, w, "暖气管漏水，楼道积水")
	d := staffSignIn(t, w, "dispatcher")
	path := "/d/cases/" + id(dup.ID)
	p := d.get(path)
	wantContains(t, "merge suggestions", p.body, `name="duplicate_of" value="`+id(first.ID)+`"`, first.Number)
	p = d.post(path+"/act", url.Values{"action": {"merge"}, "version": {id(dup.Version)}, "duplicate_of": {id(first.ID)}})
	if p.status != 303 {
		t.Fatalf("merge: %d %s", p.status, staffSnippet(p.body))
	}
	if c := caseNow(t, w, dup.ID); c.State != cases.Closed || c.MergedInto != first.ID {
		t.Errorf("after merge: %s into %d", c.State, c.MergedInto)
	}

	fpath := "/d/cases/" + id(first.ID)
	d.get(fpath)
	c := caseNow(t, w, first.ID)
	if p := d.post(fpath+"/act", url.Values{"action": {"supervise"}, "version": {id(c.Version)}, "level": {"red"}}); p.status != 303 {
		t.Fatalf("supervise: %d %s", p.status, staffSnippet(p.body))
	}
	c = caseNow(t, w, first.ID)
	if p := d.post(fpath+"/act", url.Values{"action": {"escalate"}, "version": {id(c.Version)}, "reason": {"涉及多个网格，需社区统筹"}}); p.status != 303 {
		t.Fatalf("escalate: %d %s", p.status, staffSnippet(p.body))
	}
	c = caseNow(t, w, first.ID)
	if c.Tier != category.TierCommunity || c.Supervision != cases.SuperviseRed {
		t.Errorf("after escalation: tier %s, supervision %s", c.Tier, c.Supervision)
	}
	p = d.get(fpath)
	wantContains(t, "escalated case", p.body, "上报上级", "涉及多个网格，需社区统筹", "红牌督办")
	p = d.get("/d")
	wantContains(t, "queue", p.body, first.Number, "红牌督办")
	if strings.Contains(p.body, dup.Number) {
		t.Error("the merged duplicate is still in the queue")
	}

	// An extension asked by the assignee, approved at the console.
	if p := d.post(fpath+"/act", url.Values{"action": {"register"}, "version": {id(c.Version)}}); p.status != 303 && p.status != 409 {
		t.Fatalf("register: %d", p.status)
	}
	c = caseNow(t, w, first.ID)
	if c.State == cases.Reported {
		t.Fatal("not registered")
	}
	if p := d.post(fpath+"/act", url.Values{"action": {"dispatch"}, "version": {id(c.Version)}, "assignee": {"u:" + id(w.users["gw_a1"])}}); p.status != 303 {
		t.Fatalf("dispatch: %d %s", p.status, staffSnippet(p.body))
	}
	gw := staffSignIn(t, w, "gw_a1")
	gw.get("/w/cases/" + id(first.ID))
	c = caseNow(t, w, first.ID)
	if p := gw.post("/w/cases/"+id(first.ID)+"/act", url.Values{"action": {"extend"}, "version": {id(c.Version)}, "reason": {"需要订购配件"}, "extend_by": {"2wd"}}); p.status != 303 {
		t.Fatalf("extend: %d %s", p.status, staffSnippet(p.body))
	}
	p = d.get(fpath)
	wantContains(t, "pending extension", p.body, "需要订购配件", `value="extend_approve"`, `value="extend_deny"`)
	c = caseNow(t, w, first.ID)
	if p := d.post(fpath+"/act", url.Values{"action": {"extend_approve"}, "version": {id(c.Version)}}); p.status != 303 {
		t.Fatalf("approve: %d %s", p.status, staffSnippet(p.body))
	}
	if c = caseNow(t, w, first.ID); c.Extension != nil {
		t.Errorf("extension still pending after approval")
	}
}

// TestWorkerPatrol: a grid worker records a visit — households ticked,
// a policy talk and an errand, a finding with a photo that becomes a case
// through the grid-worker channel; a resent form records nothing twice;
// bad input is shown beside its field and writes nothing.
func TestWorkerPatrol(t *testing.T) {
	staffEngines(t, func(t *testing.T, w *caseWorld) {
		x := addStaffExtra(t, w)
		gw := staffSignIn(t, w, "gw_a1")
		p := gw.get("/w/patrol")
		key := inputValue(p.body, "key")
		if key == "" {
			t.Fatalf("no idempotency key on the form:\n%s", staffSnippet(p.body))
		}
		wantContains(t, "patrol form", p.body, "101", "102", "201", `name="household"`)
		// The household picker of another building comes as a fragment.
		if f := gw.get("/w/patrol/households?building=" + id(w.building.ID) + "&household=" + id(x.households[0])); !strings.Contains(f.body, `value="`+id(x.households[0])+`" checked`) || strings.Contains(f.body, "<html") {
			t.Errorf("household fragment:\n%s", f.body)
		}
		casesBefore := w.countCases(t)
		form := url.Values{"key": {key}, "grid": {id(w.regions["330110001001001"].ID)}, "household": {id(x.households[0]), id(x.households[1])},
			"talks": {"宣传医保缴费政策"}, "errands": {"代办高龄津贴\n代缴水费"}, "mediations": {""},
			"finding_title": {"3楼楼道堆放杂物"}, "finding_category": {"LE0102"}, "finding_building": {id(w.building.ID)},
			"visited_on": {"2026-03-09"}}
		p = staffMultipart(gw, "/w/patrol", form, staffFile{"finding_photo", "clutter.jpg", testJPEG(t)})
		if p.status != 303 {
			t.Fatalf("patrol: %d %s", p.status, staffSnippet(p.body))
		}
		if n := w.countCases(t); n != casesBefore+1 {
			t.Fatalf("cases %d → %d, want one finding reported", casesBefore, n)
		}
		p = gw.get("/w/patrol")
		wantContains(t, "after the visit", p.body, "走访记录已保存，发现的问题已上报", "入户 2 · 宣传 1 · 调解 0 · 代办 2 · 问题 1", "已上报：3楼楼道堆放杂物")
		open := true
		list, _, err := w.cases.FindCases(systemCtx(), cases.CaseFilter{Open: &open, Channel: ptr(cases.ChannelGridWorker)})
		if err != nil || len(list) != 1 || len(list[0].Attachments) != 1 || list[0].ReporterUserID != w.users["gw_a1"] {
			t.Fatalf("the finding's case: %v %+v", err, list)
		}
		// Resent (the phone lost the answer): nothing twice.
		gw.get("/w/patrol")
		p = staffMultipart(gw, "/w/patrol", form, staffFile{"finding_photo", "clutter.jpg", testJPEG(t)})
		if p.status != 303 || w.countCases(t) != casesBefore+1 {
			t.Errorf("resent visit: %d, cases %d", p.status, w.countCases(t))
		}
		var visits int
		w.db.QueryRow(context.Background(), `SELECT count(*) FROM patrol_visits`).Scan(&visits)
		if visits != 1 {
			t.Errorf("%d visits after a resend, want 1", visits)
		}
		if p := gw.get("/w"); !strings.Contains(p.body, "今日已走访 1 次、入户 2 户、上报问题 1 个") {
			t.Errorf("home tally:\n%s", staffSnippet(p.body))
		}

		// Bad input: a date in the future, a finding without a category.
		photos := w.countAttachments(t)
		p = gw.get("/w/patrol")
		bad := url.Values{"key": {inputValue(p.body, "key")}, "visited_on": {"2026-03-20"}, "talks": {"宣传垃圾分类"},
			"finding_title": {"路灯不亮"}, "household": {id(x.households[2])}}
		p = staffMultipart(gw, "/w/patrol", bad, staffFile{"finding_photo", "lamp.jpg", testJPEG(t)})
		if p.status != 400 || fieldError(p.body, "visited_on") == "" || fieldError(p.body, "finding_category") == "" {
			t.Errorf("bad visit: %d, date %q, category %q\n%s", p.status, fieldError(p.body, "visited_on"), fieldError(p.body, "finding_category"), staffSnippet(p.body))
		}
		wantContains(t, "bad visit keeps what was typed", p.body, "宣传垃圾分类", `value="路灯不亮"`, `value="`+id(x.households[2])+`"`)
		w.db.QueryRow(context.Background(), `SELECT count(*) FROM patrol_visits`).Scan(&visits)
		if visits != 1 || w.countAttachments(t) != photos || w.countCases(t) != casesBefore+1 {
			t.Errorf("bad visit wrote: %d visits, photos %d → %d", visits, photos, w.countAttachments(t))
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestWorkerMapAndBuilding: the grid map draws the grid's boundary, its
// buildings as links and its open cases; a building's page masks personal
// data.
func TestWorkerMapAndBuilding(t *testing.T) {
	w := pageWorld(t)
	addStaffExtra(t, w)
	leak := staffReport(t, w, "楼道暖气管道漏水")
	gw := staffSignIn(t, w, "gw_a1")
	p := gw.get("/w/map")
	wantContains(t, "grid map", p.body, `<path class="grid mine"`, `<a href="/w/buildings/`+id(w.building.ID)+`"><circle class="bldg"`,
		`<a href="/w/cases/`+id(leak.ID)+`"><circle class="case-open"`, "水韵名都27号楼")
	p = gw.get("/w/buildings/" + id(w.building.ID))
	wantContains(t, "building", p.body, "1单元", "101", "王*英", "138****5678", "独居")
	if strings.Contains(p.body, "王秀英") || strings.Contains(p.body, "13812345678") {
		t.Error("personal data shown unmasked")
	}
	// Not a building of its grid.
	if p := staffSignIn(t, w, "gw_b").get("/w/buildings/" + id(w.building.ID)); p.status != 403 && p.status != 404 {
		t.Errorf("the next grid's worker reads the building: %d", p.status)
	}
}

// TestAdminForms: the administration's forms on both engines — a bad
// GeoJSON boundary drawn on the map with its problem marked and the error
// beside the field; a weak password; a bad time limit; then the good
// versions of each, a building, a calendar day, a category's limits.
func TestAdminForms(t *testing.T) {
	staffEngines(t, func(t *testing.T, w *caseWorld) {
		addStaffExtra(t, w)
		a := staffSignIn(t, w, "admin")
		grid := w.regions["330110001001001"]
		gpath := "/admin/regions/" + id(grid.ID)
		boundary := func() string {
			b, err := territory.NewService(w.db).BoundaryAt(systemCtx(), grid.ID, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			return string(b.GeoJSON)
		}
		was := boundary()
		a.get(gpath)
		// A bow tie: it crosses itself at (120.025, 30.05).
		bowtie := `{"type":"Polygon","coordinates":[[[120.0,30.0],[120.05,30.1],[120.05,30.0],[120.0,30.1],[120.0,30.0]]]}`
		p := staffMultipart(a, gpath+"/boundary", url.Values{"do": {"save"}, "valid_from": {"2026-03-10"}}, staffFile{"geojson_file", "grid.geojson", []byte(bowtie)})
		if p.status != 400 || !strings.Contains(fieldError(p.body, "geojson"), "自相交") {
			t.Errorf("bow tie: %d %q\n%s", p.status, fieldError(p.body, "geojson"), staffSnippet(p.body))
		}
		wantContains(t, "bow tie on the map", p.body, `<path class="upload"`, `<g class="mark">`, `value="2026-03-10"`)
		// Reaching into the next grid: the next grid is drawn as the clash.
		overlap := `{"type":"Polygon","coordinates":[[[120.0,30.0],[120.07,30.0],[120.07,30.1],[120.0,30.1],[120.0,30.0]]]}`
		a.get(gpath)
		p = a.post(gpath+"/boundary", url.Values{"do": {"save"}, "geojson": {overlap}})
		if p.status != 400 || !strings.Contains(fieldError(p.body, "geojson"), "330110001001002") {
			t.Errorf("overlap: %d %q", p.status, fieldError(p.body, "geojson"))
		}
		wantContains(t, "overlap on the map", p.body, `<path class="grid clash"`, "120.07")
		a.lang = "en"
		p = a.post(gpath+"/boundary", url.Values{"do": {"save"}, "geojson": {`{"type":"Point","coordinates":[120,30]}`}})
		if !strings.Contains(fieldError(p.body, "geojson"), "must be a Polygon or MultiPolygon") {
			t.Errorf("a point, in English: %q", fieldError(p.body, "geojson"))
		}
		a.lang = ""
		if now := boundary(); now != was {
			t.Errorf("refused boundaries changed the stored one")
		}
		// Preview draws a good one without saving; save keeps it.
		good := `{"type":"Polygon","coordinates":[[[120.0,30.0],[120.05,30.0],[120.05,30.09],[120.0,30.09],[120.0,30.0]]]}`
		p = a.post(gpath+"/boundary", url.Values{"do": {"preview"}, "geojson": {good}})
		if p.status != 200 || !strings.Contains(p.body, `<path class="upload"`) || boundary() != was {
			t.Errorf("preview: %d, stored changed %v", p.status, boundary() != was)
		}
		if p := a.post(gpath+"/boundary", url.Values{"do": {"save"}, "geojson": {good}, "valid_from": {"2026-03-09"}}); p.status != 303 {
			t.Errorf("save boundary: %d %s", p.status, staffSnippet(p.body))
		}
		if boundary() == was {
			t.Error("the good boundary was not saved")
		}

		// A weak password: beside the field, the rest kept, the password not echoed.
		a.get("/admin/users")
		form := url.Values{"username": {"gw_new"}, "display_name": {"张网格"}, "password": {"abcdefgh"}, "role": {"grid_worker"},
			"scope_kind": {"region"}, "scope": {grid.Code}}
		p = a.post("/admin/users", form)
		if p.status != 400 || fieldError(p.body, "password") != "密码必须同时包含字母和数字" {
			t.Errorf("weak password: %d %q", p.status, fieldError(p.body, "password"))
		}
		wantContains(t, "weak password form", p.body, `value="gw_new"`, `value="张网格"`, `value="`+grid.Code+`"`)
		if strings.Contains(p.body, "abcdefgh") {
			t.Error("the password is shown back")
		}
		users := func() int {
			var n int
			w.db.QueryRow(context.Background(), `SELECT count(*) FROM users WHERE username = $1`, "gw_new").Scan(&n)
			return n
		}
		if users() != 0 {
			t.Error("the weak password created the account")
		}
		// A scope outside the region tree.
		form.Set("password", "Passw0rd2026")
		form.Set("scope", "999999999999999")
		p = a.post("/admin/users", form)
		if p.status != 400 || fieldError(p.body, "scope") == "" || users() != 0 {
			t.Errorf("unknown scope: %d %q", p.status, fieldError(p.body, "scope"))
		}
		// A party organisation that does not exist.
		form.Set("scope_kind", "party")
		form.Set("scope", "99999")
		p = a.post("/admin/users", form)
		if p.status != 400 || fieldError(p.body, "scope") == "" || users() != 0 {
			t.Errorf("unknown party organisation: %d %q", p.status, fieldError(p.body, "scope"))
		}
		form.Set("scope_kind", "region")
		form.Set("scope", grid.Code)
		p = a.post("/admin/users", form)
		if p.status != 303 || users() != 1 {
			t.Fatalf("create user: %d %s", p.status, staffSnippet(p.body))
		}
		p = a.get(p.header.Get("Location"))
		wantContains(t, "new user", p.body, "张网格", "网格员", grid.Name)

		// A bad time limit: beside the field, nothing written.
		a.get("/admin/limits")
		count := func() int {
			var n int
			w.db.QueryRow(context.Background(), `SELECT count(*) FROM time_limits`).Scan(&n)
			return n
		}
		n0 := count()
		p = a.post("/admin/limits", url.Values{"step": {"handle"}, "category_code": {"LE0102"}, "urgency": {"urgent"}, "limit": {"3 days"}, "note": {"冬季供暖期"}})
		if p.status != 400 || fieldError(p.body, "limit") == "" || count() != n0 {
			t.Errorf("bad limit: %d %q, policies %d → %d", p.status, fieldError(p.body, "limit"), n0, count())
		}
		wantContains(t, "bad limit form", p.body, `value="3 days"`, `value="冬季供暖期"`, `value="LE0102"`)
		p = a.post("/admin/limits", url.Values{"step": {"handle"}, "category_code": {"LE0102"}, "urgency": {"urgent"}, "limit": {"4wh"}, "note": {"冬季供暖期"}})
		if p.status != 303 || count() != n0+1 {
			t.Errorf("good limit: %d", p.status)
		}
		// The category's own limit, edited.
		a.get("/admin/categories/LE0102")
		p = a.post("/admin/categories/LE0102", url.Values{"name_zh": {"供热管道漏水"}, "name_en": {"Heating pipe leak"}, "handle_limit": {"2 天"}, "active": {"on"}})
		if p.status != 400 || fieldError(p.body, "handle_limit") == "" {
			t.Errorf("bad category limit: %d %q", p.status, fieldError(p.body, "handle_limit"))
		}

		// A building and a calendar day.
		a.get("/admin/buildings?grid=" + id(grid.ID))
		p = a.post("/admin/buildings", url.Values{"grid": {id(grid.ID)}, "compound": {"水韵名都"}, "name": {"27号楼"}, "kind": {"building"}})
		if p.status != 409 || fieldError(p.body, "name") == "" {
			t.Errorf("duplicate building: %d %q", p.status, fieldError(p.body, "name"))
		}
		if p := a.post("/admin/buildings", url.Values{"grid": {id(grid.ID)}, "compound": {"水韵名都"}, "name": {"28号楼"}, "kind": {"building"}, "lon": {"120.03"}, "lat": {"30.06"}}); p.status != 303 {
			t.Errorf("building: %d %s", p.status, staffSnippet(p.body))
		}
		a.get("/admin/calendar/2026")
		if p := a.post("/admin/calendar/2026/days", url.Values{"date": {"2027-01-01"}, "kind": {"off"}, "name": {"元旦"}}); p.status != 400 || fieldError(p.body, "date") == "" {
			t.Errorf("a day of another year: %d %q", p.status, fieldError(p.body, "date"))
		}
		if p := a.post("/admin/calendar/2026/days", url.Values{"date": {"2026-12-31"}, "kind": {"off"}, "name": {"测试假日"}}); p.status != 303 {
			t.Errorf("calendar day: %d %s", p.status, staffSnippet(p.body))
		}
		if p := a.get("/admin/calendar/2026"); !strings.Contains(p.body, "测试假日") {
			t.Error("the day is not listed")
		}
	})
}

// TestAdminLedgerImport: the template downloads; a workbook with bad rows
// is imported in the background, its page shows the progress and then
// every bad row, nothing is written, and the bad rows download as a
// workbook; the good rows only, when asked.
func TestAdminLedgerImport(t *testing.T) {
	w := pageWorld(t)
	addStaffExtra(t, w)
	a := staffSignIn(t, w, "admin")
	if p := a.get("/admin/ledger/template.xlsx"); p.status != 200 || !strings.Contains(p.header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("template: %d %s", p.status, p.header.Get("Content-Type"))
	}
	f := excelize.NewFile()
	f.SetSheetName(f.GetSheetName(0), "楼栋")
	rows := [][]any{
		{"网格编码", "小区/村", "楼栋名称", "类型"},
		{"330110001001001", "水韵名都", "30号楼", "楼栋"},
		{"330110001001001", "水韵名都", "31号楼", "别墅"},
		{"999999999999999", "水韵名都", "32号楼", "楼栋"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("楼栋", cell, &r)
	}
	var book bytes.Buffer
	f.Write(&book)
	buildings := func() int {
		var n int
		w.db.QueryRow(context.Background(), `SELECT count(*) FROM buildings`).Scan(&n)
		return n
	}
	n0 := buildings()
	a.get("/admin/ledger")
	// Not a workbook: beside the field.
	p := staffMultipart(a, "/admin/ledger", url.Values{}, staffFile{"file", "notes.txt", []byte("hello")})
	if p.status != 400 || fieldError(p.body, "file") == "" {
		t.Errorf("a text file: %d %q", p.status, fieldError(p.body, "file"))
	}
	run := func(form url.Values) string {
		t.Helper()
		p := staffMultipart(a, "/admin/ledger", form, staffFile{"file", "楼栋.xlsx", book.Bytes()})
		loc := p.header.Get("Location")
		if p.status != 303 || !strings.HasPrefix(loc, "/admin/ledger/jobs/") {
			t.Fatalf("upload: %d %s", p.status, staffSnippet(p.body))
		}
		// The page polls while the job runs; a test polls the same way.
		deadline := time.Now().Add(20 * time.Second)
		for {
			p = a.get(loc)
			if !strings.Contains(p.body, `hx-trigger="every 1s"`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the import did not finish:\n%s", staffSnippet(p.body))
			}
			time.Sleep(20 * time.Millisecond)
		}
		return loc
	}
	loc := run(url.Values{})
	p = a.get(loc)
	wantContains(t, "import report", p.body, "未写入任何数据", "第3行", "第4行", "999999999999999")
	if buildings() != n0 {
		t.Errorf("a file with bad rows wrote %d buildings", buildings()-n0)
	}
	if p := a.get(loc + "/errors.xlsx"); p.status != 200 || !strings.Contains(p.header.Get("Content-Type"), "spreadsheetml") {
		t.Errorf("error workbook: %d", p.status)
	}
	// Someone else's job is not found.
	if p := staffSignIn(t, w, "gw_a1").get(loc); p.status != 403 {
		t.Errorf("a grid worker reads the admin's import: %d", p.status)
	}
	a.get("/admin/ledger")
	loc = run(url.Values{"good_rows_only": {"on"}})
	p = a.get(loc)
	wantContains(t, "good rows only", p.body, "已导入正确的行")
	if buildings() != n0+1 {
		t.Errorf("good rows only wrote %d buildings, want 1", buildings()-n0)
	}
}

// TestStaffMapGeometry: the SVG map keeps north up and the shape's
// proportions, and reads the problem's place from a boundary error.
func TestStaffMapGeometry(t *testing.T) {
	w := pageWorld(t)
	addStaffExtra(t, w)
	a := staffSignIn(t, w, "admin")
	p := a.get("/admin/regions/" + id(w.regions["330110001001"].ID))
	// The community (0.1° × 0.1° at 30°N) is drawn a little taller than wide.
	m := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no map:\n%s", staffSnippet(p.body))
	}
	width, _ := strconv.Atoi(m[1])
	height, _ := strconv.Atoi(m[2])
	// 0.1° of longitude at 30°N is 0.866 of 0.1° of latitude.
	if width != 720 || height < 820 || height > 835 {
		t.Errorf("map %d×%d, want 720 wide and about 827 high", width, height)
	}
	// A grid twice as tall as wide is drawn narrower, not stretched.
	p = a.get("/admin/regions/" + id(w.regions["330110001001002"].ID))
	m = regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no map of the grid")
	}
	width, _ = strconv.Atoi(m[1])
	height, _ = strconv.Atoi(m[2])
	if width >= height {
		t.Errorf("grid map %d×%d, want it taller than wide", width, height)
	}
	wantContains(t, "community's grids", p.body, "水韵社区第1网格", "水韵社区第2网格")
}
