package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/web"
)

// adminDeps fills in the services of the administration API that d lacks,
// so that the shared fixture serves every route.
func adminDeps(db *sqldb.DB, d web.Deps) web.Deps {
	if d.Calendar == nil {
		d.Calendar = calendar.NewService(db, calendar.Options{})
	}
	if d.Category == nil {
		d.Category = category.NewService(db, d.Calendar)
	}
	if d.Notify == nil {
		d.Notify = notify.NewService(db, notify.Options{})
	}
	return d
}

// systemCtx acts as the system, for seeding and publishing.
func systemCtx() context.Context { return auth.WithActor(context.Background(), auth.SystemActor()) }

// seedReference loads the shipped work calendar (2025, 2026) and category
// dictionary, as serve does at start-up. It runs before the server's
// calendar first loads its snapshot.
func seedReference(t *testing.T, db *sqldb.DB) {
	t.Helper()
	if _, err := calendar.NewService(db, calendar.Options{}).SeedDefaults(systemCtx()); err != nil {
		t.Fatal(err)
	}
	if _, err := category.NewService(db, nil).SeedDefaults(systemCtx()); err != nil {
		t.Fatal(err)
	}
}

// send is do with a request content type; it returns the response headers
// too. The exchange is recorded for the OpenAPI check.
func (c *client) send(method, path, contentType, body string) (int, string, http.Header) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	c.rec.add(exchange{method: method, path: path, status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: string(b)})
	return resp.StatusCode, string(b), resp.Header
}

// decode unmarshals a response body or fails the test.
func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return v
}

// apiError is the error body.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

// wantError checks a status, the field named and a fragment of the message.
func wantError(t *testing.T, what string, st int, body string, status int, field, fragment string) {
	t.Helper()
	e := decode[apiError](t, body)
	if st != status || e.Field != field || e.Message == "" || !strings.Contains(e.Message, fragment) {
		t.Errorf("%s: %d %s; want %d on field %q mentioning %q", what, st, body, status, field, fragment)
	}
}

