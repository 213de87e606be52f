package patrol_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/media"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/patrol"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/territory"
)

var discard = slog.New(slog.DiscardHandler)

// now is the tests' clock: 2026-03-06 10:00 in Shanghai.
var now = time.Date(2026, 3, 6, 2, 0, 0, 0, time.UTC)

func sys() context.Context { return auth.WithActor(context.Background(), auth.SystemActor()) }

func as(a *auth.Actor) context.Context { return auth.WithActor(context.Background(), a) }

// world: a community with two grids; grid 1 has a building with a unit
// and three households, grid 2 one household; a worker per grid, the
// community's admin and a resident.
type world struct {
	t                      testing.TB
	db                     *sqldb.DB
	svc                    *patrol.Service
	cases                  *cases.Service
	terr                   *territory.Service
	grid1, grid2, comm     *territory.Region
	building               *territory.Building
	hh1, hh2, hh3, hhOther int64
	worker1, worker2       *auth.Actor
	admin, resident        *auth.Actor
}

// countingReporter counts the reports it passes on.
type countingReporter struct {
	mu   sync.Mutex
	next patrol.Reporter
	n    int
}

func (c *countingReporter) Report(ctx context.Context, in cases.ReportInput) (*cases.Case, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.next.Report(ctx, in)
}

