package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/paulmach/orb/geojson"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/demo"
	"github.com/gridwork/gridwork/internal/ledger"
	"github.com/gridwork/gridwork/internal/media"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/stats"
	"github.com/gridwork/gridwork/internal/territory"
	"github.com/gridwork/gridwork/internal/web"
)

// screenWorld is the demo district's territory (its region tree and the
// boundaries that tile it, from internal/demo) with a month of cases
// played through the case service, served with the stats projector
// running as in serve.
type screenWorld struct {
	srv      *httptest.Server
	clock    *fakeClock
	cases    *cases.Service
	stats    *stats.Service
	county   *territory.Region
	streets  []*territory.Region
	grids    []*territory.Region // the grids with a worker and a resident
	actors   map[string]*auth.Actor
	centre   map[int64][2]float64 // a point inside each region
	reported int
}

// screenNames are the grid workers' display names.
var screenNames = []string{"张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周婷", "吴强", "徐丽", "孙杰",
	"胡军", "朱琳", "高峰", "林霞", "何涛", "郭燕", "马超", "罗丹", "梁宇", "宋佳", "郑浩", "谢晨"}

// screenCategories are the categories reported, the first most often.
var screenCategories = []string{"LS0502", "LS0508", "LS0503", "LS0507", "LH0101", "LS0501", "LS0504", "LE0104", "LS0506",
	"LS0505", "LS0202", "LS0509", "LE0102", "LH0301"}