// importRow is a bad row of an import report.
type importRow struct {
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func rowsOf(errs []importRow) [][2]any {
	var out [][2]any
	for _, e := range errs {
		out = append(out, [2]any{e.Row, e.Field})
	}
	return out
}

func userIDOf(t *testing.T, c *client) int64 {
	t.Helper()
	st, body := c.do("GET", "/api/v1/me", "")
	if st != 200 {
		t.Fatalf("me: %d %s", st, body)
	}
	return decode[struct {
		UserID int64 `json:"user_id"`
	}](t, body).UserID
}

// TestCalendarAPI: years, days, import/export and the deadline calculator,
// with bad input naming the field and writing nothing, and edits refused
// to a grid worker and to a street's administrator.
func TestCalendarAPI(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		seedReference(t, db)
		f := newFixture(t, db)
		admin, gw, street := f.login(t, "admin"), f.login(t, "gw_a"), f.login(t, "admin_a")

		type year struct {
			Year   int    `json:"year"`
			Source string `json:"source"`
			Days   int    `json:"days"`
		}
		years := func() []int {
			st, body := gw.do("GET", "/api/v1/calendar/years", "")
			if st != 200 {
				t.Fatalf("years: %d %s", st, body)
			}
			var out []int
			for _, y := range decode[struct{ Items []year }](t, body).Items {
				out = append(out, y.Year)
			}
			return out
		}
		if got := years(); !slices.Equal(got, []int{2025, 2026}) {
			t.Errorf("years = %v, want the shipped 2025 and 2026", got)
		}
		st, body := gw.do("GET", "/api/v1/calendar/years/2026/days", "")
		if st != 200 || !strings.Contains(body, `{"date":"2026-10-01","kind":"off","name":"国庆节"}`) || !strings.Contains(body, `{"date":"2026-10-10","kind":"work","name":"国庆节"}`) {
			t.Errorf("2026 days: %d %.300s", st, body)
		}
		if st, body := gw.do("GET", "/api/v1/calendar/years/2031/days", ""); st != 404 {
			t.Errorf("days of a year not entered: %d %s, want 404", st, body)
		}
		st, body = gw.do("GET", "/api/v1/calendar/years/19x/days", "")
		wantError(t, "bad year", st, body, 400, "year", "年份")

		// The calculator: 4 working hours from Wednesday 30 September 2026,
		// 17:00, are one hour that day and three after the National Day
		// holiday (1–7 October): Thursday 8 October, 11:30.
		deadline := func(c *client, start, limit string) (int, string) {
			return c.do("GET", "/api/v1/calendar/deadline?start="+url.QueryEscape(start)+"&limit="+limit, "")
		}
		st, body = deadline(gw, "2026-09-30T17:00:00+08:00", "4wh")
		if d := decode[struct{ Deadline, Limit, Text string }](t, body); st != 200 || d.Deadline != "2026-10-08T11:30:00+08:00" || d.Limit != "4wh" || d.Text != "4工作小时" {
			t.Errorf("deadline: %d %s, want 2026-10-08T11:30:00+08:00", st, body)
		}
		st, body = deadline(gw, "2027-03-01T09:00:00+08:00", "1wd")
		wantError(t, "deadline in 2027", st, body, 400, "calendar", "2027年的工作日历尚未录入")
		gw.lang = "en"
		st, body = deadline(gw, "2027-03-01T09:00:00+08:00", "1wd")
		wantError(t, "deadline in 2027 (en)", st, body, 400, "calendar", "no work calendar for 2027 yet")
		gw.lang = ""
		st, body = deadline(gw, "2026-03-01 09:00", "1wd")
		wantError(t, "deadline with a bad start", st, body, 400, "start", "RFC 3339")
		st, body = deadline(gw, "2026-03-02T09:00:00+08:00", "3weeks")
		wantError(t, "deadline with a bad limit", st, body, 400, "limit", "时限")
		if st, body := deadline(f.client(t), "2026-03-02T09:00:00+08:00", "1wd"); st != 401 {
			t.Errorf("anonymous deadline: %d %s, want 401", st, body)
		}

		// An import with bad rows is refused as a whole: 422 naming exactly
		// the bad rows, in the request's language, and nothing is written.
		bad := "date,kind,festival\n2027-02-06,work,春节\n2027-02-30,off,春节\n2027-02-10,holiday,春节\n2027-02-11,off,\n"
		st, body, _ = admin.send("POST", "/api/v1/calendar/import", "text/csv", bad)
		rep := decode[struct {
			Applied bool
			Rows    int
			Errors  []importRow
		}](t, body)
		if want := [][2]any{{3, "date"}, {4, "kind"}, {5, "festival"}}; st != 422 || rep.Applied || rep.Rows != 4 || !cmp.Equal(rowsOf(rep.Errors), want) {
			t.Errorf("bad calendar import: %d %s; want 422 with rows %v", st, body, want)
		}
		if len(rep.Errors) == 3 && !strings.Contains(rep.Errors[1].Message, "类型") {
			t.Errorf("row error not in Chinese: %+v", rep.Errors[1])
		}
		admin.lang = "en"
		_, body, _ = admin.send("POST", "/api/v1/calendar/import", "text/csv", bad)
		if rep := decode[struct{ Errors []importRow }](t, body); len(rep.Errors) != 3 || !strings.Contains(rep.Errors[1].Message, "not valid") {
			t.Errorf("row errors not in English: %s", body)
		}
		admin.lang = ""
		if got := years(); !slices.Equal(got, []int{2025, 2026}) {
			t.Errorf("years after a refused import = %v", got)
		}
		st, body, _ = admin.send("POST", "/api/v1/calendar/import", "text/csv", "")
		wantError(t, "empty import", st, body, 400, "csv", "空")
		st, body, _ = admin.send("POST", "/api/v1/calendar/import", "text/csv", "day,kind\n2027-01-01,off\n")
		wantError(t, "import with a wrong header", st, body, 400, "csv", "表头")

		// Entering 2027: refused to a grid worker and to a street's
		// administrator (the calendar is national), done by the county's.
		for _, c := range []*client{gw, street} {
			if st, body := c.do("POST", "/api/v1/calendar/years", `{"year":2027,"source":"国办发明电〔2026〕1号"}`); st != 403 {
				t.Errorf("add year without the right: %d %s, want 403", st, body)
			}
			if st, body, _ := c.send("POST", "/api/v1/calendar/import", "text/csv", "date,kind,festival\n2027-02-08,off,春节\n"); st != 403 {
				t.Errorf("import without the right: %d %s, want 403", st, body)
			}
		}
		st, body = admin.do("POST", "/api/v1/calendar/years", `{"year":2027,"source":""}`)
		wantError(t, "year without source", st, body, 400, "source", "依据")
		st, body = admin.do("POST", "/api/v1/calendar/years", `{"year":"2027"}`)
		wantError(t, "year as text", st, body, 400, "year", "类型")
		if got := years(); !slices.Equal(got, []int{2025, 2026}) {
			t.Errorf("years after refused additions = %v", got)
		}
		st, body = admin.do("POST", "/api/v1/calendar/years", `{"year":2027,"source":"国办发明电〔2026〕1号"}`)
		if y := decode[year](t, body); st != 201 || y.Year != 2027 || y.Days != 0 {
			t.Errorf("add 2027: %d %s", st, body)
		}
		st, body = admin.do("POST", "/api/v1/calendar/years", `{"year":2027,"source":"again"}`)
		wantError(t, "add 2027 twice", st, body, 409, "year", "2027")
		// The server's snapshot follows the edit at once.
		if st, body := deadline(gw, "2027-03-01T09:00:00+08:00", "1wd"); st != 200 || !strings.Contains(body, `"deadline":"2027-03-02T09:00:00+08:00"`) {
			t.Errorf("deadline after adding 2027: %d %s", st, body)
		}

		// Days: set, list, delete; bad input names the field.
		st, body = admin.do("PUT", "/api/v1/calendar/days/2027-02-06", `{"kind":"work","name":"春节"}`)
		if st != 200 || body != `{"date":"2027-02-06","kind":"work","name":"春节"}`+"\n" {
			t.Errorf("set day: %d %s", st, body)
		}
		st, body = admin.do("PUT", "/api/v1/calendar/days/2027-02-08", `{"kind":"work","name":"春节"}`)
		wantError(t, "Monday made a working day", st, body, 400, "kind", "星期一")
		st, body = admin.do("PUT", "/api/v1/calendar/days/2027-02-30", `{"kind":"off","name":"春节"}`)
		wantError(t, "bad date", st, body, 400, "date", "YYYY-MM-DD")
		admin.lang = "en"
		st, body = admin.do("PUT", "/api/v1/calendar/days/2027-02-09", `{"kind":"off","name":""}`)
		wantError(t, "no festival (en)", st, body, 400, "name", "festival name is required")
		admin.lang = ""
		if st, body := gw.do("PUT", "/api/v1/calendar/days/2027-02-09", `{"kind":"off","name":"春节"}`); st != 403 {
			t.Errorf("grid worker sets a day: %d %s, want 403", st, body)
		}
		st, body = gw.do("GET", "/api/v1/calendar/years/2027/days", "")
		if st != 200 || body != `{"year":2027,"items":[{"date":"2027-02-06","kind":"work","name":"春节"}]}`+"\n" {
			t.Errorf("2027 days after one good and four refused edits: %d %s", st, body)
		}
		if st, body := gw.do("DELETE", "/api/v1/calendar/days/2027-02-06", ""); st != 403 {
			t.Errorf("grid worker deletes a day: %d %s, want 403", st, body)
		}
		if st, body := admin.do("DELETE", "/api/v1/calendar/days/2027-02-06", ""); st != 204 {
			t.Errorf("delete day: %d %s", st, body)
		}
		if st, body := admin.do("DELETE", "/api/v1/calendar/days/2027-02-06", ""); st != 404 {
			t.Errorf("delete a day without entry: %d %s, want 404", st, body)
		}

		// A good import replaces the year's days; the export reads back.
		good := "date,kind,festival\n2027-02-06,work,春节\n2027-02-08,off,春节\n"
		st, body, _ = admin.send("POST", "/api/v1/calendar/import", "text/csv", good)
		if st != 200 || body != `{"applied":true,"rows":2,"years":[2027],"created_years":[],"errors":[]}`+"\n" {
			t.Errorf("good import: %d %s", st, body)
		}
		st, body, h := gw.send("GET", "/api/v1/calendar/years/2027/export", "", "")
		if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || body != "\ufeff"+good {
			t.Errorf("export 2027: %d %q %q, want %q", st, h.Get("Content-Type"), body, good)
		}
		if st, body, _ := admin.send("POST", "/api/v1/calendar/import", "text/csv", body); st != 200 || !strings.Contains(body, `"applied":true`) {
			t.Errorf("re-import of the export: %d %s", st, body)
		}
		if st, _, _ := gw.send("GET", "/api/v1/calendar/years/2031/export", "", ""); st != 404 {
			t.Errorf("export of a year not entered: %d, want 404", st)
		}
	})
}

