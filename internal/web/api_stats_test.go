package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/territory"
)

// addStreet gives the world a second street (南湖街道) with a community and
// a grid, and a leader for each street: "leader_a" (临江街道) and
// "leader_b" (南湖街道).
func addStreet(t *testing.T, w *caseWorld) {
	t.Helper()
	ctx := systemCtx()
	terr := territory.NewService(w.db)
	au := auth.NewService(w.db, func(ctx context.Context, kind auth.ScopeKind, id int64) (string, error) {
		return terr.PathOf(ctx, id)
	}, auth.Options{Argon2: auth.FastArgon2(), Now: w.clock.Now})
	add := func(parent, level, code, name string, box [4]float64) {
		r, err := terr.CreateRegion(ctx, territory.RegionInput{ParentID: w.regions[parent].ID, Level: territory.Level(level), Code: code, Name: name})
		if err != nil {
			t.Fatalf("region %s: %v", code, err)
		}
		w.regions[code] = r
		gj := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%s,%s],[%s,%s],[%s,%s],[%s,%s],[%s,%s]]]}`,
			f(box[0]), f(box[1]), f(box[2]), f(box[1]), f(box[2]), f(box[3]), f(box[0]), f(box[3]), f(box[0]), f(box[1]))
		if err := terr.SetBoundary(ctx, r.ID, []byte(gj), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatalf("boundary %s: %v", code, err)
		}
	}
	add("330110", "township", "330110002000", "南湖街道", [4]float64{120.2, 30.0, 120.4, 30.2})
	add("330110002000", "village", "330110002001", "南湖社区", [4]float64{120.2, 30.0, 120.3, 30.1})
	add("330110002001", "grid", "330110002001001", "南湖社区第1网格", [4]float64{120.2, 30.0, 120.3, 30.1})
	for name, code := range map[string]string{"leader_a": "330110001000", "leader_b": "330110002000"} {
		u, err := au.CreateUser(ctx, auth.UserInput{Username: name, DisplayName: name, Password: testPassword,
			Grants: []auth.GrantInput{{Role: auth.RoleLeader, ScopeKind: auth.ScopeRegion, ScopeID: w.regions[code].ID}}})
		if err != nil {
			t.Fatalf("user %s: %v", name, err)
		}
		w.users[name] = u.ID
	}
}

// statsFlow plays one case through to the resident's rating and reports a
// second that stays open, then drains the projector. It returns the
// numbers of the two cases.
func statsFlow(t *testing.T, w *caseWorld) (closed, open string) {
	t.Helper()
	resident := w.login(t, "resident")
	st, body := resident.do("POST", "/api/v1/cases", fmt.Sprintf(`{"channel":"resident","category":"LE0102","title":"王大爷家楼道暖气管漏水","description":"13900001111 王大爷","building_id":%d,"unit_id":%d}`, w.building.ID, w.unit.ID))
	if st != 201 {
		t.Fatalf("report: %d %s", st, body)
	}
	c := decodeCase(t, body)
	w.clock.Add(10 * time.Minute)
	sec := w.login(t, "secretary")
	c = sec.act(t, c.ID, 200, fmt.Sprintf(`{"action":"register","version":%d}`, c.Version))
	c = sec.act(t, c.ID, 200, fmt.Sprintf(`{"action":"dispatch","version":%d,"assignee_user_id":%d}`, c.Version, w.users["gw_a1"]))
	w.clock.Add(20 * time.Minute)
	gw := w.login(t, "gw_a1")
	c = gw.act(t, c.ID, 200, fmt.Sprintf(`{"action":"accept","version":%d}`, c.Version))
	w.clock.Add(time.Hour)
	c = gw.act(t, c.ID, 200, fmt.Sprintf(`{"action":"feedback","version":%d,"note":"已修复"}`, c.Version))
	disp := w.login(t, "dispatcher")
	c = disp.act(t, c.ID, 200, fmt.Sprintf(`{"action":"verify_ok","version":%d}`, c.Version))
	c = resident.act(t, c.ID, 200, fmt.Sprintf(`{"action":"rate","version":%d,"rating":{"Satisfaction":"satisfied","Stars":5}}`, c.Version))
	if c.State != "closed" {
		t.Fatalf("after rating: %+v", c)
	}
	st, body = resident.do("POST", "/api/v1/cases", fmt.Sprintf(`{"channel":"resident","category":"LS0502","title":"楼道灯不亮","building_id":%d}`, w.building.ID))
	if st != 201 {
		t.Fatalf("second report: %d %s", st, body)
	}
	o := decodeCase(t, body)
	if _, err := w.stats.Drain(systemCtx()); err != nil {
		t.Fatal(err)
	}
	return c.Number, o.Number
}

// TestStatsAPI reads every stats endpoint after a small case flow, on both
// engines: the counts, the breakdowns, the day series, the live figures
// and feed (without personal data), the load and the map; scoping (a
// street leader sees its street, not the other nor the district) and bad
// input naming the field.
func TestStatsAPI(t *testing.T) {
	engines(t, time.Date(2026, 3, 9, 9, 0, 0, 0, shanghai), func(t *testing.T, w *caseWorld) {
		addStreet(t, w)
		closedNo, openNo := statsFlow(t, w)
		county, street, street2 := w.regions["330110"].ID, w.regions["330110001000"].ID, w.regions["330110002000"].ID
		grid := w.regions["330110001001001"].ID
		leader := w.login(t, "leader")
		get := func(c *client, path string, v any) {
			t.Helper()
			st, body := c.do("GET", path, "")
			if st != 200 {
				t.Fatalf("GET %s: %d %s", path, st, body)
			}
			if err := json.Unmarshal([]byte(body), v); err != nil {
				t.Fatalf("GET %s: %v: %s", path, err, body)
			}
		}
		period := "&from=2026-03-01&to=2026-04-01"

		var k struct {
			Reported, Registered, Dispatched, Handled, Closed, Ratings, Satisfied, Open int
			ClosedAtGrid                                                                int      `json:"closed_at_grid"`
			Satisfaction                                                                *float64 `json:"satisfaction"`
			GridShare                                                                   *float64 `json:"grid_share"`
			TierShare                                                                   map[string]float64
		}
		get(leader, fmt.Sprintf("/api/v1/stats/kpis?region_id=%d%s", county, period), &k)
		if k.Reported != 2 || k.Registered != 1 || k.Dispatched != 1 || k.Handled != 1 || k.Closed != 1 || k.ClosedAtGrid != 1 ||
			k.Ratings != 1 || k.Satisfied != 1 || k.Open != 1 || k.Satisfaction == nil || *k.Satisfaction != 1 || k.GridShare == nil || *k.GridShare != 1 {
			t.Errorf("district KPIs = %+v", k)
		}
		// One key of a dimension.
		get(leader, fmt.Sprintf("/api/v1/stats/kpis?region_id=%d%s&dim=category&key=LS0502", county, period), &k)
		if k.Reported != 1 || k.Closed != 0 {
			t.Errorf("KPIs of LS0502 = %+v", k)
		}

		type row struct {
			Key, Label         string
			Reported, Handled  int
			OnTimeClosure      *float64 `json:"on_time_closure"`
			OnTimeHandling     *float64 `json:"on_time_handling"`
			Closed, Registered int
		}
		var b struct {
			By    string
			Items []row
		}
		get(leader, fmt.Sprintf("/api/v1/stats/breakdown?region_id=%d%s&by=category", county, period), &b)
		got := map[string]int{}
		for _, r := range b.Items {
			got[r.Key] = r.Reported
		}
		if b.By != "category" || len(b.Items) != 2 || got["LE0102"] != 1 || got["LS0502"] != 1 {
			t.Errorf("breakdown by category = %+v", b)
		}
		get(leader, fmt.Sprintf("/api/v1/stats/breakdown?region_id=%d%s&by=region", county, period), &b)
		byKey := map[string]row{}
		for _, r := range b.Items {
			byKey[r.Key] = r
		}
		if r := byKey[fmt.Sprint(street)]; r.Label != "临江街道" || r.Reported != 2 || r.Closed != 1 {
			t.Errorf("breakdown by region: 临江街道 = %+v (all %+v)", r, b.Items)
		}
		if r := byKey[fmt.Sprint(street2)]; r.Reported != 0 {
			t.Errorf("breakdown by region: 南湖街道 = %+v", r)
		}
		// Channels are labelled in the asker's language.
		zhWant := map[string]string{"resident": "居民上报", "grid_worker": "网格员巡查", "hotline": "12345热线", "walk_in": "来访"}
		enWant := map[string]string{"resident": "resident", "grid_worker": "grid worker's patrol", "hotline": "12345 hotline", "walk_in": "walk-in"}
		for lang, want := range map[string]map[string]string{"zh": zhWant, "en": enWant} {
			get(leader, fmt.Sprintf("/api/v1/stats/breakdown?region_id=%d%s&by=channel&lang=%s", county, period, lang), &b)
			if len(b.Items) == 0 {
				t.Errorf("breakdown by channel (%s): no rows", lang)
			}
			for _, r := range b.Items {
				if w, ok := want[r.Key]; !ok || r.Label != w {
					t.Errorf("breakdown by channel (%s): %s labelled %q, want %q", lang, r.Key, r.Label, w)
				}
			}
		}
		get(leader, fmt.Sprintf("/api/v1/stats/breakdown?region_id=%d%s&by=person&limit=5", county, period), &b)
		var worker *row
		for i, r := range b.Items {
			if r.Key == fmt.Sprint(w.users["gw_a1"]) {
				worker = &b.Items[i]
			}
		}
		if worker == nil || worker.Handled != 1 || worker.Label != "gw_a1" || worker.OnTimeHandling == nil || *worker.OnTimeHandling != 1 {
			t.Errorf("breakdown by person: %+v", b.Items)
		}

		var s struct {
			Items []struct {
				Day              time.Time
				Reported, Closed int
			}
		}
		get(leader, fmt.Sprintf("/api/v1/stats/series?region_id=%d%s", county, period), &s)
		if len(s.Items) != 31 {
			t.Fatalf("series: %d days, want 31", len(s.Items))
		}
		if d := s.Items[8]; !d.Day.Equal(time.Date(2026, 3, 9, 0, 0, 0, 0, shanghai)) || d.Reported != 2 || d.Closed != 1 || s.Items[7].Reported != 0 {
			t.Errorf("series: 3-09 = %+v, 3-08 = %+v", d, s.Items[7])
		}

		st, body := leader.do("GET", fmt.Sprintf("/api/v1/stats/live?region_id=%d", county), "")
		var l struct {
			Today struct{ Reported, Closed int }
			Open  int
			Feed  []struct {
				Number       string
				CategoryName string `json:"category_name"`
				GridName     string `json:"grid_name"`
				State        string
			}
		}
		if err := json.Unmarshal([]byte(body), &l); err != nil || st != 200 {
			t.Fatalf("live: %d %s", st, body)
		}
		if l.Today.Reported != 2 || l.Today.Closed != 1 || l.Open != 1 || len(l.Feed) != 2 ||
			l.Feed[0].Number != openNo || l.Feed[0].State != "reported" || l.Feed[0].CategoryName != "楼道照明损坏" || l.Feed[0].GridName != "水韵社区第1网格" ||
			l.Feed[1].Number != closedNo || l.Feed[1].State != "closed" {
			t.Errorf("live = %s", body)
		}
		// No personal data in the feed: no title, description, reporter,
		// phone or place.
		for _, leak := range []string{"王大爷", "13900001111", "楼道灯不亮", "reporter", `"lon"`, `"lat"`, "building", "title", "description"} {
			if strings.Contains(body, leak) {
				t.Errorf("the live feed shows %q: %s", leak, body)
			}
		}

		var load struct {
			Items []struct {
				RegionID          int64 `json:"region_id"`
				Open, OpenOverdue int
			}
		}
		get(leader, fmt.Sprintf("/api/v1/stats/load?region_id=%d", street), &load)
		found := false
		for _, x := range load.Items {
			if x.RegionID == grid {
				found = x.Open == 1
			}
		}
		if !found {
			t.Errorf("load of 临江街道: %+v, want grid %d with 1 open", load.Items, grid)
		}

		var m struct {
			Type     string
			Features []struct {
				ID         string
				Properties struct {
					RegionID int64 `json:"region_id"`
					Layer    string
					ChildID  int64 `json:"child_id"`
					Open     int
				}
				Geometry struct{ Type string }
			}
		}
		get(leader, fmt.Sprintf("/api/v1/stats/map?region_id=%d", county), &m)
		layers := map[string]int{}
		for _, f := range m.Features {
			layers[f.Properties.Layer]++
			if f.Properties.RegionID == grid && (f.Properties.Open != 1 || f.Properties.ChildID != street || f.ID != fmt.Sprintf("r%d", grid)) {
				t.Errorf("map: grid feature %+v", f)
			}
			if f.Geometry.Type != "Polygon" && f.Geometry.Type != "MultiPolygon" {
				t.Errorf("map: geometry %q", f.Geometry.Type)
			}
		}
		if m.Type != "FeatureCollection" || layers["child"] != 2 || layers["grid"] != 3 {
			t.Errorf("map of the district: %s with layers %v, want 2 streets and 3 grids", m.Type, layers)
		}

		// Scope: a street leader reads its street, not the other street nor
		// the district; the district reads both.
		la, lb := w.login(t, "leader_a"), w.login(t, "leader_b")
		for _, path := range []string{"kpis?region_id=%d" + period, "breakdown?by=category&region_id=%d" + period, "series?region_id=%d" + period, "live?region_id=%d", "load?region_id=%d", "map?region_id=%d"} {
			for _, c := range []struct {
				who    *client
				region int64
				want   int
			}{{la, street, 200}, {la, street2, 403}, {la, county, 403}, {lb, street, 403}, {lb, street2, 200}, {leader, street2, 200}} {
				p := "/api/v1/stats/" + fmt.Sprintf(path, c.region)
				if st, body := c.who.do("GET", p, ""); st != c.want {
					t.Errorf("GET %s: %d, want %d: %s", p, st, c.want, body)
				}
			}
		}
		if st, _ := w.client(t).do("GET", fmt.Sprintf("/api/v1/stats/live?region_id=%d", county), ""); st != http.StatusUnauthorized {
			t.Errorf("anonymous live: %d, want 401", st)
		}

		// Bad input: 400 naming the field.
		for _, c := range []struct{ path, field string }{
			{"kpis?from=2026-03-01&to=2026-04-01", "region_id"},
			{"kpis?region_id=x&from=2026-03-01&to=2026-04-01", "region_id"},
			{fmt.Sprintf("kpis?region_id=%d&to=2026-04-01", county), "from"},
			{fmt.Sprintf("kpis?region_id=%d&from=2026-03-32&to=2026-04-01", county), "from"},
			{fmt.Sprintf("kpis?region_id=%d&from=2026-03-01&to=yesterday", county), "to"},
			{fmt.Sprintf("kpis?region_id=%d&from=2026-03-01&to=2026-02-01", county), "to"},
			{fmt.Sprintf("kpis?region_id=%d&from=2025-01-01&to=2026-04-01", county), "to"},
			{fmt.Sprintf("kpis?region_id=%d%s&dim=colour", county, period), "dim"},
			{fmt.Sprintf("breakdown?region_id=%d%s", county, period), "by"},
			{fmt.Sprintf("breakdown?region_id=%d%s&by=colour", county, period), "by"},
			{fmt.Sprintf("breakdown?region_id=%d%s&by=category&limit=0", county, period), "limit"},
			{fmt.Sprintf("series?region_id=%d&from=2026-03-01", county), "to"},
			{"live", "region_id"},
			{"load?region_id=-3", "region_id"},
			{"map", "region_id"},
		} {
			st, body := leader.do("GET", "/api/v1/stats/"+c.path, "")
			var e struct{ Code, Field, Message string }
			json.Unmarshal([]byte(body), &e)
			if st != 400 || e.Field != c.field || e.Message == "" {
				t.Errorf("GET %s: %d %s, want 400 on field %s", c.path, st, body, c.field)
			}
		}
	})
}

// TestScreenPage: the big screen for the district leader (its own region by
// default, a street by ?region=) with the breadcrumb up to its scope; a
// street leader is refused another street (403) and lands on its own; a
// grid worker may not open it; an anonymous visitor is sent to sign in.
func TestScreenPage(t *testing.T) {
	w := pageWorld(t)
	addStreet(t, w)
	county, street, street2 := w.regions["330110"].ID, w.regions["330110001000"].ID, w.regions["330110002000"].ID
	b := newBrowser(t, w.srv.URL)
	b.signIn("leader")
	p := b.get("/screen")
	if p.status != 200 {
		t.Fatalf("screen: %d %s", p.status, p.body)
	}
	wantContains(t, "district screen", p.body, "临江区", "网格化服务管理指挥中心", fmt.Sprintf(`data-region="%d"`, county),
		`data-today="2026-03-09"`, `data-from="2026-02-08"`, `data-to="2026-03-10"`, "/static/vendor/echarts.min.", "/static/screen.",
		`id="screen-texts"`, `"trend_reported":"上报"`, "case.report",
		fmt.Sprintf(`href="/api/v1/stats/monthly?month=2026-02&amp;region_id=%d"`, county), "上月月报",
		fmt.Sprintf(`href="/api/v1/stats/export?by=region&amp;format=xlsx&amp;from=2026-02-08&amp;region_id=%d&amp;to=2026-03-10"`, county))
	// Every text the script draws is in the catalogue (a missing key would
	// show as itself), in both languages.
	for _, lang := range []string{"zh", "en"} {
		b.lang = lang
		body := b.get("/screen").body
		i := strings.Index(body, `id="screen-texts">`)
		j := strings.Index(body[i:], "</script>")
		var texts map[string]string
		if i < 0 || j < 0 || json.Unmarshal([]byte(body[i+len(`id="screen-texts">`):i+j]), &texts) != nil || len(texts) < 20 {
			t.Fatalf("%s: no texts for the script", lang)
		}
		if want := map[string]string{"zh": "上报", "en": "Reported"}[lang]; texts["trend_reported"] != want {
			t.Errorf("%s: trend_reported is %q, want %q", lang, texts["trend_reported"], want)
		}
		for k, v := range texts {
			if v == "" || strings.HasPrefix(v, "screen.") {
				t.Errorf("%s: text %s is %q", lang, k, v)
			}
		}
	}
	b.lang = ""
	if csp := p.header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe") || !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("screen CSP %q", csp)
	}
	if strings.Contains(p.body, " style=") || strings.Contains(p.body, "<script>") {
		t.Error("the screen has inline style or script")
	}
	p = b.get(fmt.Sprintf("/screen?region=%d", street))
	wantContains(t, "street screen", p.body, fmt.Sprintf(`<a href="/screen?region=%d">临江区</a>`, county), `<span aria-current="page">临江街道</span>`)
	// The embedded ECharts is served under its hashed name.
	if js := b.get("/static/vendor/echarts.min.js"); js.status != 200 || !strings.Contains(js.body, "echarts") {
		t.Errorf("echarts: %d", js.status)
	}

	lb := newBrowser(t, w.srv.URL)
	lb.signIn("leader_b")
	if p := lb.get(fmt.Sprintf("/screen?region=%d", street)); p.status != 403 {
		t.Errorf("another street's screen: %d, want 403", p.status)
	}
	p = lb.get("/screen")
	if p.status != 200 || !strings.Contains(p.body, fmt.Sprintf(`data-region="%d"`, street2)) || strings.Contains(p.body, `href="/screen?region=`+fmt.Sprint(county)) {
		t.Errorf("street leader's own screen: %d, want 南湖街道 with no way up", p.status)
	}
	if p := lb.get("/screen?region=abc"); p.status != 400 {
		t.Errorf("bad region: %d, want 400", p.status)
	}
	gw := newBrowser(t, w.srv.URL)
	gw.signIn("gw_a1")
	if p := gw.get("/screen"); p.status != 403 {
		t.Errorf("grid worker: %d, want 403", p.status)
	}
	anon := newBrowser(t, w.srv.URL)
	if p := anon.get("/screen"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login") {
		t.Errorf("anonymous: %d %s", p.status, p.header.Get("Location"))
	}
}