func newWorld(t testing.TB, db *sqldb.DB) (*world, *countingReporter) {
	t.Helper()
	ctx := sys()
	w := &world{t: t, db: db, terr: territory.NewService(db)}
	cal := calendar.NewService(db, calendar.Options{})
	if _, err := cal.SeedDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	cat := category.NewService(db, cal)
	if _, err := cat.SeedDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	users := auth.NewService(db, func(ctx context.Context, k auth.ScopeKind, id int64) (string, error) {
		return w.terr.PathOf(ctx, id)
	}, auth.Options{Argon2: auth.FastArgon2(), Logger: discard})
	keys, err := people.NewKeyring(bytes.Repeat([]byte{7}, people.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return now }
	w.cases = cases.NewService(cases.Deps{DB: db, Auth: users, Territory: w.terr, Keys: keys, Category: cat, Calendar: cal,
		Media: media.NewService(db, media.NewMemStore(), media.Options{}), Notify: notify.NewService(db, notify.Options{Logger: discard})},
		cases.Options{Now: clock, Logger: discard})
	rep := &countingReporter{next: w.cases}
	w.svc = patrol.NewService(db, w.terr, rep, patrol.Options{Now: clock})

	county := w.region(0, territory.LevelCounty, "370102", "历下区", box(116.9, 36.5, 117.1, 36.7))
	street := w.region(county.ID, territory.LevelTownship, "370102001000", "解放路街道", box(116.95, 36.55, 117.05, 36.65))
	w.comm = w.region(street.ID, territory.LevelVillage, "370102001001", "水韵社区", box(117.00, 36.60, 117.02, 36.62))
	w.grid1 = w.region(w.comm.ID, territory.LevelGrid, "370102001001001", "水韵第一网格", box(117.00, 36.60, 117.01, 36.61))
	w.grid2 = w.region(w.comm.ID, territory.LevelGrid, "370102001001002", "水韵第二网格", box(117.01, 36.60, 117.02, 36.61))
	if w.building, err = w.terr.CreateBuilding(ctx, territory.BuildingInput{GridID: w.grid1.ID, Compound: "水韵名都", Name: "27号楼", Kind: territory.BuildingKindBuilding}); err != nil {
		t.Fatal(err)
	}
	hh := func(b *territory.Building, room string) int64 {
		units, _, err := w.terr.FindUnits(ctx, territory.UnitFilter{BuildingID: &b.ID})
		if err != nil {
			t.Fatal(err)
		}
		var unit int64
		if len(units) > 0 {
			unit = units[0].ID
		} else {
			u, err := w.terr.CreateUnit(ctx, territory.UnitInput{BuildingID: b.ID, Name: "1单元"})
			if err != nil {
				t.Fatal(err)
			}
			unit = u.ID
		}
		h, err := w.terr.CreateHousehold(ctx, territory.HouseholdInput{UnitID: unit, Room: room, Kind: territory.HouseholdOwner})
		if err != nil {
			t.Fatal(err)
		}
		return h.ID
	}
	w.hh1, w.hh2, w.hh3 = hh(w.building, "101"), hh(w.building, "102"), hh(w.building, "201")
	other, err := w.terr.CreateBuilding(ctx, territory.BuildingInput{GridID: w.grid2.ID, Compound: "水韵名都", Name: "28号楼", Kind: territory.BuildingKindBuilding})
	if err != nil {
		t.Fatal(err)
	}
	w.hhOther = hh(other, "101")

	user := func(name string, g auth.GrantInput) *auth.Actor {
		var u *auth.User
		err := db.Transact(ctx, func(tx *sqldb.Tx) error {
			var err error
			u, err = users.CreateUserTx(ctx, tx, auth.UserInput{Username: name, DisplayName: name, Password: "secret123", Grants: []auth.GrantInput{g}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return &auth.Actor{UserID: u.ID, Name: u.DisplayName, Grants: u.Grants}
	}
	at := func(role auth.Role, r *territory.Region) auth.GrantInput {
		return auth.GrantInput{Role: role, ScopeKind: auth.ScopeRegion, ScopeID: r.ID, ScopePath: r.Path}
	}
	w.worker1 = user("worker1", at(auth.RoleGridWorker, w.grid1))
	w.worker2 = user("worker2", at(auth.RoleGridWorker, w.grid2))
	w.admin = user("admin", at(auth.RoleAdmin, w.comm))
	w.resident = user("resident", auth.GrantInput{Role: auth.RoleResident, ScopeKind: auth.ScopeSelf, ScopeID: w.grid1.ID, ScopePath: w.grid1.Path})
	return w, rep
}

func (w *world) region(parent int64, level territory.Level, code, name string, geo []byte) *territory.Region {
	w.t.Helper()
	r, err := w.terr.CreateRegion(sys(), territory.RegionInput{ParentID: parent, Level: level, Code: code, Name: name})
	if err != nil {
		w.t.Fatalf("region %s: %v", code, err)
	}
	if err := w.terr.SetBoundary(sys(), r.ID, geo, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		w.t.Fatalf("boundary %s: %v", code, err)
	}
	return r
}

func box(x0, y0, x1, y1 float64) []byte {
	ring := [][2]float64{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}
	b, _ := json.Marshal(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{ring}})
	return b
}

// count returns the number of rows of a table.
func (w *world) count(table string) int {
	w.t.Helper()
	var n int
	if err := w.db.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		w.t.Fatal(err)
	}
	return n
}

func wantErr(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != code || e.Field != field {
		t.Fatalf("error = %v, want %s on %q", err, code, field)
	}
	if e.Msg.ZH == "" || e.Msg.EN == "" {
		t.Errorf("error %v lacks a message in one language", err)
	}
}

func TestRecordVisit(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		w, rep := newWorld(t, db)
		in := patrol.VisitInput{
			IdempotencyKey: "visit-1", GridID: w.grid1.ID, Note: "例行走访",
			Households: []int64{w.hh2, w.hh1, w.hh2},
			Items: []patrol.ItemInput{
				{Kind: patrol.PolicyTalk, Note: "宣传医保缴费政策", HouseholdID: w.hh1},
				{Kind: patrol.Mediation, Note: "调解楼上漏水纠纷"},
				{Kind: patrol.Errand, Note: "代办高龄津贴", HouseholdID: w.hh2},
			},
			Findings: []patrol.FindingInput{{Category: "LE0102", Urgency: category.Normal, Title: "楼道暖气管道滴水", BuildingID: w.building.ID}},
		}
		v, err := w.svc.RecordVisit(as(w.worker1), in)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Items) != 4 || v.Items[3].Kind != patrol.Finding || v.Items[3].CaseID == 0 {
			t.Fatalf("items = %+v, want three items and a finding with its case", v.Items)
		}
		c, err := w.cases.FindCaseByID(as(w.worker1), v.Items[3].CaseID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Channel != cases.ChannelGridWorker || c.GridID != w.grid1.ID || c.ReporterUserID != w.worker1.UserID {
			t.Errorf("finding's case: channel %s grid %d reporter %d", c.Channel, c.GridID, c.ReporterUserID)
		}

		got, err := w.svc.FindVisitByID(as(w.worker1), v.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := &patrol.Visit{ID: v.ID, GridID: w.grid1.ID, RegionPath: w.grid1.Path, UserID: w.worker1.UserID, UserName: "worker1",
			VisitedOn: time.Date(2026, 3, 6, 0, 0, 0, 0, time.UTC), Note: "例行走访", Households: []int64{w.hh1, w.hh2},
			Items: v.Items, CreatedAt: got.CreatedAt}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("visit read back (-want +got):\n%s", d)
		}

		// Sent again (a flaky connection): the same visit, no second case.
		again, err := w.svc.RecordVisit(as(w.worker1), in)
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != v.ID || w.count("patrol_visits") != 1 || w.count("cases") != 1 {
			t.Errorf("resend: visit %d (want %d), %d visits, %d cases", again.ID, v.ID, w.count("patrol_visits"), w.count("cases"))
		}
		if rep.n != 1 {
			t.Errorf("reports made = %d, want 1 (the resend finds the visit first)", rep.n)
		}

		tally, err := w.svc.Tally(as(w.admin), patrol.VisitFilter{GridID: &w.grid1.ID})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(patrol.Tally{Visits: 1, Households: 2, PolicyTalks: 1, Mediations: 1, Errands: 1, Findings: 1}, tally); d != "" {
			t.Errorf("tally (-want +got):\n%s", d)
		}
	})
}

func TestRecordVisitBadInput(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		w, rep := newWorld(t, db)
		ok := func() patrol.VisitInput {
			return patrol.VisitInput{GridID: w.grid1.ID, Households: []int64{w.hh1},
				Findings: []patrol.FindingInput{{Category: "LE0102", Title: "漏水", BuildingID: w.building.ID}}}
		}
		for _, tc := range []struct {
			name  string
			edit  func(*patrol.VisitInput)
			code  apperr.Code
			field string
		}{
			{"no grid", func(in *patrol.VisitInput) { in.GridID = 0 }, apperr.Invalid, "grid_id"},
			{"not a grid", func(in *patrol.VisitInput) { in.GridID = w.comm.ID }, apperr.Invalid, "grid_id"},
			{"household elsewhere", func(in *patrol.VisitInput) { in.Households = append(in.Households, w.hhOther) }, apperr.Invalid, "households"},
			{"no such household", func(in *patrol.VisitInput) { in.Households = []int64{99999} }, apperr.Invalid, "households"},
			{"future date", func(in *patrol.VisitInput) { in.VisitedOn = now.AddDate(0, 0, 2) }, apperr.Invalid, "visited_on"},
			{"long ago", func(in *patrol.VisitInput) { in.VisitedOn = now.AddDate(0, -3, 0) }, apperr.Invalid, "visited_on"},
			{"empty talk", func(in *patrol.VisitInput) { in.Items = []patrol.ItemInput{{Kind: patrol.PolicyTalk, Note: " "}} }, apperr.Invalid, "items.1.note"},
			{"finding as item", func(in *patrol.VisitInput) { in.Items = []patrol.ItemInput{{Kind: patrol.Finding, Note: "x"}} }, apperr.Invalid, "items.1.kind"},
			{"item household elsewhere", func(in *patrol.VisitInput) {
				in.Items = []patrol.ItemInput{{Kind: patrol.Errand, Note: "代办", HouseholdID: w.hhOther}}
			}, apperr.Invalid, "items.1.household_id"},
			{"finding without title", func(in *patrol.VisitInput) { in.Findings[0].Title = "" }, apperr.Invalid, "findings.1.title"},
			{"finding's category refused by the case service", func(in *patrol.VisitInput) { in.Findings[0].Category = "E99999" }, "", "findings.1.category"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := ok()
				tc.edit(&in)
				ctx := as(w.worker1)
				if tc.name == "not a grid" {
					ctx = sys() // a worker cannot even read its community
				}
				_, err := w.svc.RecordVisit(ctx, in)
				e := apperr.As(err)
				if e == nil || e.Field != tc.field || tc.code != "" && e.Code != tc.code {
					t.Fatalf("error = %v, want %s on %q", err, tc.code, tc.field)
				}
				if n := w.count("patrol_visits") + w.count("patrol_items") + w.count("patrol_households") + w.count("cases"); n != 0 {
					t.Errorf("%d rows written", n)
				}
			})
		}
		if rep.n != 1 {
			t.Errorf("reports attempted = %d, want 1: bad visit input must stop before any finding is reported", rep.n)
		}

		// Several bad fields are all reported.
		in := ok()
		in.Households = []int64{w.hhOther}
		in.Items = []patrol.ItemInput{{Kind: patrol.Mediation}}
		_, err := w.svc.RecordVisit(as(w.worker1), in)
		var list apperr.List
		if l, ok := err.(interface{ Unwrap() error }); ok {
			list, _ = l.Unwrap().(apperr.List)
		}
		if len(list) != 2 {
			t.Errorf("error = %v, want a list of two field errors", err)
		}
	})
}

