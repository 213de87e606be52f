package territory_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/territory"
)

var testNow = time.Date(2026, 3, 6, 9, 30, 0, 0, time.UTC)

// sys is a context acting as the system.
func sys() context.Context { return auth.WithActor(context.Background(), auth.SystemActor()) }

// as returns a context acting with one role at region r.
func as(role auth.Role, r *territory.Region) context.Context {
	return auth.WithActor(context.Background(), &auth.Actor{UserID: 7, Name: string(role),
		Grants: []auth.Grant{{Role: role, Scope: auth.Scope{Kind: auth.ScopeRegion, ID: r.ID, Path: r.Path}}}})
}

// world is a small district: two streets, three communities, four grids.
//
//	110105 朝阳区
//	├── 110105001000 建外街道 (street A)
//	│   ├── 110105001001 建国里社区 (community A1): grids A1-1, A1-2
//	│   └── 110105001002 永安里社区 (community A2): grid A2-1
//	└── 110105002000 朝外街道 (street B)
//	    └── 110105002001 吉祥里社区 (community B1): grid B1-1
type world struct {
	db                                *sqldb.DB
	svc                               *territory.Service
	county, streetA, streetB          *territory.Region
	commA1, commA2, commB1            *territory.Region
	gridA11, gridA12, gridA21, gridB1 *territory.Region
}

func newWorld(t *testing.T, db *sqldb.DB) *world {
	t.Helper()
	w := &world{db: db, svc: territory.NewService(db)}
	w.county = mustRegion(t, w.svc, 0, territory.LevelCounty, "110105", "朝阳区")
	w.streetA = mustRegion(t, w.svc, w.county.ID, territory.LevelTownship, "110105001000", "建外街道")
	w.streetB = mustRegion(t, w.svc, w.county.ID, territory.LevelTownship, "110105002000", "朝外街道")
	w.commA1 = mustRegion(t, w.svc, w.streetA.ID, territory.LevelVillage, "110105001001", "建国里社区")
	w.commA2 = mustRegion(t, w.svc, w.streetA.ID, territory.LevelVillage, "110105001002", "永安里社区")
	w.commB1 = mustRegion(t, w.svc, w.streetB.ID, territory.LevelVillage, "110105002001", "吉祥里社区")
	w.gridA11 = mustRegion(t, w.svc, w.commA1.ID, territory.LevelGrid, "110105001001001", "建国里第一网格")
	w.gridA12 = mustRegion(t, w.svc, w.commA1.ID, territory.LevelGrid, "110105001001002", "建国里第二网格")
	w.gridA21 = mustRegion(t, w.svc, w.commA2.ID, territory.LevelGrid, "110105001002001", "永安里第一网格")
	w.gridB1 = mustRegion(t, w.svc, w.commB1.ID, territory.LevelGrid, "110105002001001", "吉祥里第一网格")
	return w
}

func mustRegion(t *testing.T, svc *territory.Service, parent int64, level territory.Level, code, name string) *territory.Region {
	t.Helper()
	r, err := svc.CreateRegion(sys(), territory.RegionInput{ParentID: parent, Level: level, Code: code, Name: name})
	if err != nil {
		t.Fatalf("create region %s: %v", code, err)
	}
	return r
}

// polygonJSON returns a GeoJSON Polygon with one ring.
func polygonJSON(pts ...[2]float64) []byte {
	ring := append(append([][2]float64{}, pts...), pts[0])
	b, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{ring}})
	return b
}

// box returns a rectangle boundary.
func box(x0, y0, x1, y1 float64) []byte {
	return polygonJSON([2]float64{x0, y0}, [2]float64{x1, y0}, [2]float64{x1, y1}, [2]float64{x0, y1})
}

func mustBoundary(t *testing.T, svc *territory.Service, r *territory.Region, geo []byte, from time.Time) {
	t.Helper()
	if err := svc.SetBoundary(sys(), r.ID, geo, from); err != nil {
		t.Fatalf("set boundary of %s: %v", r.Code, err)
	}
}

// wantErr fails unless err is an apperr with code and field.
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

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func codes(rs []*territory.Region) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}