// TestCategoryAPI: the dictionary (lists, filters, CRUD, delete or retire,
// import/export) and time-limit policies with their explanation.
func TestCategoryAPI(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		seedReference(t, db)
		f := newFixture(t, db)
		admin, gw, street, anon := f.login(t, "admin"), f.login(t, "gw_a"), f.login(t, "admin_a"), f.client(t)

		type cat struct {
			Code        string `json:"code"`
			ParentCode  string `json:"parent_code"`
			Kind        string `json:"kind"`
			NameZH      string `json:"name_zh"`
			NameEN      string `json:"name_en"`
			HandleLimit string `json:"handle_limit"`
			Active      bool   `json:"active"`
			Local       bool   `json:"local"`
		}
		type catPage struct {
			Items []cat
			Total int
		}
		// The pickers need no sign-in.
		st, body := anon.do("GET", "/api/v1/categories?kind=event&local=true&parent=&limit=5000", "")
		p := decode[catPage](t, body)
		if st != 200 || p.Total == 0 || p.Total != len(p.Items) {
			t.Fatalf("top-level local event classes: %d %.300s", st, body)
		}
		for _, c := range p.Items {
			if c.Kind != "event" || !c.Local || c.ParentCode != "" || !strings.HasPrefix(c.Code, "L") {
				t.Errorf("filter let through %+v", c)
			}
		}
		st, body = anon.do("GET", "/api/v1/categories?q=LE0102", "")
		if got := items(t, body, "code"); st != 200 || !slices.Equal(got, []string{"LE0102"}) {
			t.Errorf("search LE0102: %d %v", st, got)
		}
		st, body = anon.do("GET", "/api/v1/categories/le0102", "")
		if c := decode[cat](t, body); st != 200 || c.Code != "LE0102" || c.HandleLimit != "4wh" || c.ParentCode != "LE01" || !c.Active {
			t.Errorf("LE0102: %d %s", st, body)
		}
		if st, body := anon.do("GET", "/api/v1/categories/LZ9999", ""); st != 404 {
			t.Errorf("unknown code: %d %s, want 404", st, body)
		}
		st, body = anon.do("GET", "/api/v1/categories/%E4%B8%AD", "")
		wantError(t, "malformed code", st, body, 400, "category", "分类代码")
		for q, field := range map[string]string{"kind=thing": "kind", "active=yes": "active", "local=1": "local", "limit=5001": "limit"} {
			st, body := anon.do("GET", "/api/v1/categories?"+q, "")
			wantError(t, "list ?"+q, st, body, 400, field, "")
		}

		// Create: bad input names the field in the user's language; the right
		// is a county administrator's.
		newCat := `{"code":"LE0199","parent_code":"LE01","kind":"event","name_zh":"井盖移位","handle_limit":"2wd"}`
		for _, c := range []*client{gw, street} {
			if st, body := c.do("POST", "/api/v1/categories", newCat); st != 403 {
				t.Errorf("create without the right: %d %s, want 403", st, body)
			}
		}
		st, body = admin.do("POST", "/api/v1/categories", `{"code":"LE0199","parent_code":"LE01","kind":"event","name_zh":"井盖移位","handle_limit":"2weeks"}`)
		wantError(t, "bad handle limit", st, body, 400, "handle_limit", "时限")
		admin.lang = "en"
		st, body = admin.do("POST", "/api/v1/categories", `{"code":"LE0199","parent_code":"LE01","kind":"event","name_zh":"井盖移位","handle_limt":"2wd"}`)
		wantError(t, "unknown field (en)", st, body, 400, "handle_limt", "unknown field")
		st, body = admin.do("POST", "/api/v1/categories", `{"code":"LE0199","parent_code":"LE01","kind":"event","name_zh":"井盖移位","handle_limit":"2weeks"}`)
		wantError(t, "bad handle limit (en)", st, body, 400, "handle_limit", "not valid")
		admin.lang = ""
		if st, _ := anon.do("GET", "/api/v1/categories/LE0199", ""); st != 404 {
			t.Errorf("a refused category was written: %d", st)
		}
		st, body = admin.do("POST", "/api/v1/categories", newCat)
		if c := decode[cat](t, body); st != 201 || c.Code != "LE0199" || !c.Local || !c.Active || c.HandleLimit != "2wd" {
			t.Errorf("create: %d %s", st, body)
		}
		st, body = admin.do("POST", "/api/v1/categories", newCat)
		wantError(t, "create twice", st, body, 409, "code", "LE0199")

		// Update, then delete (unused: deleted) and delete a seed row (retired).
		if st, body := gw.do("PATCH", "/api/v1/categories/LE0199", `{"name_en":"Displaced manhole cover"}`); st != 403 {
			t.Errorf("grid worker updates: %d %s, want 403", st, body)
		}
		st, body = admin.do("PATCH", "/api/v1/categories/LE0199", `{"name_en":"Displaced manhole cover","handle_limit":""}`)
		if c := decode[cat](t, body); st != 200 || c.NameEN != "Displaced manhole cover" || c.HandleLimit != "" || c.NameZH != "井盖移位" {
			t.Errorf("update: %d %s", st, body)
		}
		st, body = admin.do("PATCH", "/api/v1/categories/LE0199", `{"urgent_limit":"soon"}`)
		wantError(t, "update with a bad limit", st, body, 400, "urgent_limit", "")
		if st, body := gw.do("DELETE", "/api/v1/categories/LE0199", ""); st != 403 {
			t.Errorf("grid worker deletes: %d %s, want 403", st, body)
		}
		if st, body := admin.do("DELETE", "/api/v1/categories/LE0199", ""); st != 200 || body != `{"code":"LE0199","result":"deleted"}`+"\n" {
			t.Errorf("delete unused: %d %s", st, body)
		}
		if st, body := admin.do("DELETE", "/api/v1/categories/LE0101", ""); st != 200 || body != `{"code":"LE0101","result":"retired"}`+"\n" {
			t.Errorf("delete seed row: %d %s", st, body)
		}
		if st, body := anon.do("GET", "/api/v1/categories/LE0101", ""); st != 200 || decode[cat](t, body).Active {
			t.Errorf("retired row: %d %s", st, body)
		}

		// Import: bad cells stop the whole file (422, exactly those rows);
		// nothing is written. A good file applies.
		bad := "code,parent_code,kind,name_zh,handle_limit\nLE0190,LE01,event,测试一,2wd\nLE0191,LE01,event,,2wd\nLE0192,LE01,event,测试三,2weeks\n"
		if st, body, _ := gw.send("POST", "/api/v1/categories/import", "text/csv", bad); st != 403 {
			t.Errorf("grid worker imports: %d %s, want 403", st, body)
		}
		st, body, _ = admin.send("POST", "/api/v1/categories/import", "text/csv", bad)
		rep := decode[struct {
			Applied bool
			Created int
			Errors  []importRow
		}](t, body)
		if want := [][2]any{{3, "name_zh"}, {4, "handle_limit"}}; st != 422 || rep.Applied || rep.Created != 0 || !cmp.Equal(rowsOf(rep.Errors), want) {
			t.Errorf("bad dictionary import: %d %s; want 422 with %v", st, body, want)
		}
		if st, _ := anon.do("GET", "/api/v1/categories/LE0190", ""); st != 404 {
			t.Errorf("the good row of a refused import was written: %d", st)
		}
		st, body, _ = admin.send("POST", "/api/v1/categories/import", "text/csv", "code,parent_code,kind,name_zh\n")
		if st != 200 || !strings.Contains(body, `"applied":true`) {
			t.Errorf("import of a header only: %d %s", st, body)
		}
		st, body, _ = admin.send("POST", "/api/v1/categories/import", "text/csv", "code,kind\nLE0190,event\n")
		if rep := decode[struct{ Errors []importRow }](t, body); st != 422 || !cmp.Equal(rowsOf(rep.Errors), [][2]any{{1, "parent_code"}, {1, "name_zh"}}) {
			t.Errorf("import with missing columns: %d %s", st, body)
		}
		st, body, _ = admin.send("POST", "/api/v1/categories/import", "multipart/form-data; boundary=x", "--x--")
		wantError(t, "form upload", st, body, 400, "file", "text/csv")
		st, body, _ = admin.send("POST", "/api/v1/categories/import", "text/csv", "code,parent_code,kind,name_zh,handle_limit\nLE0190,LE01,event,测试一,2wd\n")
		if st != 200 || body != `{"applied":true,"rows":1,"created":1,"updated":0,"unchanged":0,"errors":[]}`+"\n" {
			t.Errorf("good dictionary import: %d %s", st, body)
		}
		st, body, h := gw.send("GET", "/api/v1/categories/export", "", "")
		if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.HasPrefix(body, "\ufeffcode,parent_code,kind,name_zh,") || !strings.Contains(body, "\nLE0190,LE01,event,测试一,") {
			t.Errorf("export: %d %q %.200q", st, h.Get("Content-Type"), body)
		}
		if st, body, _ := admin.send("POST", "/api/v1/categories/import", "text/csv", body); st != 200 || !strings.Contains(body, `"created":0,"updated":0`) {
			t.Errorf("re-import of the export changes something: %d %s", st, body)
		}
		if st, _, _ := anon.send("GET", "/api/v1/categories/export", "", ""); st != 401 {
			t.Errorf("anonymous export: %d, want 401", st)
		}

		// Time limits: a policy wins over the category's own limit, its
		// removal brings the default back.
		type choice struct {
			Limit, Text, Source, Category string
			Policy                        *struct{ ID int64 }
		}
		explain := func(q string) (int, choice, string) {
			st, body := gw.do("GET", "/api/v1/time-limits/explain?"+q, "")
			return st, decode[choice](t, body), body
		}
		if st, ch, body := explain("category=LE0102&step=handle"); st != 200 || ch.Limit != "4wh" || ch.Source != "category" || ch.Category != "LE0102" || ch.Policy != nil {
			t.Errorf("explain before a policy: %d %s", st, body)
		}
		policy := `{"category_code":"LE0102","urgency":"normal","step":"handle","limit":"2wh","note":"供暖季"}`
		for _, c := range []*client{gw, street} {
			if st, body := c.do("POST", "/api/v1/time-limits", policy); st != 403 {
				t.Errorf("create policy without the right: %d %s, want 403", st, body)
			}
		}
		st, body = admin.do("POST", "/api/v1/time-limits", `{"category_code":"LE0102","step":"repair","limit":"2wh"}`)
		wantError(t, "bad step", st, body, 400, "step", "环节")
		st, body = admin.do("POST", "/api/v1/time-limits", `{"category_code":"LE0102","step":"handle","limit":"2"}`)
		wantError(t, "bad limit", st, body, 400, "limit", "时限")
		st, body = admin.do("POST", "/api/v1/time-limits", `{"category_code":"LZ9999","step":"handle","limit":"2wh"}`)
		wantError(t, "unknown category", st, body, 400, "category_code", "LZ9999")
		st, body = admin.do("POST", "/api/v1/time-limits", policy)
		type tl struct {
			ID           int64  `json:"id"`
			CategoryCode string `json:"category_code"`
			Limit        string `json:"limit"`
			Tier         string `json:"tier"`
		}
		created := decode[tl](t, body)
		if st != 201 || created.ID == 0 || created.Limit != "2wh" || created.Tier != "" {
			t.Fatalf("create policy: %d %s", st, body)
		}
		st, body = admin.do("POST", "/api/v1/time-limits", policy)
		wantError(t, "same policy twice", st, body, 409, "step", "")
		if st, ch, body := explain("category=LE0102&step=handle&tier=community"); st != 200 || ch.Limit != "2wh" || ch.Source != "policy" || ch.Policy == nil || ch.Policy.ID != created.ID {
			t.Errorf("explain with a policy: %d %s", st, body)
		}
		pid := "/api/v1/time-limits/" + id(created.ID)
		st, body = admin.do("PATCH", pid, `{"limit":"3wh"}`)
		if st != 200 || decode[tl](t, body).Limit != "3wh" {
			t.Errorf("update policy: %d %s", st, body)
		}
		st, body = admin.do("PATCH", pid, `{"limit":"3 weeks"}`)
		wantError(t, "update policy with a bad limit", st, body, 400, "limit", "")
		st, body = gw.do("GET", "/api/v1/time-limits?category=LE0102&step=handle", "")
		if pp := decode[struct{ Items []tl }](t, body); st != 200 || len(pp.Items) != 1 || pp.Items[0].Limit != "3wh" {
			t.Errorf("policies of LE0102: %d %s", st, body)
		}
		st, body = gw.do("GET", "/api/v1/time-limits?step=fix", "")
		wantError(t, "list with a bad step", st, body, 400, "step", "")
		if st, _ := gw.do("DELETE", pid, ""); st != 403 {
			t.Errorf("grid worker deletes a policy: %d, want 403", st)
		}
		if st, body := admin.do("DELETE", pid, ""); st != 204 {
			t.Errorf("delete policy: %d %s", st, body)
		}
		if st, body := admin.do("DELETE", pid, ""); st != 404 {
			t.Errorf("delete policy twice: %d %s, want 404", st, body)
		}
		if st, ch, body := explain("category=LE0102&step=handle&urgency=urgent"); st != 200 || ch.Limit != "2h" || ch.Source != "category" {
			t.Errorf("explain urgent after removal: %d %s", st, body)
		}
		if st, ch, _ := explain("category=LE0102&step=register"); st != 200 || ch.Limit != "30m" || ch.Source != "step" || ch.Text != "30分钟" {
			t.Errorf("explain register: %d %+v", st, ch)
		}
		st, _, body = explain("step=handle")
		wantError(t, "explain without category", st, body, 400, "category", "")
		st, _, body = explain("category=LE0102&step=handle&tier=planet")
		wantError(t, "explain with a bad tier", st, body, 400, "tier", "层级")
	})
}

