package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"log/slog"
	"mime/multipart"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
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

// fakeClock is the injected clock: tests move it instead of sleeping.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var shanghai = time.FixedZone("CST", 8*3600)

// caseWorld is a district with the story's places and people, served with
// the whole case loop.
type caseWorld struct {
	*fixture
	clock    *fakeClock
	db       *sqldb.DB
	cases    *cases.Service
	building *territory.Building
	unit     *territory.Unit
	users    map[string]int64
	heating  *category.Department
	stats    *stats.Service // drain it (Drain) before reading the KPIs
}

// newCaseWorld: 水韵名都 27号楼 1单元 in grid 330110001001001 (水韵社区第1网格);
// a resident of it, the grid's worker and branch secretary, a party member
// of the branch, the district's heating company with one member, a
// community dispatcher, a district leader; the grid next door has its own
// worker.
func newCaseWorld(t *testing.T, db *sqldb.DB, clock *fakeClock) *caseWorld {
	t.Helper()
	ctx := auth.WithActor(context.Background(), auth.SystemActor())
	w := &caseWorld{fixture: &fixture{regions: map[string]*territory.Region{}, bldg: map[string]int64{}}, clock: clock, db: db, users: map[string]int64{}}
	terr := territory.NewService(db)
	master, _ := people.ParseKey(strings.Repeat("cd", 32))
	keys, _ := people.NewKeyring(master)
	ppl := people.NewService(db, keys)
	au := auth.NewService(db, func(ctx context.Context, kind auth.ScopeKind, id int64) (string, error) {
		if kind == auth.ScopeParty {
			return ppl.OrgPathOf(ctx, id)
		}
		return terr.PathOf(ctx, id)
	}, auth.Options{Argon2: auth.FastArgon2(), Now: clock.Now})
	cal := calendar.NewService(db, calendar.Options{Now: clock.Now})
	if _, err := cal.SeedDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	cat := category.NewService(db, cal)
	if _, err := cat.SeedDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	med := media.NewService(db, media.NewMemStore(), media.Options{})
	ntf := notify.NewService(db, notify.Options{})
	w.stats = stats.NewService(db, stats.Options{Now: clock.Now, Zone: shanghai, Logger: slog.New(slog.DiscardHandler)})
	cs := cases.NewService(cases.Deps{DB: db, Auth: au, Territory: terr, Keys: keys, Category: cat, Calendar: cal, Media: med, Notify: ntf,
		Observer: w.stats.Recorder()}, cases.Options{Now: clock.Now})
	w.cases = cs

	add := func(parent, level, code, name string, box [4]float64) {
		in := territory.RegionInput{Level: territory.Level(level), Code: code, Name: name}
		if parent != "" {
			in.ParentID = w.regions[parent].ID
		}
		r, err := terr.CreateRegion(ctx, in)
		if err != nil {
			t.Fatalf("region %s: %v", code, err)
		}
		w.regions[code] = r
		gj := `{"type":"Polygon","coordinates":[[[` + f(box[0]) + `,` + f(box[1]) + `],[` + f(box[2]) + `,` + f(box[1]) + `],[` + f(box[2]) + `,` + f(box[3]) + `],[` + f(box[0]) + `,` + f(box[3]) + `],[` + f(box[0]) + `,` + f(box[1]) + `]]]}`
		if err := terr.SetBoundary(ctx, r.ID, []byte(gj), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatalf("boundary %s: %v", code, err)
		}
	}
	add("", "county", "330110", "临江区", [4]float64{120.0, 30.0, 120.4, 30.4})
	add("330110", "township", "330110001000", "临江街道", [4]float64{120.0, 30.0, 120.2, 30.2})
	add("330110001000", "village", "330110001001", "水韵社区", [4]float64{120.0, 30.0, 120.1, 30.1})
	add("330110001001", "grid", "330110001001001", "水韵社区第1网格", [4]float64{120.0, 30.0, 120.05, 30.1})
	add("330110001001", "grid", "330110001001002", "水韵社区第2网格", [4]float64{120.05, 30.0, 120.1, 30.1})
	grid, grid2 := w.regions["330110001001001"], w.regions["330110001001002"]
	lon, lat := 120.02, 30.05
	b, err := terr.CreateBuilding(ctx, territory.BuildingInput{GridID: grid.ID, Compound: "水韵名都", Name: "27号楼", Kind: "building", Lon: &lon, Lat: &lat, Floors: 18})
	if err != nil {
		t.Fatal(err)
	}
	w.building = b
	if w.unit, err = terr.CreateUnit(ctx, territory.UnitInput{BuildingID: b.ID, Name: "1单元"}); err != nil {
		t.Fatal(err)
	}
	committee, err := ppl.CreateOrg(ctx, people.OrgInput{Kind: "committee", Name: "临江街道党工委", RegionID: w.regions["330110001000"].ID, Sector: "region"})
	if err != nil {
		t.Fatal(err)
	}
	branch, err := ppl.CreateOrg(ctx, people.OrgInput{ParentID: committee.ID, Kind: "branch", Name: "水韵社区第1网格党支部", RegionID: grid.ID, Sector: "region"})
	if err != nil {
		t.Fatal(err)
	}
	if w.heating, err = cat.CreateDepartment(ctx, category.DepartmentInput{Name: "供热公司", Kind: "utility", RegionID: w.regions["330110"].ID}); err != nil {
		t.Fatal(err)
	}
	user := func(name string, role auth.Role, kind auth.ScopeKind, scope int64) {
		u, err := au.CreateUser(ctx, auth.UserInput{Username: name, DisplayName: name, Password: testPassword,
			Grants: []auth.GrantInput{{Role: role, ScopeKind: kind, ScopeID: scope}}})
		if err != nil {
			t.Fatalf("user %s: %v", name, err)
		}
		w.users[name] = u.ID
	}
	user("resident", auth.RoleResident, auth.ScopeSelf, grid.ID)
	user("gw_a1", auth.RoleGridWorker, auth.ScopeRegion, grid.ID)
	user("gw_b", auth.RoleGridWorker, auth.ScopeRegion, grid2.ID)
	user("secretary", auth.RoleBranchSecretary, auth.ScopeRegion, grid.ID)
	user("member", auth.RolePartyMember, auth.ScopeParty, branch.ID)
	user("heating", auth.RoleDepartment, auth.ScopeRegion, w.regions["330110"].ID)
	user("dispatcher", auth.RoleDispatcher, auth.ScopeRegion, w.regions["330110001001"].ID)
	user("leader", auth.RoleLeader, auth.ScopeRegion, w.regions["330110"].ID)
	if err := cat.AddMember(ctx, w.heating.ID, w.users["heating"]); err != nil {
		t.Fatal(err)
	}

	srv := web.New(web.Deps{Logger: slog.New(slog.DiscardHandler), DB: db, Auth: au, Territory: terr, People: ppl,
		Ledger: ledger.NewImporter(db, terr, ppl), Exporter: ledger.NewExporter(terr, ppl),
		Cases: cs, Calendar: cal, Category: cat, Media: med, Notify: ntf, Stats: w.stats, Now: clock.Now})
	w.srv = httptest.NewServer(srv)
	w.rec = &recorder{}
	t.Cleanup(w.srv.Close)
	t.Cleanup(func() {
		oa := loadOpenAPI(t, w.client(t))
		for _, e := range w.rec.all {
			if err := oa.check(e); err != nil {
				t.Errorf("OpenAPI: %v", err)
			}
		}
	})
	return w
}

func f(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// testJPEG is a small real photo.
func testJPEG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for x := range 64 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload posts a photo as multipart and returns the status and body.
func (c *client) upload(photo []byte) (int, string) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("photo", "leak.jpg")
	fw.Write(photo)
	mw.Close()
	st, b, _ := c.send("POST", "/api/v1/photos", mw.FormDataContentType(), body.String())
	return st, b
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

// engines runs fn on SQLite and PostgreSQL, each world with its own fake
// clock starting at start (the subtests run in parallel).
func engines(t *testing.T, start time.Time, fn func(t *testing.T, w *caseWorld)) {
	for _, engine := range []struct {
		name string
		open func(testing.TB, sqldbtest.Options) *sqldb.DB
	}{{"sqlite", sqldbtest.SQLite}, {"postgres", sqldbtest.Postgres}} {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel()
			c := newClock(start)
			fn(t, newCaseWorld(t, engine.open(t, sqldbtest.Options{Now: c.Now}), c))
		})
	}
}
