package category_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/territory"
)

var testNow = time.Date(2026, 3, 6, 22, 40, 0, 0, time.UTC)

// The seed's size: the shared file and Gridwork's local rows.
const (
	standardRows = 293
	localRows    = 49
)

func opts() sqldbtest.Options { return sqldbtest.Options{Now: func() time.Time { return testNow }} }

// sys is a context acting as the system.
func sys() context.Context { return auth.WithActor(context.Background(), auth.SystemActor()) }

// as returns a context acting with one role at region r.
func as(role auth.Role, r *territory.Region) context.Context {
	return auth.WithActor(context.Background(), &auth.Actor{UserID: 7, Name: string(role),
		Grants: []auth.Grant{{Role: role, Scope: auth.Scope{Kind: auth.ScopeRegion, ID: r.ID, Path: r.Path}}}})
}

// world is a small district with the building of the acceptance story.
//
//	110105 朝阳区 (district)
//	├── 110105001000 建外街道 (street A)
//	│   ├── 110105001001 水韵名都社区 (community A1): grid A1-1
//	│   └── 110105001002 永安里社区 (community A2)
//	└── 110105002000 朝外街道 (street B)
//	    └── 110105002001 吉祥里社区 (community B1)
type world struct {
	db                       *sqldb.DB
	svc                      *category.Service
	county, streetA, streetB *territory.Region
	commA1, commA2, commB1   *territory.Region
	gridA11                  *territory.Region
}

func newWorld(t testing.TB, db *sqldb.DB) *world {
	t.Helper()
	ter := territory.NewService(db)
	w := &world{db: db, svc: category.NewService(db, calendar.NewService(db, calendar.Options{}))}
	mk := func(parent int64, level territory.Level, code, name string) *territory.Region {
		t.Helper()
		r, err := ter.CreateRegion(sys(), territory.RegionInput{ParentID: parent, Level: level, Code: code, Name: name})
		if err != nil {
			t.Fatalf("create region %s: %v", code, err)
		}
		return r
	}
	w.county = mk(0, territory.LevelCounty, "110105", "朝阳区")
	w.streetA = mk(w.county.ID, territory.LevelTownship, "110105001000", "建外街道")
	w.streetB = mk(w.county.ID, territory.LevelTownship, "110105002000", "朝外街道")
	w.commA1 = mk(w.streetA.ID, territory.LevelVillage, "110105001001", "水韵名都社区")
	w.commA2 = mk(w.streetA.ID, territory.LevelVillage, "110105001002", "永安里社区")
	w.commB1 = mk(w.streetB.ID, territory.LevelVillage, "110105002001", "吉祥里社区")
	w.gridA11 = mk(w.commA1.ID, territory.LevelGrid, "110105001001001", "水韵名都第一网格")
	return w
}

// seededWorld seeds the dictionary of w.
func seededWorld(t testing.TB, w *world) *world {
	t.Helper()
	if _, err := w.svc.SeedDefaults(sys()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return w
}

// mustUser inserts an account with grants and returns its id.
func mustUser(t *testing.T, db *sqldb.DB, name string, grants ...auth.Grant) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := db.Transact(ctx, func(tx *sqldb.Tx) error {
		var err error
		id, err = tx.InsertID(ctx, `INSERT INTO users (username, display_name, password_hash, password_changed_at, created_at, updated_at)
			VALUES ($1, $1, 'x', $2, $2, $2) RETURNING id`, name, tx.Now)
		if err != nil {
			return err
		}
		for _, g := range grants {
			if _, err := tx.Exec(ctx, `INSERT INTO user_grants (user_id, role, scope_kind, scope_id, scope_path, created_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, id, string(g.Role), string(g.Scope.Kind), g.Scope.ID, g.Scope.Path, tx.Now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	return id
}

// grantAt is a grant of role at region r.
func grantAt(role auth.Role, r *territory.Region) auth.Grant {
	return auth.Grant{Role: role, Scope: auth.Scope{Kind: auth.ScopeRegion, ID: r.ID, Path: r.Path}}
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

// count returns the number of rows in table.
func count(t *testing.T, db *sqldb.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), fmt.Sprintf("SELECT count(*) FROM %s", table)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func ptr[T any](v T) *T { return &v }

// mustCategory loads a category or fails.
func mustCategory(t *testing.T, svc *category.Service, code string) *category.Category {
	t.Helper()
	c, err := svc.FindCategoryByCode(sys(), code)
	if err != nil {
		t.Fatalf("find %s: %v", code, err)
	}
	return c
}