// TestDepartmentAPI: departments and their members, scoped to the regions
// of the administrator.
func TestDepartmentAPI(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		streetAdmin, gw, admin := f.login(t, "admin_a"), f.login(t, "gw_a"), f.login(t, "admin")
		streetA, streetB := f.regions["330110001000"], f.regions["330110002000"]
		type dept struct {
			ID       int64  `json:"id"`
			Name     string `json:"name"`
			Kind     string `json:"kind"`
			RegionID int64  `json:"region_id"`
			Phone    string `json:"phone"`
		}
		heating := `{"name":"供热公司","kind":"utility","region_id":` + id(streetA.ID) + `,"phone":"0571-88881234"}`
		if st, body := gw.do("POST", "/api/v1/departments", heating); st != 403 {
			t.Errorf("grid worker registers a department: %d %s, want 403", st, body)
		}
		if st, body := streetAdmin.do("POST", "/api/v1/departments", `{"name":"供热公司","kind":"utility","region_id":`+id(streetB.ID)+`}`); st != 403 {
			t.Errorf("street admin registers in the next street: %d %s, want 403", st, body)
		}
		st, body := streetAdmin.do("POST", "/api/v1/departments", `{"name":"供热公司","kind":"heating","region_id":`+id(streetA.ID)+`}`)
		wantError(t, "bad kind", st, body, 400, "kind", "部门类型")
		st, body = streetAdmin.do("POST", "/api/v1/departments", `{"name":"供热公司","kind":"utility"}`)
		wantError(t, "no region", st, body, 400, "region_id", "区域")
		streetAdmin.lang = "en"
		st, body = streetAdmin.do("POST", "/api/v1/departments", `{"name":"供热公司","kind":"utility","region_id":`+id(streetA.ID)+`,"phone":"call me"}`)
		wantError(t, "bad phone (en)", st, body, 400, "phone", "phone number")
		streetAdmin.lang = ""
		if st, body := admin.do("GET", "/api/v1/departments", ""); st != 200 || !strings.Contains(body, `"total":0`) {
			t.Errorf("refused departments were written: %d %s", st, body)
		}
		st, body = streetAdmin.do("POST", "/api/v1/departments", heating)
		d := decode[dept](t, body)
		if st != 201 || d.ID == 0 || d.RegionID != streetA.ID || d.Phone != "0571-88881234" {
			t.Fatalf("register: %d %s", st, body)
		}
		st, body = streetAdmin.do("POST", "/api/v1/departments", heating)
		wantError(t, "same name twice", st, body, 409, "name", "供热公司")
		path := "/api/v1/departments/" + id(d.ID)

		// The grid worker sees the department of its street, not to change it.
		if st, body := gw.do("GET", "/api/v1/departments?kind=utility", ""); st != 200 || !slices.Equal(items(t, body, "name"), []string{"供热公司"}) {
			t.Errorf("grid worker lists departments: %d %s", st, body)
		}
		if st, body := gw.do("GET", path, ""); st != 200 || decode[dept](t, body).Name != "供热公司" {
			t.Errorf("grid worker reads the department: %d %s", st, body)
		}
		st, body = gw.do("GET", "/api/v1/departments?kind=heating", "")
		wantError(t, "list with a bad kind", st, body, 400, "kind", "")
		if st, body := gw.do("PATCH", path, `{"phone":""}`); st != 403 {
			t.Errorf("grid worker changes the department: %d %s, want 403", st, body)
		}
		st, body = streetAdmin.do("PATCH", path, `{"name":"临江供热公司","phone":""}`)
		if got := decode[dept](t, body); st != 200 || got.Name != "临江供热公司" || got.Phone != "" || got.Kind != "utility" {
			t.Errorf("update: %d %s", st, body)
		}
		st, body = streetAdmin.do("PATCH", path, `{"name":""}`)
		wantError(t, "empty name", st, body, 400, "name", "名称")

		// Members.
		gwID := userIDOf(t, gw)
		if st, body := gw.do("POST", path+"/members", `{"user_id":`+id(gwID)+`}`); st != 403 {
			t.Errorf("grid worker adds a member: %d %s, want 403", st, body)
		}
		st, body = streetAdmin.do("POST", path+"/members", `{"user_id":999999}`)
		wantError(t, "unknown user", st, body, 400, "user_id", "999999")
		st, body = streetAdmin.do("POST", path+"/members", `{}`)
		wantError(t, "no user", st, body, 400, "user_id", "")
		for range 2 { // idempotent
			if st, body := streetAdmin.do("POST", path+"/members", `{"user_id":`+id(gwID)+`}`); st != 204 {
				t.Errorf("add member: %d %s", st, body)
			}
		}
		if st, body := gw.do("GET", path+"/members", ""); st != 200 || body != `{"department_id":`+id(d.ID)+`,"user_ids":[`+id(gwID)+`]}`+"\n" {
			t.Errorf("members: %d %s", st, body)
		}
		if st, body := gw.do("DELETE", path+"/members/"+id(gwID), ""); st != 403 {
			t.Errorf("grid worker removes a member: %d %s, want 403", st, body)
		}
		if st, body := streetAdmin.do("DELETE", path+"/members/"+id(gwID), ""); st != 204 {
			t.Errorf("remove member: %d %s", st, body)
		}
		if st, body := gw.do("GET", path+"/members", ""); st != 200 || !strings.Contains(body, `"user_ids":[]`) {
			t.Errorf("members after removal: %d %s", st, body)
		}
		st, body = streetAdmin.do("DELETE", path+"/members/x", "")
		wantError(t, "bad member id", st, body, 400, "user_id", "")

		if st, body := gw.do("DELETE", path, ""); st != 403 {
			t.Errorf("grid worker deletes the department: %d %s, want 403", st, body)
		}
		if st, body := streetAdmin.do("DELETE", path, ""); st != 204 {
			t.Errorf("delete: %d %s", st, body)
		}
		if st, body := admin.do("GET", path, ""); st != 404 {
			t.Errorf("deleted department: %d %s, want 404", st, body)
		}
	})
}

