package people_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

const classicID = "11010519491231002X"

func TestResidentCreateFindUpdateDelete(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: now}, func(t *testing.T, db *sqldb.DB) {
		s := newService(t, db)
		ctx := as(10, "网格员甲", auth.RoleGridWorker, gridA)

		r, err := s.CreateResident(ctx, people.ResidentInput{
			HouseholdID: householdA, Name: " 王秀英 ", IDNumber: "11010519491231002x", Phone: "+86 138 1234 5678",
			Relation: people.RelationHead, Tags: []people.Tag{people.TagElderlyAlone, people.TagLowIncome, people.TagElderlyAlone},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := &people.Resident{
			ID: r.ID, HouseholdID: householdA, RegionPath: paths[gridA], Name: "王秀英", Gender: people.Female,
			BirthDate: time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC), IDNumber: "110105********002X", Phone: "138****5678",
			Relation: people.RelationHead, Tags: []people.Tag{people.TagElderlyAlone, people.TagLowIncome},
			CreatedAt: fixedNow, UpdatedAt: fixedNow,
		}
		if diff := cmp.Diff(want, r); diff != "" {
			t.Errorf("created resident (-want +got):\n%s", diff)
		}

		// The stored columns hold neither the ID number nor the phone in clear.
		var idEnc, idHash, phoneEnc, phoneHash []byte
		if err := db.QueryRow(context.Background(), `SELECT id_number_enc, id_number_hash, phone_enc, phone_hash FROM residents WHERE id = $1`, r.ID).
			Scan(&idEnc, &idHash, &phoneEnc, &phoneHash); err != nil {
			t.Fatal(err)
		}
		for _, col := range [][]byte{idEnc, idHash, phoneEnc, phoneHash} {
			for _, plain := range []string{classicID, "19491231", "13812345678", "12345678"} {
				if len(col) == 0 || bytes.Contains(col, []byte(plain)) {
					t.Errorf("stored column %x is empty or contains %q", col, plain)
				}
			}
		}

		// Exact lookup through the blind indexes.
		for _, f := range []people.ResidentFilter{{IDNumber: classicID}, {IDNumber: "11010519491231002x"}, {Phone: "13812345678"}, {NameContains: "秀"},
			{Tag: ptr(people.TagLowIncome)}, {HouseholdID: ptr(int64(householdA))}, {RegionID: ptr(int64(gridA))}} {
			got, n, err := s.FindResidents(ctx, f)
			if err != nil || n != 1 || len(got) != 1 || got[0].ID != r.ID {
				t.Errorf("FindResidents(%+v) = %d rows (total %d), %v; want the resident", f, len(got), n, err)
			}
		}
		for _, f := range []people.ResidentFilter{{IDNumber: validID("11010519491231003")}, {Phone: "13812345679"}, {NameContains: "%"},
			{Tag: ptr(people.TagVeteran)}, {RegionID: ptr(int64(gridB))}} {
			if got, n, err := s.FindResidents(ctx, f); err != nil || n != 0 || len(got) != 0 {
				t.Errorf("FindResidents(%+v) = %d rows (total %d), %v; want none", f, len(got), n, err)
			}
		}
		if _, _, err := s.FindResidents(ctx, people.ResidentFilter{IDNumber: "123"}); apperr.As(err) == nil || apperr.As(err).Field != "id_number" {
			t.Errorf("lookup by a malformed ID number: %v, want invalid id_number", err)
		}

		// A duplicate ID number is a conflict and writes nothing.
		_, err = s.CreateResident(ctx, people.ResidentInput{HouseholdID: householdA, Name: "李四", IDNumber: classicID, Relation: people.RelationSpouse})
		if e := apperr.As(err); e == nil || e.Code != apperr.Conflict || e.Field != "id_number" {
			t.Errorf("duplicate ID number: %v, want conflict on id_number", err)
		}
		if n := count(t, db, "residents"); n != 1 {
			t.Errorf("%d residents after a rejected duplicate, want 1", n)
		}

		// Bad input names every bad field and writes nothing.
		_, err = s.CreateResident(ctx, people.ResidentInput{HouseholdID: householdA, Name: "", IDNumber: "110105194912310021",
			Phone: "12345", Relation: "boss", Tags: []people.Tag{"vip"}})
		var fields []string
		for _, e := range listOf(err) {
			fields = append(fields, e.Field)
		}
		if diff := cmp.Diff([]string{"name", "id_number", "phone", "relation", "tags"}, fields); diff != "" || apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("bad input: %v; fields (-want +got):\n%s", err, diff)
		}
		_, err = s.CreateResident(ctx, people.ResidentInput{HouseholdID: householdA, Name: "赵六", IDNumber: validID("11010519800101001"),
			Gender: people.Female, Relation: people.RelationChild})
		if e := apperr.As(err); e == nil || e.Field != "gender" {
			t.Errorf("gender contradicting the ID number: %v, want invalid gender", err)
		}
		_, err = s.CreateResident(ctx, people.ResidentInput{HouseholdID: 999, Name: "赵六", Relation: people.RelationChild})
		if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != "household_id" {
			t.Errorf("unknown household: %v, want invalid household_id", err)
		}
		_, err = s.CreateResident(ctx, people.ResidentInput{HouseholdID: householdA, Name: "赵六"})
		if e := apperr.As(err); e == nil || e.Field != "relation" {
			t.Errorf("household without relation: %v, want invalid relation", err)
		}
		if n := count(t, db, "residents"); n != 1 {
			t.Errorf("%d residents after rejected input, want 1", n)
		}
		if n := count(t, db, "resident_tags"); n != 2 {
			t.Errorf("%d tags, want 2", n)
		}

		// A resident registered to a region without a household.
		m, err := s.CreateResident(ctx, people.ResidentInput{RegionID: gridA, Name: "流动人员", Phone: "0755-26543210",
			BirthDate: time.Date(1990, 5, 1, 15, 0, 0, 0, time.UTC), Gender: people.Male, Tags: []people.Tag{people.TagMobile}})
		if err != nil {
			t.Fatal(err)
		}
		if m.HouseholdID != 0 || m.RegionPath != paths[gridA] || m.Phone != "0755-****3210" || m.IDNumber != "" ||
			!m.BirthDate.Equal(time.Date(1990, 5, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("resident without household = %+v", m)
		}

		// Update: a new phone, tags replaced, the ID number of another resident refused.
		u, err := s.UpdateResident(ctx, r.ID, people.ResidentUpdate{Phone: ptr("010-62345678"), Tags: &[]people.Tag{people.TagDisabled}})
		if err != nil {
			t.Fatal(err)
		}
		if u.Phone != "010-****5678" || !cmp.Equal(u.Tags, []people.Tag{people.TagDisabled}) || u.IDNumber != "110105********002X" {
			t.Errorf("updated resident = %+v", u)
		}
		if got, _, _ := s.FindResidents(ctx, people.ResidentFilter{Phone: "13812345678"}); len(got) != 0 {
			t.Error("the old phone still finds the resident")
		}
		other := validID("11010519800101001")
		if _, err := s.UpdateResident(ctx, m.ID, people.ResidentUpdate{IDNumber: &other}); err != nil {
			t.Fatal(err)
		}
		_, err = s.UpdateResident(ctx, r.ID, people.ResidentUpdate{IDNumber: &other})
		if e := apperr.As(err); e == nil || e.Code != apperr.Conflict || e.Field != "id_number" {
			t.Errorf("update to a taken ID number: %v, want conflict", err)
		}
		_, err = s.UpdateResident(ctx, r.ID, people.ResidentUpdate{Name: ptr(" ")})
		if e := apperr.As(err); e == nil || e.Field != "name" {
			t.Errorf("update to an empty name: %v, want invalid name", err)
		}
		if got, _ := s.FindResidentByID(ctx, r.ID); got.Name != "王秀英" {
			t.Errorf("a rejected update changed the name to %q", got.Name)
		}

		if err := s.DeleteResident(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.FindResidentByID(ctx, r.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("deleted resident: %v, want not found", err)
		}
		if n := count(t, db, "resident_tags"); n != 1 {
			t.Errorf("%d tags after delete, want 1 (the other resident's)", n)
		}
	})
}

func ptr[T any](v T) *T { return &v }

// listOf returns the field errors of err: the items of an apperr.List, or
// the one *apperr.Error.
func listOf(err error) []*apperr.Error {
	var l apperr.List
	if asList(err, &l) {
		return l
	}
	if e := apperr.As(err); e != nil {
		return []*apperr.Error{e}
	}
	return nil
}
