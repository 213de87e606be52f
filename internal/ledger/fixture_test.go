package ledger

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/territory"
)

// testKey is a fixed master key for the people service's encryption.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// fixture is a migrated database with the real services, a seeded region
// tree and the system actor:
//
//	county 110105
//	├─ street 110105001000 ─ community 110105001001 ─ grids 110105001001001…
//	└─ street 110105002000 ─ community 110105002001 ─ grid  110105002001001 (other)
type fixture struct {
	db     *sqldb.DB
	places *territory.Service
	people *people.Service
	im     *Importer
	ex     *Exporter
	ctx    context.Context // the system actor
	county *territory.Region
	grids  []*territory.Region
	other  *territory.Region // the grid of the second street
}

func newFixture(t testing.TB, db *sqldb.DB, grids int) *fixture {
	t.Helper()
	keys, err := people.NewKeyring(testKey)
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{db: db, places: territory.NewService(db), ctx: auth.WithActor(context.Background(), auth.SystemActor())}
	fx.people = people.NewService(db, keys)
	fx.im = NewImporter(db, fx.places, fx.people)
	fx.ex = NewExporter(fx.places, fx.people)
	mk := func(parent int64, level territory.Level, code, name string) *territory.Region {
		t.Helper()
		r, err := fx.places.CreateRegion(fx.ctx, territory.RegionInput{ParentID: parent, Level: level, Code: code, Name: name})
		if err != nil {
			t.Fatalf("seed region %s: %v", code, err)
		}
		return r
	}
	county := mk(0, territory.LevelCounty, "110105", "朝阳区")
	fx.county = county
	street := mk(county.ID, territory.LevelTownship, "110105001000", "建外街道")
	community := mk(street.ID, territory.LevelVillage, "110105001001", "永安里社区")
	for i := 1; i <= grids; i++ {
		fx.grids = append(fx.grids, mk(community.ID, territory.LevelGrid, fmt.Sprintf("110105001001%03d", i), fmt.Sprintf("第%d网格", i)))
	}
	street2 := mk(county.ID, territory.LevelTownship, "110105002000", "朝外街道")
	community2 := mk(street2.ID, territory.LevelVillage, "110105002001", "吉祥里社区")
	fx.other = mk(community2.ID, territory.LevelGrid, "110105002001001", "第一网格")
	return fx
}

// counts returns the number of rows of each place and people table.
func (fx *fixture) counts(t testing.TB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"buildings", "units", "households", "residents", "resident_tags"} {
		var n int
		if err := fx.db.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// importBytes imports a workbook as the actor in ctx.
func (fx *fixture) importBytes(t testing.TB, ctx context.Context, b []byte, opt ImportOptions) *Report {
	t.Helper()
	rep, err := fx.im.Import(ctx, bytes.NewReader(b), opt)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

// gridWorker returns a context whose actor is a grid worker of grid g.
func gridWorker(g *territory.Region) context.Context {
	a := &auth.Actor{UserID: 7, Name: "网格员", Grants: []auth.Grant{{Role: auth.RoleGridWorker,
		Scope: auth.Scope{Kind: auth.ScopeRegion, ID: g.ID, Path: g.Path}}}}
	return auth.WithActor(context.Background(), a)
}

// idNumber returns a valid national ID number: division 110105, the
// day-th birth date from 1940 on (see birthDate), sequence seq (0–999).
func idNumber(day, seq int) string {
	body := "110105" + birthDate(day) + fmt.Sprintf("%03d", seq)
	return body + string(people.IDCheckChar(body))
}

// birthDate returns the day-th of a run of real dates from 1940-01-01, 28
// per month, as YYYYMMDD.
func birthDate(day int) string {
	y := 1940 + day/336
	m := 1 + (day%336)/28
	d := 1 + day%28
	return fmt.Sprintf("%04d%02d%02d", y, m, d)
}

// badCheck returns id with a wrong check character.
func badCheck(id string) string {
	c := id[17]
	for _, x := range "0123456789X" {
		if byte(x) != c {
			return id[:17] + string(x)
		}
	}
	return id
}
