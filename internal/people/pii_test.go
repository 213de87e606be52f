package people_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

func TestRevealResidentIsAudited(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: now}, func(t *testing.T, db *sqldb.DB) {
		s := newService(t, db)
		worker := as(10, "网格员甲", auth.RoleGridWorker, gridA)
		r, err := s.CreateResident(worker, people.ResidentInput{HouseholdID: householdA, Name: "王秀英", IDNumber: classicID,
			Phone: "13812345678", Relation: people.RelationHead})
		if err != nil {
			t.Fatal(err)
		}

		// Without a reason, or without resident.pii, nothing is revealed and nothing recorded.
		for _, reason := range []string{"", "   "} {
			_, err := s.RevealResident(worker, r.ID, reason)
			if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != "reason" {
				t.Errorf("reveal with reason %q: %v, want invalid reason", reason, err)
			}
		}
		leader := as(20, "街道领导", auth.RoleLeader, streetA) // reads residents, may not see their full data
		if _, err := s.RevealResident(leader, r.ID, "核实低保"); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("reveal by a leader: %v, want forbidden", err)
		}
		otherWorker := as(11, "网格员乙", auth.RoleGridWorker, gridB)
		if _, err := s.RevealResident(otherWorker, r.ID, "核实低保"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("reveal by the worker of another grid: %v, want not found", err)
		}
		if _, err := s.RevealResident(context.Background(), r.ID, "核实低保"); apperr.CodeOf(err) != apperr.Unauthenticated {
			t.Errorf("reveal without an actor: %v, want unauthenticated", err)
		}
		if n := count(t, db, "pii_views"); n != 0 {
			t.Fatalf("%d views recorded by failed reveals, want 0", n)
		}

		pii, err := s.RevealResident(worker, r.ID, " 入户走访核实身份 ")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&people.ResidentPII{ResidentID: r.ID, Name: "王秀英", IDNumber: classicID, Phone: "13812345678"}, pii); diff != "" {
			t.Errorf("revealed (-want +got):\n%s", diff)
		}
		if n := count(t, db, "pii_views"); n != 1 {
			t.Fatalf("%d views recorded by one reveal, want 1", n)
		}

		// The leader audits the views in its street; the worker may not.
		views, n, err := s.FindPIIViews(leader, people.PIIViewFilter{ResidentID: &r.ID})
		if err != nil || n != 1 {
			t.Fatalf("FindPIIViews = %d, %v", n, err)
		}
		want := &people.PIIView{ID: views[0].ID, ActorUserID: 10, ActorName: "网格员甲", ResidentID: r.ID, RegionPath: paths[gridA],
			Fields: []string{"id_number", "phone"}, Reason: "入户走访核实身份", At: fixedNow}
		if diff := cmp.Diff(want, views[0]); diff != "" {
			t.Errorf("recorded view (-want +got):\n%s", diff)
		}
		if _, _, err := s.FindPIIViews(worker, people.PIIViewFilter{}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("FindPIIViews by a grid worker: %v, want forbidden", err)
		}
		leaderB := as(21, "另一街道领导", auth.RoleLeader, streetB)
		if _, n, err := s.FindPIIViews(leaderB, people.PIIViewFilter{}); err != nil || n != 0 {
			t.Errorf("FindPIIViews by the leader of another street = %d, %v; want 0", n, err)
		}
	})
}

func TestScopeIsolation(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: now}, func(t *testing.T, db *sqldb.DB) {
		s := newService(t, db)
		ids := map[int64]int64{} // grid → resident
		for i, h := range []int64{householdA, householdB, householdC} {
			grid := gridOfHousehold[h]
			r, err := s.CreateResident(system(), people.ResidentInput{HouseholdID: h, Name: []string{"居民甲", "居民乙", "居民丙"}[i],
				IDNumber: validID("1101051980010100" + string(rune('1'+i))), Relation: people.RelationHead})
			if err != nil {
				t.Fatal(err)
			}
			ids[grid] = r.ID
		}
		workerA := as(10, "网格员甲", auth.RoleGridWorker, gridA)

		// The worker of grid A sees and changes grid A only.
		got, n, err := s.FindResidents(workerA, people.ResidentFilter{})
		if err != nil || n != 1 || len(got) != 1 || got[0].ID != ids[gridA] {
			t.Errorf("grid A worker lists %d residents (total %d), %v; want grid A's one", len(got), n, err)
		}
		if _, n, _ := s.FindResidents(workerA, people.ResidentFilter{Subtree: paths[gridB]}); n != 0 {
			t.Errorf("grid A worker lists %d residents of grid B", n)
		}
		if _, n, _ := s.FindResidents(workerA, people.ResidentFilter{IDNumber: validID("11010519800101002")}); n != 0 {
			t.Error("grid A worker finds grid B's resident by ID number")
		}
		b := ids[gridB]
		if _, err := s.FindResidentByID(workerA, b); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("grid A worker reads grid B's resident: %v, want not found", err)
		}
		if _, err := s.UpdateResident(workerA, b, people.ResidentUpdate{Name: ptr("改名")}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("grid A worker updates grid B's resident: %v, want not found", err)
		}
		if err := s.DeleteResident(workerA, b); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("grid A worker deletes grid B's resident: %v, want not found", err)
		}
		if _, err := s.UpdateResident(workerA, ids[gridA], people.ResidentUpdate{HouseholdID: ptr(int64(householdB))}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("grid A worker moves a resident into grid B: %v, want forbidden", err)
		}
		if _, err := s.CreateResident(workerA, people.ResidentInput{HouseholdID: householdB, Name: "新人", Relation: people.RelationOther}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("grid A worker creates a resident in grid B: %v, want forbidden", err)
		}
		if r, err := s.FindResidentByID(system(), b); err != nil || r.Name != "居民乙" || r.HouseholdID != householdB {
			t.Errorf("grid B's resident after the attempts: %+v, %v", r, err)
		}
		if n := count(t, db, "residents"); n != 3 {
			t.Errorf("%d residents, want 3", n)
		}

		// The street A leader sees both grids of street A and nothing of street B,
		// and may read but not change.
		leader := as(20, "街道领导", auth.RoleLeader, streetA)
		got, n, err = s.FindResidents(leader, people.ResidentFilter{})
		if err != nil || n != 2 || len(got) != 2 || got[0].ID != ids[gridA] || got[1].ID != ids[gridB] {
			t.Errorf("street A leader lists %d (total %d), %v; want grids A and B", len(got), n, err)
		}
		if _, err := s.FindResidentByID(leader, ids[gridC]); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("street A leader reads street B's resident: %v, want not found", err)
		}
		if _, err := s.UpdateResident(leader, ids[gridA], people.ResidentUpdate{Name: ptr("改名")}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("leader updates a resident: %v, want forbidden", err)
		}
		if _, n, _ := s.FindResidents(leader, people.ResidentFilter{RegionID: ptr(int64(streetB))}); n != 0 {
			t.Errorf("street A leader lists %d residents of street B", n)
		}
		// A role without resident.read is refused outright.
		courier := as(30, "快递小哥", auth.RoleCourierVolunteer, streetA)
		if _, _, err := s.FindResidents(courier, people.ResidentFilter{}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("courier lists residents: %v, want forbidden", err)
		}
		if _, _, err := s.FindResidents(context.Background(), people.ResidentFilter{}); apperr.CodeOf(err) != apperr.Unauthenticated {
			t.Errorf("anonymous lists residents: %v, want unauthenticated", err)
		}
	})
}
