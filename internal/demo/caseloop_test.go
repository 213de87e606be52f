package demo

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/media"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/territory"
)

// The demo city is the stage of the case loop: after Load, the category
// dictionary routes each case to a department near it, and the demo
// logins can play a case from report to rating.

func sysCtx() context.Context { return auth.WithActor(context.Background(), auth.SystemActor()) }

// seedCaseLoop writes the work calendar and the category dictionary, as
// cmd/gridwork does before loading the demo.
func seedCaseLoop(t *testing.T, w *world) {
	t.Helper()
	if _, err := w.cal.SeedDefaults(sysCtx()); err != nil {
		t.Fatalf("seed calendar: %v", err)
	}
	if _, err := w.Category.SeedDefaults(sysCtx()); err != nil {
		t.Fatalf("seed categories: %v", err)
	}
}

// unrouted reports whether a department name of the GB dictionary names no
// single body, so the demo registers none of that name.
func unrouted(name string) bool {
	return strings.Contains(name, "（济源）") || strings.HasPrefix(name, "井盖设施维护管理责任人") || name == "公安机关"
}

// account returns the demo account username as the database has it.
func account(t *testing.T, w *world, username string) *auth.User {
	t.Helper()
	list, _, err := w.Auth.FindUsers(sysCtx(), auth.UserFilter{Query: &username, Limit: 500})
	if err != nil {
		t.Fatalf("find user %s: %v", username, err)
	}
	for _, u := range list {
		if u.Username == username {
			return u
		}
	}
	t.Fatalf("no user %s", username)
	return nil
}

// actorOf returns the actor of an account, as signing in gives it.
func actorOf(u *auth.User) *auth.Actor {
	return &auth.Actor{UserID: u.ID, Name: u.DisplayName, Grants: u.Grants}
}

// loginOf returns the username of the demo login for role.
func loginOf(t *testing.T, city *City, role auth.Role) string {
	t.Helper()
	for _, l := range city.DemoLogins() {
		if l.Role == role {
			return l.Username
		}
	}
	t.Fatalf("no demo login for %s", role)
	return ""
}

// userIndex returns the index of the city's user username.
func userIndex(t *testing.T, city *City, username string) int {
	t.Helper()
	for i, u := range city.Users {
		if u.Username == username {
			return i
		}
	}
	t.Fatalf("no user %s in the city", username)
	return -1
}

// regionPath returns the materialised path of the city's region r.
func regionPath(t *testing.T, w *world, city *City, r int) string {
	t.Helper()
	reg, err := w.Territory.FindRegionByCode(sysCtx(), city.Regions[r].Code)
	if err != nil {
		t.Fatalf("region %s: %v", city.Regions[r].Code, err)
	}
	return reg.Path
}

// nearest returns the department named name registered nearest above
// region r in the city's data, or -1.
func nearest(city *City, r int, name string) int {
	for ; r >= 0; r = city.Regions[r].Parent {
		for i, d := range city.Departments {
			if d.Region == r && d.Name == name {
				return i
			}
		}
	}
	return -1
}