func TestVisitScope(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		w, _ := newWorld(t, db)
		// Worker 2 may not patrol grid 1; the resident and an unsigned request may not record at all.
		_, err := w.svc.RecordVisit(as(w.worker2), patrol.VisitInput{GridID: w.grid1.ID})
		wantErr(t, err, apperr.Forbidden, "")
		_, err = w.svc.RecordVisit(as(w.resident), patrol.VisitInput{GridID: w.grid1.ID})
		if c := apperr.CodeOf(err); c != apperr.Forbidden {
			t.Errorf("resident: %v, want forbidden", err)
		}
		_, err = w.svc.RecordVisit(context.Background(), patrol.VisitInput{GridID: w.grid1.ID})
		wantErr(t, err, apperr.Unauthenticated, "")

		v1, err := w.svc.RecordVisit(as(w.worker1), patrol.VisitInput{GridID: w.grid1.ID, Households: []int64{w.hh1, w.hh3}})
		if err != nil {
			t.Fatal(err)
		}
		yesterday := now.AddDate(0, 0, -1)
		if _, err := w.svc.RecordVisit(as(w.worker2), patrol.VisitInput{GridID: w.grid2.ID, VisitedOn: yesterday, Households: []int64{w.hhOther}}); err != nil {
			t.Fatal(err)
		}
		ids := func(a *auth.Actor, f patrol.VisitFilter) string {
			vs, total, err := w.svc.FindVisits(as(a), f)
			if err != nil {
				return err.Error()
			}
			var s []string
			for _, v := range vs {
				s = append(s, fmt.Sprint(v.GridID))
			}
			return fmt.Sprintf("%d:%s", total, strings.Join(s, ","))
		}
		g1, g2 := fmt.Sprint(w.grid1.ID), fmt.Sprint(w.grid2.ID)
		for _, tc := range []struct {
			who  *auth.Actor
			f    patrol.VisitFilter
			want string
		}{
			{w.worker1, patrol.VisitFilter{}, "1:" + g1},
			{w.worker2, patrol.VisitFilter{}, "1:" + g2},
			{w.admin, patrol.VisitFilter{}, "2:" + g1 + "," + g2},
			{w.admin, patrol.VisitFilter{GridID: &w.grid2.ID}, "1:" + g2},
			{w.admin, patrol.VisitFilter{From: &now}, "1:" + g1},
			{w.admin, patrol.VisitFilter{To: &now}, "1:" + g2},
			{w.worker1, patrol.VisitFilter{GridID: &w.grid2.ID}, "0:"},
		} {
			if got := ids(tc.who, tc.f); got != tc.want {
				t.Errorf("%s %+v: %s, want %s", tc.who.Name, tc.f, got, tc.want)
			}
		}
		if _, err := w.svc.FindVisitByID(as(w.worker2), v1.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("worker 2 reads grid 1's visit: %v, want not found", err)
		}
		if _, _, err := w.svc.FindVisits(as(w.resident), patrol.VisitFilter{}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("resident lists visits: %v, want forbidden", err)
		}
	})
}
