package web_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// TestScopeIsolation: a grid worker of grid A can neither read nor change
// anything in grid B; a street dispatcher sees every grid of its street and
// nothing of the next street.
func TestScopeIsolation(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		gridA, gridA2, gridB := f.regions["330110001001001"], f.regions["330110001001002"], f.regions["330110002001001"]

		gw := f.login(t, "gw_a")
		st, body := gw.do("GET", "/api/v1/regions?level=grid", "")
		if got := items(t, body, "code"); st != 200 || !slices.Equal(got, []string{gridA.Code}) {
			t.Errorf("grid worker lists grids %v (%d), want only %s", got, st, gridA.Code)
		}
		for _, path := range []string{
			"/api/v1/regions/" + id(gridA2.ID),
			"/api/v1/regions/" + id(gridB.ID),
			"/api/v1/buildings/" + id(f.bldg[gridB.Code]),
			"/api/v1/buildings/" + id(f.bldg[gridA2.Code]),
		} {
			if st, body := gw.do("GET", path, ""); st != 403 {
				t.Errorf("grid worker GET %s = %d %s, want 403", path, st, body)
			}
		}
		if st, body := gw.do("GET", "/api/v1/buildings/"+id(f.bldg[gridA.Code]), ""); st != 200 {
			t.Errorf("grid worker reads own building: %d %s", st, body)
		}
		st, body = gw.do("GET", "/api/v1/buildings?limit=100", "")
		if st != 200 || strings.Count(body, `"id"`) != 1 {
			t.Errorf("grid worker building list = %d %s, want exactly its own building", st, body)
		}
		// Changing grid B: creating a building there and renaming it are refused, and nothing is written.
		if st, body := gw.do("POST", "/api/v1/buildings", `{"grid_id":`+id(gridB.ID)+`,"compound":"南湖家园","name":"1号楼","kind":"building"}`); st != 403 {
			t.Errorf("grid worker creates a building in grid B: %d %s, want 403", st, body)
		}
		if st, body := gw.do("PATCH", "/api/v1/regions/"+id(gridB.ID), `{"name":"改名"}`); st != 403 {
			t.Errorf("grid worker renames grid B: %d %s, want 403", st, body)
		}
		admin := f.login(t, "admin")
		st, body = admin.do("GET", "/api/v1/buildings?subtree_of="+id(gridB.ID), "")
		if st != 200 || strings.Count(body, `"id"`) != 1 || strings.Contains(body, "南湖家园") {
			t.Errorf("grid B after refused writes: %d %s", st, body)
		}
		if st, body := admin.do("GET", "/api/v1/regions/"+id(gridB.ID), ""); !strings.Contains(body, "南湖社区第1网格") {
			t.Errorf("grid B renamed after a refused write: %d %s", st, body)
		}

		disp := f.login(t, "disp_a")
		st, body = disp.do("GET", "/api/v1/regions?level=grid", "")
		if got := items(t, body, "code"); st != 200 || !slices.Equal(got, []string{gridA.Code, gridA2.Code}) {
			t.Errorf("street dispatcher lists grids %v (%d), want both grids of its street", got, st)
		}
		if st, _ := disp.do("GET", "/api/v1/regions/"+id(gridB.ID), ""); st != 403 {
			t.Errorf("street dispatcher reads a grid of the next street: %d, want 403", st)
		}
		if st, body := disp.do("GET", "/api/v1/buildings?limit=100", ""); st != 200 || strings.Count(body, `"id"`) != 2 {
			t.Errorf("street dispatcher building list = %d %s, want the 2 buildings of its street", st, body)
		}
		// A street admin cannot grant a role in the next street.
		adminA := f.login(t, "admin_a")
		st, body = adminA.do("POST", "/api/v1/users", `{"username":"gw_b","display_name":"B","password":"`+testPassword+`","grants":[{"role":"grid_worker","scope_kind":"region","scope_id":`+id(gridB.ID)+`}]}`)
		if st != 403 {
			t.Errorf("street admin grants in the next street: %d %s, want 403", st, body)
		}
		if st, body := admin.do("GET", "/api/v1/users?q=gw_b", ""); st != 200 || strings.Contains(body, "gw_b") {
			t.Errorf("refused user was written: %d %s", st, body)
		}
	})
}

