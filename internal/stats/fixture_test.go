package stats_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/media"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/stats"
	"github.com/gridwork/gridwork/internal/territory"
)

// shanghai is the calendar's time zone; the tests write local times.
var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// local is a time in Asia/Shanghai.
func local(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, shanghai)
}

// clock is a fake clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// The test territory (as internal/cases' tests, plus a second street):
//
//	370102 历下区 (county)
//	├── 370102001000 解放路街道 (street)
//	│   └── 370102001001 水韵社区 (community)
//	│       ├── 370102001001001 水韵第一网格 (grid 1): 水韵名都 27号楼, 1单元
//	│       └── 370102001001002 水韵第二网格 (grid 2)
//	└── 370102002000 千佛山街道 (street 2)
type fixture struct {
	t     testing.TB
	db    *sqldb.DB
	clk   *clock
	svc   *cases.Service
	st    *stats.Service
	terr  *territory.Service
	cat   *category.Service
	users *auth.Service

	county, street, street2, community, grid1, grid2 *territory.Region
	building                                         *territory.Building
	unit                                             *territory.Unit
	heatingDept                                      *category.Department

	resident, neighbour, worker1, secretary, member, heating, dispatcher, leader, leader2 *auth.Actor
}

var discard = slog.New(slog.DiscardHandler)

// sys is a context acting as the system.
func sys() context.Context { return auth.WithActor(context.Background(), auth.SystemActor()) }

// as returns a context acting as a.
func as(a *auth.Actor) context.Context { return auth.WithActor(context.Background(), a) }