// checkRouting checks, on a loaded city with its dictionary seeded, that
// cases in the demo resident's grid route as the dictionary says, and
// that every department account acts for its own department.
func checkRouting(t *testing.T, w *world, city *City) {
	t.Helper()
	ctx := sysCtx()
	resident := city.Users[userIndex(t, city, loginOf(t, city, auth.RoleResident))]
	grid := city.Buildings[city.Households[city.Residents[resident.Resident].Household].Building].Grid
	gridPath := regionPath(t, w, city, grid)
	want := func(code string, d int) {
		t.Helper()
		got, err := w.Category.DepartmentFor(ctx, code, gridPath)
		if err != nil {
			t.Fatalf("department for %s in %s: %v", code, city.Regions[grid].Name, err)
		}
		wd := city.Departments[d]
		if got.Name != wd.Name || got.Kind != wd.Kind || got.Phone != wd.Phone || got.RegionPath != regionPath(t, w, city, wd.Region) {
			t.Errorf("department for %s in %s = %s (%s) at %s; want %s at %s", code, city.Regions[grid].Name,
				got.Name, got.Kind, got.RegionPath, wd.Name, city.Regions[wd.Region].Name)
		}
	}
	// 供热管道漏水: the district's heating company.
	county := grid
	for city.Regions[county].Level != territory.LevelCounty {
		county = city.Regions[county].Parent
	}
	heating := nearest(city, grid, "供热公司")
	if heating < 0 || city.Departments[heating].Region != county {
		t.Fatalf("no heating company at the district")
	}
	want("LE0102", heating)
	// 电梯故障: the community's property company; a village has none,
	// and the case goes to the villagers' committee, which LS05 民生服务
	// names.
	if p := nearest(city, grid, "物业公司"); p >= 0 {
		if city.Departments[p].Region != city.Regions[grid].Parent {
			t.Errorf("the property company of %s is registered at %s", city.Regions[grid].Name, city.Regions[city.Departments[p].Region].Name)
		}
		want("LS0501", p)
	} else {
		if !isVillageCode(city.Regions[city.Regions[grid].Parent].Code) {
			t.Fatalf("community %s has no property company", city.Regions[city.Regions[grid].Parent].Name)
		}
		want("LS0501", nearest(city, grid, "社区居委会"))
	}
	// Every name the dictionary routes to is registered in the city, but
	// for the GB rows that name no single body, and routes from the grid
	// to a department of that name.
	registered := map[string]bool{}
	for _, d := range city.Departments {
		registered[d.Name] = true
	}
	cats, _, err := w.Category.FindCategories(ctx, category.CategoryFilter{Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	routed := 0
	for _, c := range cats {
		n := c.DepartmentName
		switch {
		case n == "" || unrouted(n) || n == "物业公司":
		case !registered[n]:
			t.Errorf("category %s %s names %s, which the demo city does not register", c.Code, c.NameZH, n)
		default:
			want(c.Code, nearest(city, grid, n))
			routed++
		}
	}
	if routed < 40 {
		t.Errorf("%d categories routed, want the local dictionary's (over 40)", routed)
	}
	// The department accounts act for their departments, the heating login
	// for the heating company.
	heatingLogin := city.Users[userIndex(t, city, loginOf(t, city, auth.RoleDepartment))]
	if heatingLogin.Dept != heating {
		t.Errorf("the department login %s acts for department %d, want the heating company %d", heatingLogin.Username, heatingLogin.Dept, heating)
	}
	for _, u := range city.Users {
		if (u.Role == auth.RoleDepartment) != (u.Dept >= 0) {
			t.Errorf("%s (%s) acts for department %d", u.Username, u.Role, u.Dept)
			continue
		}
		if u.Dept < 0 {
			continue
		}
		acc := account(t, w, u.Username)
		ds, err := w.Category.DepartmentsOfUser(ctx, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		wd := city.Departments[u.Dept]
		if len(ds) != 1 || ds[0].Name != wd.Name || ds[0].RegionPath != regionPath(t, w, city, wd.Region) {
			t.Errorf("%s acts for %+v, want %s at %s", u.Username, ds, wd.Name, city.Regions[wd.Region].Name)
		}
	}
}

// fakeClock is the case loop's clock, moved by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// playCase plays a case with the demo logins on a loaded city with its
// dictionary seeded, from 09:00 on Monday 2026-03-09 (Asia/Shanghai): the
// resident reports a leaking heating main in its building; it routes to the
// resident's grid with the heating company suggested; the branch secretary
// registers it and dispatches it to the company; the heating login accepts
// and feeds back; the grid worker verifies; the resident rates it.
func playCase(t *testing.T, w *world, db *sqldb.DB, city *City) {
	t.Helper()
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{t: time.Date(2026, 3, 9, 9, 0, 0, 0, shanghai)}
	discard := slog.New(slog.DiscardHandler)
	svc := cases.NewService(cases.Deps{
		DB: db, Auth: w.Auth, Territory: w.Territory, Keys: w.keys, Category: w.Category, Calendar: w.cal,
		Media: media.NewService(db, media.NewMemStore(), media.Options{}), Notify: notify.NewService(db, notify.Options{Logger: discard}),
	}, cases.Options{Now: clk.Now, Logger: discard})

	as := func(role auth.Role) (*auth.Actor, int) {
		name := loginOf(t, city, role)
		return actorOf(account(t, w, name)), userIndex(t, city, name)
	}
	resident, ri := as(auth.RoleResident)
	secretary, si := as(auth.RoleBranchSecretary)
	worker, wi := as(auth.RoleGridWorker)
	heating, _ := as(auth.RoleDepartment)
	ru := city.Users[ri]
	b := city.Buildings[city.Households[city.Residents[ru.Resident].Household].Building]
	for _, i := range []int{si, wi} {
		if g := city.Users[i].Grants; g[len(g)-1].Region != b.Grid {
			t.Fatalf("%s does not work in the resident's grid %s", city.Users[i].Username, city.Regions[b.Grid].Name)
		}
	}
	sys := sysCtx()
	grid, err := w.Territory.FindRegionByCode(sys, city.Regions[b.Grid].Code)
	if err != nil {
		t.Fatal(err)
	}
	var buildingID int64
	list, _, err := w.Territory.FindBuildings(sys, territory.BuildingFilter{GridID: &grid.ID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range list {
		if x.Compound == city.Compounds[b.Compound].Name && x.Name == b.Name {
			buildingID = x.ID
		}
	}
	dept, err := w.Category.DepartmentFor(sys, "LE0102", grid.Path)
	if err != nil {
		t.Fatal(err)
	}

	c, err := svc.Report(auth.WithActor(context.Background(), resident), cases.ReportInput{
		Channel: cases.ChannelResident, Category: "LE0102", Urgency: category.Normal,
		Title: "楼道暖气管道漏水", Description: b.Name + "楼道暖气管道漏水，地面有积水", BuildingID: buildingID,
	})
	if err != nil {
		t.Fatalf("report as %s: %v", resident.Name, err)
	}
	if c.State != cases.Reported || c.GridID != grid.ID || c.QueuePath != grid.Path || c.DepartmentID != dept.ID || c.ReporterUserID != resident.UserID {
		t.Fatalf("reported: %s in grid %d (queue %s) for department %d; want grid %d (%s), the heating company %d",
			c.State, c.GridID, c.QueuePath, c.DepartmentID, grid.ID, grid.Path, dept.ID)
	}
	act := func(a *auth.Actor, in cases.ActInput, want cases.State) {
		t.Helper()
		clk.Add(10 * time.Minute)
		in.Version = c.Version
		out, err := svc.Act(auth.WithActor(context.Background(), a), c.ID, in)
		if err != nil {
			t.Fatalf("%s as %s: %v", in.Action, a.Name, err)
		}
		if out.State != want {
			t.Fatalf("%s as %s: state %s, want %s", in.Action, a.Name, out.State, want)
		}
		c = out
	}
	act(secretary, cases.ActInput{Action: cases.ActRegister}, cases.Registered)
	act(secretary, cases.ActInput{Action: cases.ActDispatch, AssigneeDepartmentID: c.DepartmentID, Note: "请供热公司派人抢修"}, cases.Dispatched)
	if c.AssigneeDepartmentID != dept.ID || c.AssigneeName != "供热公司" {
		t.Errorf("dispatched to %d %q, want the heating company %d", c.AssigneeDepartmentID, c.AssigneeName, dept.ID)
	}
	act(heating, cases.ActInput{Action: cases.ActAccept}, cases.InProgress)
	act(heating, cases.ActInput{Action: cases.ActFeedback, Note: "已关阀更换管段，恢复供热，积水已清理"}, cases.Handled)
	if c.HandlerUserID != heating.UserID {
		t.Errorf("handled by %d, want the heating login %d", c.HandlerUserID, heating.UserID)
	}
	act(worker, cases.ActInput{Action: cases.ActVerifyOK, Note: "现场核查，已修复"}, cases.Verified)
	act(resident, cases.ActInput{Action: cases.ActRate, Rating: &cases.RatingInput{Satisfaction: cases.Satisfied, Stars: 5, Comment: "修得很快"}}, cases.Closed)
	if c.Tier != category.TierGrid || c.Rating == nil || c.Rating.Stars != 5 {
		t.Errorf("closed at %s tier, rating %+v", c.Tier, c.Rating)
	}
	if err := svc.VerifyHistory(sys, c.ID); err != nil {
		t.Errorf("history: %v", err)
	}
}

// TestLoadCommunity loads one community of the default district — 水韵社区
// with 水韵名都, its street and district — and checks that a case there
// routes to the community's property company, then plays a case with the
// logins of 水韵名都 27号楼's grid.
func TestLoadCommunity(t *testing.T) {
	full := Generate(Options{Seed: 1, HouseholdScale: 0.05})
	focus := full.FocusBuilding()
	community := full.Regions[full.Buildings[focus].Grid].Parent
	keep := map[int]bool{}
	for r := community; r >= 0; r = full.Regions[r].Parent {
		keep[r] = true
	}
	city := subCity(full, func(r int) bool { return keep[r] || full.Regions[r].Parent == community })
	if city.FocusBuilding() < 0 {
		t.Fatal("the community lost 水韵名都 27号楼")
	}
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		if err := Load(context.Background(), db, city, w.Deps, nil); err != nil {
			t.Fatalf("Load: %v", err)
		}
		seedCaseLoop(t, w)
		checkRouting(t, w, city)
		playCase(t, w, db, city)
	})
}

// subCity returns the part of c in the regions keep accepts, reindexed:
// keep must accept the parents of what it accepts. Records in other
// regions, or referring to records left out, are left out.
func subCity(c *City, keep func(r int) bool) *City {
	out := &City{Seed: c.Seed, Size: c.Size, Name: c.Name, AsOf: c.AsOf}
	index := func(n int) []int {
		m := make([]int, n)
		for i := range m {
			m[i] = -1
		}
		return m
	}
	// at maps an index through m, keeping -1.
	at := func(m []int, i int) int {
		if i < 0 {
			return -1
		}
		return m[i]
	}
	// gone reports whether a reference i (≥ 0) was left out.
	gone := func(m []int, i int) bool { return i >= 0 && m[i] < 0 }

	reg := index(len(c.Regions))
	for i, r := range c.Regions {
		if !keep(i) || gone(reg, r.Parent) {
			continue
		}
		r.Parent = at(reg, r.Parent)
		reg[i] = len(out.Regions)
		out.Regions = append(out.Regions, r)
	}
	cp := index(len(c.Compounds))
	for i, x := range c.Compounds {
		if gone(reg, x.Community) {
			continue
		}
		x.Community = reg[x.Community]
		cp[i] = len(out.Compounds)
		out.Compounds = append(out.Compounds, x)
	}
	bd := index(len(c.Buildings))
	for i, x := range c.Buildings {
		if gone(reg, x.Grid) {
			continue
		}
		x.Grid, x.Compound = reg[x.Grid], cp[x.Compound]
		bd[i] = len(out.Buildings)
		out.Buildings = append(out.Buildings, x)
	}
	hh := index(len(c.Households))
	for i, x := range c.Households {
		if gone(bd, x.Building) {
			continue
		}
		x.Building = bd[x.Building]
		hh[i] = len(out.Households)
		out.Households = append(out.Households, x)
	}
	rs := index(len(c.Residents))
	for i, x := range c.Residents {
		if gone(hh, x.Household) {
			continue
		}
		x.Household = hh[x.Household]
		rs[i] = len(out.Residents)
		out.Residents = append(out.Residents, x)
	}
	org := index(len(c.PartyOrgs))
	for i, x := range c.PartyOrgs {
		if gone(org, x.Parent) || gone(reg, x.Region) || gone(bd, x.Building) {
			continue
		}
		x.Parent, x.Region, x.Building = at(org, x.Parent), at(reg, x.Region), at(bd, x.Building)
		org[i] = len(out.PartyOrgs)
		out.PartyOrgs = append(out.PartyOrgs, x)
	}
	for _, x := range c.PartyMembers {
		if gone(rs, x.Resident) || gone(org, x.Org) {
			continue
		}
		x.Resident, x.Org = rs[x.Resident], org[x.Org]
		out.PartyMembers = append(out.PartyMembers, x)
	}
	for _, x := range c.ServicePoints {
		if gone(reg, x.Region) {
			continue
		}
		x.Region = reg[x.Region]
		out.ServicePoints = append(out.ServicePoints, x)
	}
	dp := index(len(c.Departments))
	for i, x := range c.Departments {
		if gone(reg, x.Region) {
			continue
		}
		x.Region = reg[x.Region]
		dp[i] = len(out.Departments)
		out.Departments = append(out.Departments, x)
	}
users:
	for _, u := range c.Users {
		if gone(rs, u.Resident) || gone(bd, u.Building) || gone(dp, u.Dept) {
			continue
		}
		grants := make([]Grant, len(u.Grants))
		for k, g := range u.Grants {
			if gone(reg, g.Region) || gone(org, g.Org) {
				continue users
			}
			grants[k] = Grant{Role: g.Role, Kind: g.Kind, Region: at(reg, g.Region), Org: at(org, g.Org)}
		}
		u.Grants, u.Resident, u.Building, u.Dept = grants, at(rs, u.Resident), at(bd, u.Building), at(dp, u.Dept)
		out.Users = append(out.Users, u)
	}
	return out
}