// TestAPIErrors: bad input names the field, in the user's language, and
// writes nothing; anonymous requests are refused.
func TestAPIErrors(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		anon := f.client(t)
		if st, _ := anon.do("GET", "/api/v1/regions", ""); st != 401 {
			t.Errorf("anonymous list: %d, want 401", st)
		}
		st, body := anon.do("POST", "/api/v1/auth/login", `{"username":"gw_a","password":"wrong-pass1"}`)
		st2, body2 := anon.do("POST", "/api/v1/auth/login", `{"username":"nobody","password":"wrong-pass1"}`)
		if st != 401 || st2 != 401 || body != body2 {
			t.Errorf("wrong password %d %s vs unknown user %d %s: want the same 401", st, body, st2, body2)
		}

		admin := f.login(t, "admin")
		street := f.regions["330110001000"]
		cases := []struct {
			name, body, lang, field, fragment string
			status                            int
		}{
			{"short code", `{"parent_id":` + id(street.ID) + `,"level":"village","code":"33011000100","name":"新社区"}`, "", "code", "位", 400},
			{"code outside parent", `{"parent_id":` + id(street.ID) + `,"level":"village","code":"330110002005","name":"新社区"}`, "", "code", "", 400},
			{"english message", `{"parent_id":` + id(street.ID) + `,"level":"village","code":"3301100010AB","name":"新社区"}`, "en", "code", "digit", 400},
			{"duplicate code", `{"parent_id":` + id(street.ID) + `,"level":"village","code":"330110001001","name":"重复"}`, "", "code", "", 409},
			{"unknown field", `{"parent_id":1,"levle":"grid"}`, "", "levle", "", 400},
			{"not json", `{"parent_id":`, "", "", "JSON", 400},
		}
		for _, c := range cases {
			admin.lang = c.lang
			st, body := admin.do("POST", "/api/v1/regions", c.body)
			var e struct{ Code, Message, Field string }
			_ = jsonUnmarshal(body, &e)
			if st != c.status || e.Field != c.field || !strings.Contains(e.Message, c.fragment) || e.Message == "" {
				t.Errorf("%s: %d %s; want %d on field %q mentioning %q", c.name, st, body, c.status, c.field, c.fragment)
			}
		}
		admin.lang = ""
		if st, body := admin.do("GET", "/api/v1/regions?level=village&limit=100", ""); strings.Contains(body, "新社区") || strings.Contains(body, "重复") {
			t.Errorf("a refused region was written: %d %s", st, body)
		}
		if st, body := admin.do("GET", "/api/v1/regions/abc", ""); st != 400 || !strings.Contains(body, `"field":"id"`) {
			t.Errorf("bad id: %d %s", st, body)
		}
	})
}

// TestHealthAndMetrics: /healthz answers with the database and /metrics
// exposes the request counters.
func TestHealthAndMetrics(t *testing.T) {
	f := newFixture(t, sqliteDB(t))
	c := f.client(t)
	if st, body := c.do("GET", "/healthz", ""); st != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Errorf("healthz: %d %s", st, body)
	}
	c.do("GET", "/api/v1/regions", "")
	if st, body := c.do("GET", "/metrics", ""); st != 200 || !strings.Contains(body, `gridwork_http_requests_total{method="GET",route="GET /api/v1/regions",status="401"} 1`) {
		t.Errorf("metrics: %d, missing the request counter:\n%.2000s", st, body)
	}
	if st, body := c.do("GET", "/", ""); st != 200 || !strings.Contains(body, "网格化服务管理") {
		t.Errorf("home page: %d %.300s", st, body)
	}
}