func newScreenWorld(t *testing.T, now time.Time) *screenWorld {
	t.Helper()
	clock := newClock(now.AddDate(0, 0, -31))
	db := sqldbtest.SQLite(t, sqldbtest.Options{Now: clock.Now})
	ctx := systemCtx()
	discard := slog.New(slog.DiscardHandler)
	terr := territory.NewService(db)
	master, _ := people.ParseKey(strings.Repeat("ef", 32))
	keys, _ := people.NewKeyring(master)
	ppl := people.NewService(db, keys)
	au := auth.NewService(db, func(ctx context.Context, kind auth.ScopeKind, id int64) (string, error) {
		if kind == auth.ScopeParty {
			return ppl.OrgPathOf(ctx, id)
		}
		return terr.PathOf(ctx, id)
	}, auth.Options{Argon2: auth.FastArgon2(), Now: clock.Now, Logger: discard})
	cal := calendar.NewService(db, calendar.Options{Now: clock.Now})
	if _, err := cal.SeedDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	cat := category.NewService(db, cal)
	if _, err := cat.SeedDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	med := media.NewService(db, media.NewMemStore(), media.Options{})
	ntf := notify.NewService(db, notify.Options{Logger: discard})
	st := stats.NewService(db, stats.Options{Now: clock.Now, Zone: shanghai, Logger: discard})
	cs := cases.NewService(cases.Deps{DB: db, Auth: au, Territory: terr, Keys: keys, Category: cat, Calendar: cal, Media: med, Notify: ntf,
		Observer: st.Recorder()}, cases.Options{Now: clock.Now, Logger: discard})
	w := &screenWorld{clock: clock, cases: cs, stats: st, actors: map[string]*auth.Actor{}}

	// The demo district's regions and boundaries, in one transaction.
	city := demo.Generate(demo.Options{Seed: 1, HouseholdScale: 0.01})
	made := make([]*territory.Region, len(city.Regions))
	err := db.Transact(ctx, func(tx *sqldb.Tx) error {
		for i, r := range city.Regions {
			in := territory.RegionInput{Level: r.Level, Code: r.Code, Name: r.Name}
			if r.Parent >= 0 {
				in.ParentID = made[r.Parent].ID
			}
			x, err := terr.CreateRegionTx(ctx, tx, in)
			if err != nil {
				return fmt.Errorf("region %s: %w", r.Code, err)
			}
			made[i] = x
			gj, err := geojson.NewGeometry(r.Boundary).MarshalJSON()
			if err != nil {
				return err
			}
			if err := terr.SetBoundaryTx(ctx, tx, x.ID, gj, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
				return fmt.Errorf("boundary %s: %w", r.Code, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var allGrids []*territory.Region
	for _, r := range made {
		switch r.Level {
		case territory.LevelCounty:
			w.county = r
		case territory.LevelTownship:
			w.streets = append(w.streets, r)
		case territory.LevelGrid:
			allGrids = append(allGrids, r)
		}
	}
	w.centre = map[int64][2]float64{}
	for i, r := range city.Regions {
		w.centre[made[i].ID] = [2]float64{r.Center[0], r.Center[1]}
	}

	user := func(name, display string, role auth.Role, kind auth.ScopeKind, scope *territory.Region) {
		u, err := au.CreateUser(ctx, auth.UserInput{Username: name, DisplayName: display, Password: testPassword,
			Grants: []auth.GrantInput{{Role: role, ScopeKind: kind, ScopeID: scope.ID}}})
		if err != nil {
			t.Fatalf("user %s: %v", name, err)
		}
		w.actors[name] = &auth.Actor{UserID: u.ID, Name: display, Grants: []auth.Grant{{Role: role, Scope: auth.Scope{Kind: kind, ID: scope.ID, Path: scope.Path}}}}
	}
	user("district", "区领导", auth.RoleLeader, auth.ScopeRegion, w.county)
	user("street", "街道领导", auth.RoleLeader, auth.ScopeRegion, w.streets[0])
	user("disp", "区指挥中心", auth.RoleDispatcher, auth.ScopeRegion, w.county)
	// A worker and a resident in every seventh grid: about 45 grids spread
	// over the district.
	for i := 0; i < len(allGrids); i += 7 {
		g := allGrids[i]
		n := len(w.grids)
		w.grids = append(w.grids, g)
		user(fmt.Sprintf("gw%d", n), screenNames[n%len(screenNames)], auth.RoleGridWorker, auth.ScopeRegion, g)
		user(fmt.Sprintf("res%d", n), fmt.Sprintf("居民%d", n), auth.RoleResident, auth.ScopeSelf, g)
	}
	w.playMonth(t, now)
	if _, err := st.Drain(ctx); err != nil {
		t.Fatal(err)
	}

	srv := web.New(web.Deps{Logger: discard, DB: db, Auth: au, Territory: terr, People: ppl,
		Ledger: ledger.NewImporter(db, terr, ppl), Exporter: ledger.NewExporter(terr, ppl),
		Cases: cs, Calendar: cal, Category: cat, Media: med, Notify: ntf, Stats: st, Now: clock.Now})
	w.srv = httptest.NewServer(srv)
	t.Cleanup(w.srv.Close)
	// The projector drains as in serve.
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { st.Run(runCtx, 500*time.Millisecond); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	return w
}

// step is one action on a case of the month, at a time.
type step struct {
	at   time.Time
	n    int    // the case's index
	who  string // the actor's name
	in   cases.ActInput
	open *cases.ReportInput // the report itself
}

// playMonth reports about seven cases a day over the 30 days up to now
// and plays their steps in time order: most dispatched to the grid's worker
// and rated, some solved on the spot by the worker, some escalated to the
// community, some left in progress (overdue when old), the latest still
// open.
func (w *screenWorld) playMonth(t *testing.T, now time.Time) {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 23))
	var plan []step
	minutes := func(lo, hi int) time.Duration { return time.Duration(lo+rng.IntN(hi-lo+1)) * time.Minute }
	n := 0
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shanghai).AddDate(0, 0, -29)
	for d := range 30 {
		day := start.AddDate(0, 0, d)
		count := 3 + rng.IntN(6)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			count -= 2
		}
		for range count {
			// Hot grids: the first few take more cases.
			gi := rng.IntN(len(w.grids))
			if rng.IntN(3) == 0 {
				gi = rng.IntN(min(6, len(w.grids)))
			}
			g := w.grids[gi]
			at := day.Add(7*time.Hour + minutes(0, 14*60))
			ci := min(rng.IntN(len(screenCategories)), rng.IntN(len(screenCategories))) // skewed to the first
			c := w.centre[g.ID]
			lon, lat := c[0], c[1]
			gw, res := fmt.Sprintf("gw%d", gi), fmt.Sprintf("res%d", gi)
			in := cases.ReportInput{Channel: cases.ChannelResident, Category: screenCategories[ci], Urgency: category.Normal,
				Title: "演示案件", Lon: &lon, Lat: &lat}
			reporter := res
			outcome := rng.IntN(100)
			if outcome >= 60 && outcome < 75 {
				in.Channel, reporter = cases.ChannelGridWorker, gw
			}
			plan = append(plan, step{at: at, n: n, who: reporter, open: &in})
			t := at
			next := func(who string, d time.Duration, in cases.ActInput) {
				t = t.Add(d)
				plan = append(plan, step{at: t, n: n, who: who, in: in})
			}
			dispatch := cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: w.actors[gw].UserID}
			rate := func() {
				s := cases.Satisfied
				switch r := rng.IntN(100); {
				case r >= 96:
					s = cases.Unsatisfied
				case r >= 86:
					s = cases.Basic
				}
				next(res, minutes(60, 20*60), cases.ActInput{Action: cases.ActRate, Rating: &cases.RatingInput{Satisfaction: s, Stars: 5 - rng.IntN(2)}})
			}
			switch {
			case outcome < 60: // dispatched to the grid's worker, handled, rated
				next("disp", minutes(5, 40), cases.ActInput{Action: cases.ActRegister})
				next("disp", minutes(5, 30), dispatch)
				next(gw, minutes(10, 90), cases.ActInput{Action: cases.ActAccept})
				late := 1
				if rng.IntN(8) == 0 {
					late = 6 // some run past their limit
				}
				next(gw, minutes(60, 30*60*late), cases.ActInput{Action: cases.ActFeedback, Note: "已处理"})
				next("disp", minutes(30, 240), cases.ActInput{Action: cases.ActVerifyOK})
				rate()
			case outcome < 75: // the worker's own finding, solved on the spot
				next(gw, minutes(5, 40), cases.ActInput{Action: cases.ActSelfHandle, Note: "现场处置"})
				next("disp", minutes(30, 180), cases.ActInput{Action: cases.ActVerifyOK})
				next("disp", minutes(60, 240), cases.ActInput{Action: cases.ActClose})
			case outcome < 85: // escalated to the community, then handled there
				next("disp", minutes(5, 40), cases.ActInput{Action: cases.ActRegister})
				next("disp", minutes(30, 120), cases.ActInput{Action: cases.ActEscalate, Reason: "涉及多个网格，需社区统筹"})
				next("disp", minutes(30, 120), dispatch)
				next(gw, minutes(30, 120), cases.ActInput{Action: cases.ActAccept})
				next(gw, minutes(4*60, 60*60), cases.ActInput{Action: cases.ActFeedback, Note: "社区协调处理完毕"})
				next("disp", minutes(30, 240), cases.ActInput{Action: cases.ActVerifyOK})
				rate()
			default: // dispatched and accepted, not handled yet
				next("disp", minutes(5, 40), cases.ActInput{Action: cases.ActRegister})
				next("disp", minutes(5, 30), dispatch)
				next(gw, minutes(10, 90), cases.ActInput{Action: cases.ActAccept})
			}
			n++
		}
	}
	slices.SortStableFunc(plan, func(a, b step) int { return a.at.Compare(b.at) })
	current := make([]*cases.Case, n)
	for _, s := range plan {
		if !s.at.Before(now) {
			continue // the future: the case stays where it is
		}
		if cur := current[s.n]; s.open == nil && cur == nil {
			continue
		}
		w.clock.Add(s.at.Sub(w.clock.Now()))
		ctx := auth.WithActor(context.Background(), w.actors[s.who])
		var err error
		if s.open != nil {
			current[s.n], err = w.cases.Report(ctx, *s.open)
			w.reported++
		} else {
			s.in.Version = current[s.n].Version
			current[s.n], err = w.cases.Act(ctx, current[s.n].ID, s.in)
		}
		if err != nil {
			t.Fatalf("case %d: %s by %s at %s: %v", s.n, s.in.Action, s.who, s.at.Format(time.DateTime), err)
		}
	}
	w.clock.Add(now.Sub(w.clock.Now()))
}

// TestBrowserScreen shows the big screen at 1920×1080 for the demo district
// (as its leader) and for one of its streets, drilled down to from the
// ranking (and another from the map, and back up by the breadcrumb),
// photographs both (and the district in English), checks that a
// case reported during the test reaches the live feed and the counter
// within 2 s, and that a street leader sees its street and is refused the
// district. No console error or CSP violation is allowed.
func TestBrowserScreen(t *testing.T) {
	now := time.Date(2026, 3, 9, 15, 30, 0, 0, shanghai) // a Monday afternoon
	findChromium(t)                                      // skips before building the world when there is no browser
	began := time.Now()
	w := newScreenWorld(t, now)
	t.Logf("world built in %v", time.Since(began).Round(time.Millisecond))
	c := newChrome(t, w.srv.URL)
	t.Logf("%d cases over 30 days in %d grids", w.reported, len(w.grids))

	c.signIn("district")
	c.waitPath("/d")
	c.bigScreen()
	began = time.Now()
	c.openScreen("/screen")
	t.Logf("screen drawn in %v: %s", time.Since(began).Round(time.Millisecond),
		eval[string](c, `performance.getEntriesByType("resource").map(e => e.name.replace(location.origin, "").slice(0, 40) + " " + Math.round(e.duration) + "ms").join(", ")`))
	if got := eval[string](c, `document.body.dataset.region`); got != fmt.Sprint(w.county.ID) {
		t.Fatalf("the district leader's screen shows region %s, want the county %d", got, w.county.ID)
	}
	c.shoot("screen-district")

	// A case reported now shows in the feed and the counter within 2 s.
	before := eval[string](c, `document.getElementById("c-reported").textContent`)
	w.clock.Add(time.Minute)
	res := w.actors["res0"]
	p := w.centre[w.grids[0].ID]
	nc, err := w.cases.Report(auth.WithActor(context.Background(), res), cases.ReportInput{Channel: cases.ChannelResident,
		Category: "LS0508", Urgency: category.Normal, Title: "垃圾未清运", Lon: &p[0], Lat: &p[1]})
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Now()
	want := fmt.Sprint(atoi(t, before) + 1)
	for {
		top := eval[string](c, `(document.querySelector("#feed li")||{dataset:{}}).dataset.number || ""`)
		count := eval[string](c, `document.getElementById("c-reported").textContent`)
		if top == nc.Number && count == want {
			t.Logf("the new case reached the screen in %v", time.Since(sent).Round(10*time.Millisecond))
			break
		}
		if time.Since(sent) > 2*time.Second {
			t.Fatalf("after 2 s the feed starts with %q and today's count is %s; want %s and %s", top, count, nc.Number, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if feed := c.text("#feed li"); strings.Contains(feed, "垃圾未清运") || strings.Contains(feed, res.Name) {
		t.Errorf("the feed shows personal data: %q", feed)
	}

	// A click on the map goes down to the street clicked; the breadcrumb
	// goes back up.
	other := w.streets[1]
	pt := w.centre[other.ID]
	xy := eval[[]float64](c, fmt.Sprintf(`(function () {
		var el = document.getElementById("ch-map"), p = echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, [%f, %f]);
		var r = el.getBoundingClientRect();
		return [r.left + p[0], r.top + p[1]];
	})()`, pt[0], pt[1]))
	c.do("click the map", chromedp.MouseClickXY(xy[0], xy[1]))
	c.waitPath(fmt.Sprintf("/screen?region=%d", other.ID))
	c.do("breadcrumb up", chromedp.WaitVisible(chromedp.CSS(".sc-crumbs a")), chromedp.Click(chromedp.CSS(".sc-crumbs a")))
	c.waitPath("/screen?region=" + fmt.Sprint(w.county.ID))

	// Drill down to a street from the ranking.
	street := w.streets[0]
	c.do("wait for the ranking", chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#t-regions a[href="/screen?region=%d"]`, street.ID))))
	c.do("drill down", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#t-regions a[href="/screen?region=%d"]`, street.ID))))
	c.waitPath(fmt.Sprintf("/screen?region=%d", street.ID))
	c.waitScreen()
	if got := c.text(".sc-crumbs"); !strings.Contains(got, w.county.Name) || !strings.Contains(got, street.Name) {
		t.Errorf("breadcrumb %q", got)
	}
	c.shoot("screen-street")

	c.openScreen("/lang/en?next=/screen")
	c.shoot("screen-district-en")

	c.checkErrors()

	// The street's leader (in a browser of its own: each has a minute) sees
	// its street and is refused the district.
	c = newChrome(t, w.srv.URL)
	c.signIn("street")
	c.waitPath("/d")
	c.bigScreen()
	c.openScreen("/screen")
	if got := eval[string](c, `document.body.dataset.region`); got != fmt.Sprint(street.ID) {
		t.Errorf("the street leader's screen shows region %s, want %d", got, street.ID)
	}
	c.shoot("screen-street-leader")
	c.open(fmt.Sprintf("/screen?region=%d", w.county.ID))
	if got := c.text("main"); !strings.Contains(got, "无权") {
		t.Errorf("the street leader on the district's screen: %q", got)
	}
	c.checkErrors()
}

// bigScreen sets the tab to 1920×1080 and asks for reduced motion, which
// the screen honours by drawing its charts without animation.
func (c *chrome) bigScreen() {
	c.t.Helper()
	c.do("big screen size", chromedp.EmulateViewport(1920, 1080, chromedp.EmulateScale(1)))
	if _, err := chromedp.Call(c.ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}}); err != nil {
		c.t.Fatal(err)
	}
}

// checkErrors fails the test on the browser's console errors and CSP
// violations, except the refused page's own 403.
func (c *chrome) checkErrors() {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.errors {
		if strings.Contains(e, "403") && strings.Contains(e, "/screen?region=") {
			continue
		}
		c.t.Errorf("browser: %s", e)
	}
	c.errors = nil
}

// openScreen loads the big screen and waits for its panels.
func (c *chrome) openScreen(path string) {
	c.t.Helper()
	c.do("open "+path, chromedp.Navigate(c.base+path), chromedp.WaitReady(chromedp.CSS("#main")))
	c.waitScreen()
}

// waitScreen waits until every panel has drawn (and their animations end).
func (c *chrome) waitScreen() {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok := eval[bool](c, `!!document.querySelector(".sc-grid") && document.getElementById("c-open").textContent !== "–" &&
			document.getElementById("k-reported").textContent !== "–" && document.querySelectorAll("#t-workers tr").length > 0 &&
			document.querySelectorAll("#feed li").length > 0 && !!document.querySelector("#ch-map canvas") &&
			!!document.querySelector("#ch-trend canvas") && !!document.querySelector("#ch-cats canvas")`)
		if ok {
			break
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("the screen did not finish drawing")
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // the last paint
}

// shoot saves a 1920×1080 PNG of the screen (and runs axe-core on it when
// configured).
func (c *chrome) shoot(name string) {
	c.t.Helper()
	c.checkAxe(name)
	buf, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.t.Fatalf("screenshot %s: %v", name, err)
	}
	file := filepath.Join(c.dir, name+".png")
	if err := os.WriteFile(file, buf, 0o644); err != nil {
		c.t.Fatal(err)
	}
	c.t.Logf("saved %s", file)
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}
