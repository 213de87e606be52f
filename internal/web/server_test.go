package web_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/ledger"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/territory"
	"github.com/gridwork/gridwork/internal/web"
)

// fixture is a small district: two streets, a community in each, two grids
// in the first community and one in the second, a building per grid, and
// users at several scopes.
type fixture struct {
	srv     *httptest.Server
	rec     *recorder
	regions map[string]*territory.Region // by code
	bldg    map[string]int64             // grid code → building id
}

const testPassword = "Passw0rd!"

func newFixture(t *testing.T, db *sqldb.DB) *fixture {
	t.Helper()
	ctx := auth.WithActor(context.Background(), auth.SystemActor())
	terr := territory.NewService(db)
	master, _ := people.ParseKey(strings.Repeat("ab", 32))
	keys, err := people.NewKeyring(master)
	if err != nil {
		t.Fatal(err)
	}
	ppl := people.NewService(db, keys)
	resolve := func(ctx context.Context, kind auth.ScopeKind, id int64) (string, error) {
		if kind == auth.ScopeParty {
			return ppl.OrgPathOf(ctx, id)
		}
		return terr.PathOf(ctx, id)
	}
	au := auth.NewService(db, resolve, auth.Options{Argon2: auth.FastArgon2()})
	f := &fixture{regions: map[string]*territory.Region{}, bldg: map[string]int64{}}
	add := func(parent, level, code, name string) {
		in := territory.RegionInput{Level: territory.Level(level), Code: code, Name: name}
		if parent != "" {
			in.ParentID = f.regions[parent].ID
		}
		r, err := terr.CreateRegion(ctx, in)
		if err != nil {
			t.Fatalf("create region %s: %v", code, err)
		}
		f.regions[code] = r
	}
	add("", "county", "330110", "余杭区")
	add("330110", "township", "330110001000", "临江街道")
	add("330110", "township", "330110002000", "南湖街道")
	add("330110001000", "village", "330110001001", "水韵社区")
	add("330110002000", "village", "330110002001", "南湖社区")
	add("330110001001", "grid", "330110001001001", "水韵社区第1网格")
	add("330110001001", "grid", "330110001001002", "水韵社区第2网格")
	add("330110002001", "grid", "330110002001001", "南湖社区第1网格")
	for _, g := range []string{"330110001001001", "330110001001002", "330110002001001"} {
		b, err := terr.CreateBuilding(ctx, territory.BuildingInput{GridID: f.regions[g].ID, Compound: "水韵名都", Name: "27号楼", Kind: territory.BuildingKind("building")})
		if err != nil {
			t.Fatalf("create building in %s: %v", g, err)
		}
		f.bldg[g] = b.ID
	}
	user := func(name string, role auth.Role, code string) {
		_, err := au.CreateUser(ctx, auth.UserInput{Username: name, DisplayName: name, Password: testPassword,
			Grants: []auth.GrantInput{{Role: role, ScopeKind: auth.ScopeRegion, ScopeID: f.regions[code].ID}}})
		if err != nil {
			t.Fatalf("create user %s: %v", name, err)
		}
	}
	user("gw_a", auth.RoleGridWorker, "330110001001001")
	user("disp_a", auth.RoleDispatcher, "330110001000")
	user("admin_a", auth.RoleAdmin, "330110001000")
	user("admin", auth.RoleAdmin, "330110")

	srv := web.New(adminDeps(db, web.Deps{Logger: slog.New(slog.DiscardHandler), DB: db, Auth: au, Territory: terr, People: ppl, Ledger: ledger.NewImporter(db, terr, ppl), Exporter: ledger.NewExporter(terr, ppl)}))
	f.srv = httptest.NewServer(srv)
	f.rec = &recorder{}
	t.Cleanup(f.srv.Close)
	// Runs before the server closes: every exchange of the test must match
	// the OpenAPI document.
	t.Cleanup(func() {
		oa := loadOpenAPI(t, f.client(t))
		for _, e := range f.rec.all {
			if err := oa.check(e); err != nil {
				t.Errorf("OpenAPI: %v", err)
			}
		}
	})
	return f
}

func sqliteDB(t *testing.T) *sqldb.DB { return sqldbtest.SQLite(t, sqldbtest.Options{}) }

// client is a browser-like client with its own cookie jar.
type client struct {
	t    *testing.T
	rec  *recorder
	base string
	http *http.Client
	lang string
}

func (f *fixture) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, rec: f.rec, base: f.srv.URL, http: &http.Client{Jar: jar}}
}

func (f *fixture) login(t *testing.T, username string) *client {
	t.Helper()
	c := f.client(t)
	if st, body := c.do("POST", "/api/v1/auth/login", `{"username":"`+username+`","password":"`+testPassword+`"}`); st != 200 {
		t.Fatalf("login %s: %d %s", username, st, body)
	}
	return c
}

// do sends a JSON body (none when empty) and returns the status and body.
func (c *client) do(method, path, body string) (int, string) {
	c.t.Helper()
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	st, b, _ := c.send(method, path, ct, body)
	return st, b
}

// items decodes a list response into the codes or names of its items.
func items(t *testing.T, body, key string) []string {
	t.Helper()
	var p struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	var out []string
	for _, it := range p.Items {
		out = append(out, it[key].(string))
	}
	return out
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
