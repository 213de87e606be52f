package people_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// testKey is a fixed master key so that failures are reproducible.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// fixedNow is the clock of every test database.
var fixedNow = time.Date(2026, 3, 6, 9, 30, 0, 0, time.UTC)

func now() time.Time { return fixedNow }

// The territory of the tests:
//
//	1 district 110105            /1/
//	├─ 2 street A 110105001      /1/2/
//	│  └─ 3 community            /1/2/3/
//	│     ├─ 4 grid A            /1/2/3/4/   building 1, unit 1, household 1
//	│     └─ 5 grid B            /1/2/3/5/   building 2, unit 2, household 2
//	└─ 6 street B 110105002      /1/6/
//	   └─ 7 community            /1/6/7/
//	      └─ 8 grid C            /1/6/7/8/   building 3, unit 3, household 3
const (
	district, streetA, communityA, gridA, gridB, streetB, communityB, gridC = 1, 2, 3, 4, 5, 6, 7, 8
	householdA, householdB, householdC                                      = 1, 2, 3
)

var paths = map[int64]string{
	district: "/1/", streetA: "/1/2/", communityA: "/1/2/3/", gridA: "/1/2/3/4/", gridB: "/1/2/3/5/",
	streetB: "/1/6/", communityB: "/1/6/7/", gridC: "/1/6/7/8/",
}

// gridOfHousehold maps each test household to its grid.
var gridOfHousehold = map[int64]int64{householdA: gridA, householdB: gridB, householdC: gridC}

// seedTerritory inserts the regions, buildings, units and households above
// with plain SQL, as the territory package's migrations define them.
func seedTerritory(t testing.TB, db *sqldb.DB) {
	t.Helper()
	ctx := context.Background()
	regions := []struct {
		id, parent  int64
		level, kind string
		code, name  string
	}{
		{district, 0, "county", "district", "110105", "朝阳区"},
		{streetA, district, "township", "street", "110105001", "建外街道"},
		{communityA, streetA, "village", "community", "110105001001", "永安里社区"},
		{gridA, communityA, "grid", "grid", "110105001001001", "第一网格"},
		{gridB, communityA, "grid", "grid", "110105001001002", "第二网格"},
		{streetB, district, "township", "street", "110105002", "朝外街道"},
		{communityB, streetB, "village", "community", "110105002001", "吉祥里社区"},
		{gridC, communityB, "grid", "grid", "110105002001001", "第一网格"},
	}
	err := db.Transact(ctx, func(tx *sqldb.Tx) error {
		for _, r := range regions {
			var parent any
			if r.parent != 0 {
				parent = r.parent
			}
			if _, err := tx.Exec(ctx, `INSERT INTO regions (id, parent_id, level, kind, code, name, path, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, r.id, parent, r.level, r.kind, r.code, r.name, paths[r.id], tx.Now); err != nil {
				return fmt.Errorf("region %d: %w", r.id, err)
			}
		}
		for h := int64(1); h <= 3; h++ {
			grid := gridOfHousehold[h]
			if _, err := tx.Exec(ctx, `INSERT INTO buildings (id, grid_id, region_path, compound, name, kind, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, 'building', $6, $6)`, h, grid, paths[grid], "幸福里", fmt.Sprintf("%d号楼", h), tx.Now); err != nil {
				return fmt.Errorf("building %d: %w", h, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO units (id, building_id, name, created_at, updated_at) VALUES ($1, $1, '1', $2, $2)`, h, tx.Now); err != nil {
				return fmt.Errorf("unit %d: %w", h, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO households (id, unit_id, building_id, region_path, room, kind, created_at, updated_at)
				VALUES ($1, $1, $1, $2, '101', 'owner', $3, $3)`, h, paths[grid], tx.Now); err != nil {
				return fmt.Errorf("household %d: %w", h, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed territory: %v", err)
	}
	if db.Dialect == sqldb.Postgres {
		// Rows were inserted with explicit ids: move the identity sequences past them.
		for _, table := range []string{"regions", "buildings", "units", "households"} {
			if _, err := db.WriterPool().ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), 100)`); err != nil {
				t.Fatalf("reset sequence of %s: %v", table, err)
			}
		}
	}
}

// newService returns a service on a seeded database.
func newService(t testing.TB, db *sqldb.DB) *people.Service {
	t.Helper()
	seedTerritory(t, db)
	keys, err := people.NewKeyring(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return people.NewService(db, keys)
}

// mustCreateOrg creates a party organisation or fails the test.
func mustCreateOrg(ctx context.Context, t testing.TB, s *people.Service, in people.OrgInput) *people.Org {
	t.Helper()
	o, err := s.CreateOrg(ctx, in)
	if err != nil {
		t.Fatalf("CreateOrg(%s): %v", in.Name, err)
	}
	return o
}

// as returns a context acting as a user holding role at the region.
func as(userID int64, name string, role auth.Role, region int64) context.Context {
	return auth.WithActor(context.Background(), &auth.Actor{UserID: userID, Name: name, Grants: []auth.Grant{
		{Role: role, Scope: auth.Scope{Kind: auth.ScopeRegion, ID: region, Path: paths[region]}},
	}})
}

func system() context.Context { return auth.WithActor(context.Background(), auth.SystemActor()) }

// validID returns a valid ID number with the given 17-digit body, computing
// the check character with the package's own function.
func validID(body string) string { return body + string(people.IDCheckChar(body)) }

// count returns the rows of a table.
func count(t testing.TB, db *sqldb.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}