func newFixture(t testing.TB, db *sqldb.DB) *fixture {
	t.Helper()
	f := &fixture{t: t, db: db, clk: &clock{t: local(2026, 3, 2, 8, 0)}}
	ctx := sys()
	f.terr = territory.NewService(db)
	cal := calendar.NewService(db, calendar.Options{})
	if _, err := cal.SeedDefaults(ctx); err != nil {
		t.Fatalf("seed calendar: %v", err)
	}
	f.cat = category.NewService(db, cal)
	if _, err := f.cat.SeedDefaults(ctx); err != nil {
		t.Fatalf("seed categories: %v", err)
	}
	med := media.NewService(db, media.NewMemStore(), media.Options{})
	ntf := notify.NewService(db, notify.Options{Logger: discard})
	f.users = auth.NewService(db, func(ctx context.Context, k auth.ScopeKind, id int64) (string, error) {
		if k == auth.ScopeParty {
			return fmt.Sprintf("/%d/", id), nil
		}
		return f.terr.PathOf(ctx, id)
	}, auth.Options{Argon2: auth.FastArgon2(), Logger: discard})
	keys, err := people.NewKeyring(bytes.Repeat([]byte{7}, people.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	f.st = stats.NewService(db, stats.Options{Now: f.clk.Now, Zone: shanghai, Logger: discard})
	f.svc = cases.NewService(cases.Deps{DB: db, Auth: f.users, Territory: f.terr, Keys: keys, Category: f.cat,
		Calendar: cal, Media: med, Notify: ntf, Observer: f.st.Recorder()}, cases.Options{Now: f.clk.Now, Logger: discard})

	f.county = f.region(0, territory.LevelCounty, "370102", "历下区", box(116.9, 36.5, 117.1, 36.7))
	f.street = f.region(f.county.ID, territory.LevelTownship, "370102001000", "解放路街道", box(116.95, 36.55, 117.05, 36.65))
	f.street2 = f.region(f.county.ID, territory.LevelTownship, "370102002000", "千佛山街道", box(117.05, 36.55, 117.1, 36.65))
	f.community = f.region(f.street.ID, territory.LevelVillage, "370102001001", "水韵社区", box(117.00, 36.60, 117.02, 36.62))
	f.grid1 = f.region(f.community.ID, territory.LevelGrid, "370102001001001", "水韵第一网格", box(117.00, 36.60, 117.01, 36.61))
	f.grid2 = f.region(f.community.ID, territory.LevelGrid, "370102001001002", "水韵第二网格", box(117.01, 36.60, 117.02, 36.61))
	if f.building, err = f.terr.CreateBuilding(ctx, territory.BuildingInput{GridID: f.grid1.ID, Compound: "水韵名都", Name: "27号楼",
		Kind: territory.BuildingKindBuilding}); err != nil {
		t.Fatalf("create building: %v", err)
	}
	if f.unit, err = f.terr.CreateUnit(ctx, territory.UnitInput{BuildingID: f.building.ID, Name: "1单元"}); err != nil {
		t.Fatalf("create unit: %v", err)
	}
	f.resident = f.user("resident", grantSelf(f.grid1))
	f.neighbour = f.user("neighbour", grantSelf(f.grid1))
	f.worker1 = f.user("worker1", grantAt(auth.RoleGridWorker, f.grid1))
	f.secretary = f.user("secretary", grantAt(auth.RoleBranchSecretary, f.grid1),
		auth.GrantInput{Role: auth.RoleBranchSecretary, ScopeKind: auth.ScopeParty, ScopeID: 901, ScopePath: "/901/"})
	f.member = f.user("member", auth.GrantInput{Role: auth.RolePartyMember, ScopeKind: auth.ScopeParty, ScopeID: 901, ScopePath: "/901/"})
	f.heating = f.user("heating", grantAt(auth.RoleDepartment, f.county))
	f.dispatcher = f.user("dispatcher", grantAt(auth.RoleDispatcher, f.community))
	f.leader = f.user("leader", grantAt(auth.RoleLeader, f.county))
	f.leader2 = f.user("leader2", grantAt(auth.RoleLeader, f.street2))
	if f.heatingDept, err = f.cat.CreateDepartment(ctx, category.DepartmentInput{Name: "供热公司", Kind: category.DeptUtility, RegionID: f.county.ID}); err != nil {
		t.Fatalf("create department: %v", err)
	}
	if err := f.cat.AddMember(ctx, f.heatingDept.ID, f.heating.UserID); err != nil {
		t.Fatalf("add member: %v", err)
	}
	return f
}

// region creates a region with a boundary.
func (f *fixture) region(parent int64, level territory.Level, code, name string, geo []byte) *territory.Region {
	f.t.Helper()
	r, err := f.terr.CreateRegion(sys(), territory.RegionInput{ParentID: parent, Level: level, Code: code, Name: name})
	if err != nil {
		f.t.Fatalf("create region %s: %v", code, err)
	}
	if err := f.terr.SetBoundary(sys(), r.ID, geo, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		f.t.Fatalf("boundary of %s: %v", code, err)
	}
	return r
}

// box is a rectangular GeoJSON polygon.
func box(x0, y0, x1, y1 float64) []byte {
	ring := [][2]float64{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
	b, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{ring}})
	return b
}

func grantAt(role auth.Role, r *territory.Region) auth.GrantInput {
	return auth.GrantInput{Role: role, ScopeKind: auth.ScopeRegion, ScopeID: r.ID, ScopePath: r.Path}
}

func grantSelf(r *territory.Region) auth.GrantInput {
	return auth.GrantInput{Role: auth.RoleResident, ScopeKind: auth.ScopeSelf, ScopeID: r.ID, ScopePath: r.Path}
}

// user creates an account and returns it as an actor.
func (f *fixture) user(name string, grants ...auth.GrantInput) *auth.Actor {
	f.t.Helper()
	var u *auth.User
	err := f.db.Transact(sys(), func(tx *sqldb.Tx) error {
		var err error
		u, err = f.users.CreateUserTx(sys(), tx, auth.UserInput{Username: name, DisplayName: name, Password: "secret123", Grants: grants})
		return err
	})
	if err != nil {
		f.t.Fatalf("create user %s: %v", name, err)
	}
	return &auth.Actor{UserID: u.ID, Name: u.DisplayName, Grants: u.Grants}
}

// at moves the clock to t.
func (f *fixture) at(t time.Time) { f.clk.Set(t) }

// report files a case as a.
func (f *fixture) report(a *auth.Actor, in cases.ReportInput) *cases.Case {
	f.t.Helper()
	c, err := f.svc.Report(as(a), in)
	if err != nil {
		f.t.Fatalf("report as %s: %v", a.Name, err)
	}
	return c
}

// leak is an urgent leaking heating main in 27号楼 1单元 (LE0102: register
// and dispatch 10m, accept 1h, handle 2h, verify 1h on the wall clock).
func (f *fixture) leak() cases.ReportInput {
	return cases.ReportInput{Channel: cases.ChannelResident, Category: "LE0102", Urgency: category.Urgent,
		Title: "楼道暖气管道漏水", BuildingID: f.building.ID, UnitID: f.unit.ID}
}

// act performs a transition as a at the case's current version.
func (f *fixture) act(a *auth.Actor, c *cases.Case, in cases.ActInput) *cases.Case {
	f.t.Helper()
	in.Version = c.Version
	out, err := f.svc.Act(as(a), c.ID, in)
	if err != nil {
		f.t.Fatalf("%s as %s: %v", in.Action, a.Name, err)
	}
	return out
}

// drain projects the pending facts.
func (f *fixture) drain() {
	f.t.Helper()
	if _, err := f.st.Drain(context.Background()); err != nil {
		f.t.Fatalf("drain: %v", err)
	}
}

// wantErr fails unless err is an apperr with code and field and a
// bilingual message.
func wantErr(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != code || e.Field != field {
		t.Fatalf("error = %v; want %s on field %q", err, code, field)
	}
	if e.Msg.ZH == "" || e.Msg.EN == "" {
		t.Fatalf("error %v lacks a bilingual message: %+v", err, e.Msg)
	}
}