// TestInboxAndWebhookAPI: each user's own inbox; webhooks whose secret is
// never shown back; deliveries, the dead-letter list and redelivery.
func TestInboxAndWebhookAPI(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		admin, gw, disp, streetAdmin := f.login(t, "admin"), f.login(t, "gw_a"), f.login(t, "disp_a"), f.login(t, "admin_a")
		grid := f.regions["330110001001001"]

		// A receiver that always fails, so deliveries die after one attempt.
		hits := make(chan string, 10)
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			hits <- string(b)
			http.Error(w, "gateway down", http.StatusBadGateway)
		}))
		t.Cleanup(receiver.Close)

		type hook struct {
			ID         int64    `json:"id"`
			Name       string   `json:"name"`
			URL        string   `json:"url"`
			Kinds      []string `json:"kinds"`
			RegionID   int64    `json:"region_id"`
			RegionPath string   `json:"region_path"`
			Active     bool     `json:"active"`
			Secret     *string  `json:"secret"`
		}
		const secret = "s3cret-of-the-sms-gateway"
		county := f.regions["330110"]
		hookReq := `{"name":"短信网关","url":"` + receiver.URL + `/hook","secret":"` + secret + `","kinds":["case.*"],"region_id":` + id(county.ID) + `}`
		if st, body := gw.do("POST", "/api/v1/webhooks", hookReq); st != 403 {
			t.Errorf("grid worker adds a webhook: %d %s, want 403", st, body)
		}
		if st, body := streetAdmin.do("POST", "/api/v1/webhooks", hookReq); st != 403 {
			t.Errorf("street admin adds a county webhook: %d %s, want 403", st, body)
		}
		if st, body := admin.do("POST", "/api/v1/webhooks", `{"name":"全部","url":"https://sms.example/hook","secret":"`+secret+`"}`); st != 403 {
			t.Errorf("an admin adds a webhook for every region: %d %s, want 403 (the system's)", st, body)
		}
		for _, c := range []struct{ body, field, fragment string }{
			{`{"name":"短信网关","url":"ftp://sms.example","secret":"` + secret + `","region_id":` + id(county.ID) + `}`, "url", "http"},
			{`{"name":"短信网关","url":"https://sms.example","secret":"short","region_id":` + id(county.ID) + `}`, "secret", "密钥"},
			{`{"name":"短信网关","url":"https://sms.example","kinds":["Case Reported"],"region_id":` + id(county.ID) + `}`, "kinds", "事件类型"},
			{`{"name":"","url":"https://sms.example","region_id":` + id(county.ID) + `}`, "name", "名称"},
			{`{"name":"短信网关","url":"https://sms.example","region_id":999999}`, "region_id", "999999"},
		} {
			st, body := admin.do("POST", "/api/v1/webhooks", c.body)
			wantError(t, "webhook "+c.field, st, body, 400, c.field, c.fragment)
		}
		if st, body := admin.do("GET", "/api/v1/webhooks", ""); st != 200 || !strings.Contains(body, `"total":0`) {
			t.Errorf("refused webhooks were written: %d %s", st, body)
		}
		st, body := admin.do("POST", "/api/v1/webhooks", hookReq)
		h := decode[hook](t, body)
		if st != 201 || h.ID == 0 || h.Secret != nil || strings.Contains(body, secret) || h.RegionID != county.ID || h.RegionPath != county.Path || !h.Active || !slices.Equal(h.Kinds, []string{"case.*"}) {
			t.Fatalf("create webhook: %d %s", st, body)
		}
		// Without a secret, one is generated and shown this once.
		st, body = admin.do("POST", "/api/v1/webhooks", `{"name":"微信","url":"https://wx.example/hook","region_id":`+id(county.ID)+`,"active":false}`)
		wx := decode[hook](t, body)
		if st != 201 || wx.Secret == nil || len(*wx.Secret) != 64 || wx.Active {
			t.Fatalf("create webhook with a generated secret: %d %s", st, body)
		}
		for _, path := range []string{"/api/v1/webhooks", "/api/v1/webhooks/" + id(wx.ID), "/api/v1/webhooks?active=false"} {
			if st, body := admin.do("GET", path, ""); st != 200 || strings.Contains(body, secret) || strings.Contains(body, *wx.Secret) || strings.Contains(body, `"secret"`) {
				t.Errorf("GET %s shows a secret or fails: %d %s", path, st, body)
			}
		}
		if st, body := admin.do("GET", "/api/v1/webhooks?active=false", ""); st != 200 || !slices.Equal(items(t, body, "name"), []string{"微信"}) {
			t.Errorf("inactive webhooks: %d %s", st, body)
		}
		for _, path := range []string{"/api/v1/webhooks", "/api/v1/webhooks/" + id(h.ID), "/api/v1/webhook-deliveries"} {
			if st, body := gw.do("GET", path, ""); st != 403 {
				t.Errorf("grid worker GET %s: %d %s, want 403", path, st, body)
			}
		}
		st, body = admin.do("PATCH", "/api/v1/webhooks/"+id(wx.ID), `{"active":true,"secret":"another-secret-0123456789"}`)
		if got := decode[hook](t, body); st != 200 || !got.Active || strings.Contains(body, "another-secret") || strings.Contains(body, `"secret"`) {
			t.Errorf("update webhook: %d %s", st, body)
		}
		st, body = admin.do("PATCH", "/api/v1/webhooks/"+id(wx.ID), `{"url":"mailto:a@b.c"}`)
		wantError(t, "update with a bad url", st, body, 400, "url", "")
		if st, body := gw.do("PATCH", "/api/v1/webhooks/"+id(wx.ID), `{"active":false}`); st != 403 {
			t.Errorf("grid worker updates a webhook: %d %s, want 403", st, body)
		}
		if st, body := admin.do("DELETE", "/api/v1/webhooks/"+id(wx.ID), ""); st != 204 {
			t.Errorf("delete webhook: %d %s", st, body)
		}
		if st, body := admin.do("GET", "/api/v1/webhooks/"+id(wx.ID), ""); st != 404 {
			t.Errorf("deleted webhook: %d %s, want 404", st, body)
		}

		// Three events for the grid worker, one for the dispatcher; each
		// queues a delivery to the county's webhook.
		gwID, dispID := userIDOf(t, gw), userIDOf(t, disp)
		ntf := notify.NewService(db, notify.Options{})
		for i, to := range []int64{gwID, gwID, gwID, dispID} {
			e := notify.Event{Kind: "case.dispatched", CaseID: 0, RegionPath: grid.Path, Recipients: []int64{to},
				TitleZH: "案件已派遣 " + id(int64(i+1)), TitleEN: "Case dispatched " + id(int64(i+1))}
			if err := db.Transact(systemCtx(), func(tx *sqldb.Tx) error { return ntf.Publish(systemCtx(), tx, e) }); err != nil {
				t.Fatal(err)
			}
		}

		type item struct {
			ID      int64   `json:"id"`
			Title   string  `json:"title"`
			TitleEN string  `json:"title_en"`
			ReadAt  *string `json:"read_at"`
		}
		type inbox struct {
			Items []item
			Total int
		}
		st, body = gw.do("GET", "/api/v1/inbox", "")
		in := decode[inbox](t, body)
		if st != 200 || in.Total != 3 || len(in.Items) != 3 || in.Items[0].Title != "案件已派遣 3" || in.Items[0].ReadAt != nil {
			t.Fatalf("inbox: %d %s", st, body)
		}
		gw.lang = "en"
		if _, body := gw.do("GET", "/api/v1/inbox?limit=1", ""); decode[inbox](t, body).Items[0].Title != "Case dispatched 3" {
			t.Errorf("inbox in English: %s", body)
		}
		gw.lang = ""
		if st, body := gw.do("GET", "/api/v1/inbox/unread-count", ""); st != 200 || body != `{"unread":3}`+"\n" {
			t.Errorf("unread count: %d %s", st, body)
		}
		// Marking another user's item is NotFound and marks nothing.
		st, body = disp.do("GET", "/api/v1/inbox", "")
		dispItem := decode[inbox](t, body).Items[0].ID
		if st, body := gw.do("POST", "/api/v1/inbox/read", `{"ids":[`+id(in.Items[2].ID)+`,`+id(dispItem)+`]}`); st != 404 {
			t.Errorf("mark another user's item: %d %s, want 404", st, body)
		}
		st, body = gw.do("POST", "/api/v1/inbox/read", `{"ids":[]}`)
		wantError(t, "mark nothing", st, body, 400, "ids", "")
		st, body = gw.do("POST", "/api/v1/inbox/read", `{"ids":[1],"all":true}`)
		wantError(t, "ids and all", st, body, 400, "ids", "")
		st, body = gw.do("GET", "/api/v1/inbox?unread=maybe", "")
		wantError(t, "bad unread filter", st, body, 400, "unread", "")
		if st, body := gw.do("POST", "/api/v1/inbox/read", `{"ids":[`+id(in.Items[2].ID)+`]}`); st != 200 || body != `{"unread":2}`+"\n" {
			t.Errorf("mark one read: %d %s", st, body)
		}
		if st, body := gw.do("GET", "/api/v1/inbox?unread=true", ""); st != 200 || decode[inbox](t, body).Total != 2 {
			t.Errorf("unread items: %d %s", st, body)
		}
		st, body = gw.do("GET", "/api/v1/inbox?unread=false", "")
		if read := decode[inbox](t, body); st != 200 || read.Total != 1 || read.Items[0].ID != in.Items[2].ID || read.Items[0].ReadAt == nil {
			t.Errorf("read items: %d %s", st, body)
		}
		if st, body := gw.do("POST", "/api/v1/inbox/read", `{"all":true}`); st != 200 || body != `{"unread":0}`+"\n" {
			t.Errorf("mark all read: %d %s", st, body)
		}
		if st, body := disp.do("GET", "/api/v1/inbox/unread-count", ""); st != 200 || body != `{"unread":1}`+"\n" {
			t.Errorf("the dispatcher's inbox changed: %d %s", st, body)
		}
		if st, _ := f.client(t).do("GET", "/api/v1/inbox", ""); st != 401 {
			t.Errorf("anonymous inbox: %d, want 401", st)
		}

		// Deliveries: four pending; one failing attempt each makes them dead;
		// redelivery puts one back in the queue, once.
		type delivery struct {
			ID         int64  `json:"id"`
			WebhookID  int64  `json:"webhook_id"`
			Status     string `json:"status"`
			Attempts   int    `json:"attempts"`
			LastStatus int    `json:"last_status"`
			Kind       string `json:"kind"`
		}
		st, body = admin.do("GET", "/api/v1/webhook-deliveries?status=pending", "")
		if ds := decode[struct{ Items []delivery }](t, body); st != 200 || len(ds.Items) != 4 || ds.Items[0].WebhookID != h.ID || ds.Items[0].Kind != "case.dispatched" {
			t.Fatalf("pending deliveries: %d %s", st, body)
		}
		w := notify.NewWorker(db, notify.WorkerOptions{MaxAttempts: 1})
		if ok, failed, err := w.RunOnce(context.Background()); err != nil || ok != 0 || failed != 4 {
			t.Fatalf("worker: %d delivered, %d failed, %v", ok, failed, err)
		}
		if got := <-hits; !strings.Contains(got, `"kind":"case.dispatched"`) {
			t.Errorf("the receiver got %s", got)
		}
		st, body = admin.do("GET", "/api/v1/webhook-deliveries?status=dead&webhook_id="+id(h.ID)+"&limit=2", "")
		dead := decode[struct {
			Items []delivery
			Total int
		}](t, body)
		if st != 200 || dead.Total != 4 || len(dead.Items) != 2 || dead.Items[0].Status != "dead" || dead.Items[0].LastStatus != 502 {
			t.Fatalf("dead letters: %d %s", st, body)
		}
		st, body = admin.do("GET", "/api/v1/webhook-deliveries?status=lost", "")
		wantError(t, "bad status", st, body, 400, "status", "投递状态")
		redeliver := "/api/v1/webhook-deliveries/" + id(dead.Items[0].ID) + "/redeliver"
		if st, body := gw.do("POST", redeliver, ""); st != 403 {
			t.Errorf("grid worker redelivers: %d %s, want 403", st, body)
		}
		st, body = admin.do("POST", redeliver, "")
		if d := decode[delivery](t, body); st != 200 || d.Status != "pending" || d.Attempts != 0 {
			t.Errorf("redeliver: %d %s", st, body)
		}
		st, body = admin.do("POST", redeliver, "")
		wantError(t, "redeliver a pending delivery", st, body, 409, "status", "dead")
		if st, body := admin.do("GET", "/api/v1/webhook-deliveries?status=dead", ""); st != 200 || decode[struct{ Total int }](t, body).Total != 3 {
			t.Errorf("dead letters after redelivery: %d %s", st, body)
		}
	})
}

