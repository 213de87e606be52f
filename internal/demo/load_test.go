package demo

import (
	"context"
	"encoding/base64"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/territory"
)

// world is the domain services on a test database, wired as cmd/gridwork
// does: what Load writes through, and what the case loop needs besides.
type world struct {
	Deps
	keys *people.Keyring
	cal  *calendar.Service
}

// newDeps wires the services Load writes through on db.
func newDeps(t testing.TB, db *sqldb.DB) Deps {
	t.Helper()
	return newWorld(t, db).Deps
}

// newWorld wires the domain services on db as cmd/gridwork does.
func newWorld(t testing.TB, db *sqldb.DB) *world {
	t.Helper()
	key, err := people.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	master, _ := base64.StdEncoding.DecodeString(key)
	keys, err := people.NewKeyring(master)
	if err != nil {
		t.Fatal(err)
	}
	terr := territory.NewService(db)
	ppl := people.NewService(db, keys)
	resolve := func(ctx context.Context, kind auth.ScopeKind, id int64) (string, error) {
		if kind == auth.ScopeParty {
			return ppl.OrgPathOf(ctx, id)
		}
		return terr.PathOf(context.Background(), id)
	}
	au := auth.NewService(db, resolve, auth.Options{Argon2: auth.FastArgon2(), Logger: slog.New(slog.DiscardHandler)})
	cal := calendar.NewService(db, calendar.Options{})
	cat := category.NewService(db, cal)
	return &world{Deps: Deps{Territory: terr, People: ppl, Auth: au, Category: cat}, keys: keys, cal: cal}
}

func TestLoadVillage(t *testing.T) {
	city := Generate(Options{Seed: 11, Size: SizeVillage, HouseholdScale: 0.2})
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		w := newWorld(t, db)
		deps := w.Deps
		var calls, done, total int
		err := Load(ctx, db, city, deps, func(d, n int) { calls, done, total = calls+1, d, n })
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if calls < 2 || done != total || total == 0 {
			t.Errorf("progress: %d calls, last %d of %d; want it to end at the total", calls, done, total)
		}

		sys := auth.WithActor(ctx, auth.SystemActor())
		count := func(what string, got int, err error, want int) {
			t.Helper()
			if err != nil {
				t.Fatalf("count %s: %v", what, err)
			}
			if got != want {
				t.Errorf("%s: %d in the database, want %d", what, got, want)
			}
		}
		_, n, err := deps.Territory.FindRegions(sys, territory.RegionFilter{})
		count("regions", n, err, len(city.Regions))
		_, n, err = deps.Territory.FindBuildings(sys, territory.BuildingFilter{})
		count("buildings", n, err, len(city.Buildings))
		_, n, err = deps.Territory.FindHouseholds(sys, territory.HouseholdFilter{})
		count("households", n, err, len(city.Households))
		_, n, err = deps.People.FindResidents(sys, people.ResidentFilter{})
		count("residents", n, err, len(city.Residents))
		_, n, err = deps.People.FindOrgs(sys, people.OrgFilter{})
		count("party organisations", n, err, len(city.PartyOrgs))
		_, n, err = deps.People.FindMembers(sys, people.MemberFilter{})
		count("party members", n, err, len(city.PartyMembers))
		_, n, err = deps.Territory.FindServicePoints(sys, territory.ServicePointFilter{})
		count("service points", n, err, len(city.ServicePoints))
		_, n, err = deps.Auth.FindUsers(sys, auth.UserFilter{})
		count("users", n, err, len(city.Users))
		alone := people.TagElderlyAlone
		_, n, err = deps.People.FindResidents(sys, people.ResidentFilter{Tag: &alone})
		want := 0
		for _, r := range city.Residents {
			for _, tag := range r.Tags {
				if tag == people.TagElderlyAlone {
					want++
				}
			}
		}
		count("elderly living alone", n, err, want)

		// The grid worker's login works and its grant covers exactly its grid.
		var login Login
		for _, l := range city.DemoLogins() {
			if l.Role == auth.RoleGridWorker {
				login = l
			}
		}
		token, _, err := deps.Auth.Login(ctx, login.Username, login.Password, auth.LoginMeta{IP: "127.0.0.1"}, "")
		if err != nil {
			t.Fatalf("login %s: %v", login.Username, err)
		}
		actor, _, err := deps.Auth.Authenticate(ctx, token)
		if err != nil {
			t.Fatalf("authenticate %s: %v", login.Username, err)
		}
		gi := -1
		for _, u := range city.Users {
			if u.Username == login.Username {
				gi = u.Grants[0].Region
			}
		}
		grid := city.Regions[gi]
		reg, err := deps.Territory.FindRegionByCode(sys, grid.Code)
		if err != nil {
			t.Fatal(err)
		}
		if len(actor.Grants) != 1 || actor.Grants[0].Role != auth.RoleGridWorker || actor.Grants[0].Scope.Path != reg.Path || reg.Name != login.Scope {
			t.Fatalf("%s grants %+v; want grid_worker at %s (%s, %s)", login.Username, actor.Grants, reg.Path, reg.Name, login.Scope)
		}
		// Its path is the ids of county → town → village → grid.
		wantPath := "/"
		for i := gi; i >= 0; i = city.Regions[i].Parent {
			anc, err := deps.Territory.FindRegionByCode(sys, city.Regions[i].Code)
			if err != nil {
				t.Fatal(err)
			}
			wantPath = "/" + strconv.FormatInt(anc.ID, 10) + wantPath
		}
		if reg.Path != wantPath || strings.Count(wantPath, "/") != 5 {
			t.Errorf("grid %s has path %s, want %s (four levels)", grid.Code, reg.Path, wantPath)
		}
		workerCtx := auth.WithActor(ctx, actor)
		_, n, err = deps.People.FindResidents(workerCtx, people.ResidentFilter{})
		gridResidents := 0
		for _, r := range city.Residents {
			if city.Regions[city.Buildings[city.Households[r.Household].Building].Grid].Code == grid.Code {
				gridResidents++
			}
		}
		count("residents the grid worker sees", n, err, gridResidents)

		_, n, err = deps.Category.FindDepartments(sys, category.DepartmentFilter{})
		count("departments", n, err, len(city.Departments))
		seedCaseLoop(t, w)
		checkRouting(t, w, city)
		playCase(t, w, db, city)
	})
}

// BenchmarkLoadDistrict loads the default district into a fresh SQLite
// file and reports the seconds each stage took.
func BenchmarkLoadDistrict(b *testing.B) {
	city := Generate(Options{Seed: 1})
	ctx := auth.WithActor(context.Background(), auth.SystemActor())
	for b.Loop() {
		b.StopTimer()
		db := sqldbtest.SQLite(b, sqldbtest.Options{})
		deps := newDeps(b, db)
		l := newLoader(db, city, deps, nil)
		b.StartTimer()
		for _, st := range l.steps() {
			start := time.Now()
			if err := st.fn(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(time.Since(start).Seconds(), strings.ReplaceAll(st.name, " ", "_")+"_s")
		}
	}
	b.ReportMetric(float64(len(city.Residents)), "residents")
}