// TestAdminOpenAPIParams: path parameters that are not ids are documented
// with their own types, and the import answers document their 422 report.
func TestAdminOpenAPIParams(t *testing.T) {
	f := newFixture(t, sqliteDB(t))
	oa := loadOpenAPI(t, f.client(t))
	paths := oa.doc["paths"].(map[string]any)
	param := func(path, method, name string) map[string]any {
		op := paths[path].(map[string]any)[method].(map[string]any)
		for _, p := range op["parameters"].([]any) {
			if pm := p.(map[string]any); pm["name"] == name && pm["in"] == "path" {
				return pm["schema"].(map[string]any)
			}
		}
		t.Fatalf("%s %s: no path parameter %s", method, path, name)
		return nil
	}
	for _, c := range []struct {
		path, method, name string
		want               map[string]any
	}{
		{"/api/v1/categories/{code}", "get", "code", map[string]any{"type": "string"}},
		{"/api/v1/calendar/days/{date}", "put", "date", map[string]any{"type": "string", "format": "date"}},
		{"/api/v1/calendar/years/{year}/days", "get", "year", map[string]any{"type": "integer"}},
		{"/api/v1/departments/{id}/members/{user_id}", "delete", "user_id", map[string]any{"type": "integer", "format": "int64"}},
	} {
		if diff := cmp.Diff(c.want, param(c.path, c.method, c.name)); diff != "" {
			t.Errorf("%s %s {%s} (-want +got):\n%s", c.method, c.path, c.name, diff)
		}
	}
	for _, p := range []string{"/api/v1/calendar/import", "/api/v1/categories/import"} {
		if _, ok := paths[p].(map[string]any)["post"].(map[string]any)["responses"].(map[string]any)["422"]; !ok {
			t.Errorf("POST %s: 422 not documented", p)
		}
	}
}
