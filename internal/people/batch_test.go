package people_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// importRows returns n good rows (sheet rows 2…n+1) in households A and B,
// with ID numbers made from their row numbers.
func importRows(n int) ([]people.ResidentRow, map[int]people.HouseholdRef) {
	rows := make([]people.ResidentRow, n)
	refs := make(map[int]people.HouseholdRef, n)
	for i := range rows {
		row := i + 2
		h := int64(householdA)
		if i%2 == 1 {
			h = householdB
		}
		rows[i] = people.ResidentRow{Row: row, GridCode: "110105001001001", Building: "1号楼", Unit: "1", Room: "101",
			Name: fmt.Sprintf("居民%d", row), IDNumber: rowID(row), Phone: fmt.Sprintf("139%08d", row), Relation: "户主", Tags: []string{"低保"}}
		refs[row] = people.HouseholdRef{ID: h, RegionPath: paths[gridOfHousehold[h]]}
	}
	return rows, refs
}

// rowID is a valid ID number unique to a row: born 1950-01-01 plus row days.
func rowID(row int) string {
	return validID(fmt.Sprintf("110105%s%03d", fixedNow.AddDate(-76, 0, 0).AddDate(0, 0, row/1000).Format("20060102"), row%1000))
}

func TestImportResidentsReportsExactlyTheBadRows(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: now}, func(t *testing.T, db *sqldb.DB) {
		s := newService(t, db)
		worker := as(10, "网格员甲", auth.RoleGridWorker, communityA)
		existing, err := s.CreateResident(worker, people.ResidentInput{HouseholdID: householdA, Name: "老住户", IDNumber: rowID(900), Relation: people.RelationHead})
		if err != nil {
			t.Fatal(err)
		}
		rows, refs := importRows(40)
		want := map[int]string{}
		bad := func(row int, field string, edit func(r *people.ResidentRow)) {
			edit(&rows[row-2])
			want[row] = field
		}
		bad(3, "name", func(r *people.ResidentRow) { r.Name = "  " })
		bad(5, "gender", func(r *people.ResidentRow) { r.Gender = "未知" })
		bad(6, "gender", func(r *people.ResidentRow) { r.Gender = "男" }) // row 6 has a woman's ID number
		bad(7, "id_number", func(r *people.ResidentRow) { r.IDNumber = r.IDNumber[:17] + "?" })
		bad(8, "id_number", func(r *people.ResidentRow) { r.IDNumber = strings.Replace(r.IDNumber, "1950", "1850", 1) })
		bad(9, "id_number", func(r *people.ResidentRow) { r.IDNumber = rowID(900) }) // already registered
		bad(11, "id_number", func(r *people.ResidentRow) { r.IDNumber = rowID(10) }) // repeats row 10
		bad(12, "phone", func(r *people.ResidentRow) { r.Phone = "1234567" })
		bad(13, "relation", func(r *people.ResidentRow) { r.Relation = "邻居" })
		bad(14, "relation", func(r *people.ResidentRow) { r.Relation = "" })
		bad(15, "tags", func(r *people.ResidentRow) { r.Tags = []string{"低保", "贫困户"} })
		bad(16, "household", func(r *people.ResidentRow) { delete(refs, 16) })
		bad(17, "household", func(r *people.ResidentRow) { refs[17] = people.HouseholdRef{ID: householdC, RegionPath: paths[gridC]} })
		bad(18, "household", func(r *people.ResidentRow) { refs[18] = people.HouseholdRef{ID: 999, RegionPath: paths[gridA]} })
		// A ref lying about its region does not get past the scope check.
		bad(19, "household", func(r *people.ResidentRow) { refs[19] = people.HouseholdRef{ID: householdC, RegionPath: paths[gridA]} })
		// Not bad: lower-case x normalised, no ID or phone, codes instead of labels.
		rows[20-2].IDNumber, rows[20-2].Phone, rows[20-2].Gender, rows[20-2].Relation, rows[20-2].Tags = "", "", "male", "child", []string{"veteran", "elderly"}
		rows[21-2].Phone = "+86 139 0000 0021"

		var created int
		var got []apperr.RowError
		err = db.Transact(context.Background(), func(tx *sqldb.Tx) error {
			var err error
			created, got, err = s.ImportResidents(worker, tx, rows, refs)
			if err != nil {
				return err
			}
			// The transaction is still usable after the bad rows (PostgreSQL
			// aborts a transaction on any failed statement).
			_, err = tx.Exec(context.Background(), `UPDATE residents SET updated_at = $1 WHERE id = $2`, tx.Now, existing.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		gotFields := map[int]string{}
		for i, e := range got {
			gotFields[e.Row] = e.Err.Field
			if i > 0 && got[i-1].Row >= e.Row {
				t.Errorf("row errors out of order: %d after %d", e.Row, got[i-1].Row)
			}
			if e.Err.Msg.ZH == "" || e.Err.Msg.EN == "" {
				t.Errorf("row %d: message %+v is not bilingual", e.Row, e.Err.Msg)
			}
		}
		if diff := cmp.Diff(want, gotFields); diff != "" {
			t.Errorf("bad rows (-want +got):\n%s", diff)
		}
		if created != len(rows)-len(want) {
			t.Errorf("created %d, want %d", created, len(rows)-len(want))
		}
		if n := count(t, db, "residents"); n != 1+created {
			t.Errorf("%d residents, want %d", n, 1+created)
		}
		found, n, err := s.FindResidents(system(), people.ResidentFilter{Phone: "13900000021"})
		if err != nil || n != 1 || found[0].Name != "居民21" || found[0].Gender != people.Male || !cmp.Equal(found[0].Tags, []people.Tag{people.TagLowIncome}) {
			t.Errorf("imported row 21 = %+v (total %d), %v", found, n, err)
		}
		found, _, _ = s.FindResidents(system(), people.ResidentFilter{NameContains: "居民20"})
		if len(found) != 1 || found[0].IDNumber != "" || found[0].Relation != people.RelationChild ||
			!cmp.Equal(found[0].Tags, []people.Tag{people.TagElderly, people.TagVeteran}) {
			t.Errorf("imported row 20 = %+v", found)
		}

		// Without ledger.import nothing is imported.
		leader := as(20, "街道领导", auth.RoleLeader, streetA)
		err = db.Transact(context.Background(), func(tx *sqldb.Tx) error {
			_, _, err := s.ImportResidents(leader, tx, rows, refs)
			return err
		})
		if apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("import by a leader: %v, want forbidden", err)
		}
	})
}

func TestEachResident(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: now}, func(t *testing.T, db *sqldb.DB) {
		s := newService(t, db)
		admin := as(1, "管理员", auth.RoleAdmin, district)
		rows, refs := importRows(4)
		rows[0].Phone = "0755-26543210"
		rows[3].Tags = []string{"低保", "独居老人"}
		err := db.Transact(context.Background(), func(tx *sqldb.Tx) error {
			_, bad, err := s.ImportResidents(admin, tx, rows, refs)
			if len(bad) > 0 {
				return errors.Join(bad[0])
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateResident(admin, people.ResidentInput{HouseholdID: householdC, Name: "朝外居民", Relation: people.RelationHead}); err != nil {
			t.Fatal(err)
		}
		collect := func(ctx context.Context, subtree string, reveal bool, reason string) ([]people.ResidentRow, error) {
			var out []people.ResidentRow
			err := s.EachResident(ctx, subtree, reveal, reason, func(r people.ResidentRow) error {
				out = append(out, r)
				return nil
			})
			return out, err
		}

		got, err := collect(admin, paths[streetA], false, "")
		if err != nil {
			t.Fatal(err)
		}
		want := []people.ResidentRow{
			{Row: 1, GridCode: "110105001001001", Compound: "幸福里", Building: "1号楼", Unit: "1", Room: "101", Name: "居民2", Gender: "female",
				IDNumber: people.MaskIDNumber(rowID(2)), Phone: "0755-****3210", Relation: "head", Tags: []string{"low_income"}},
			{Row: 2, GridCode: "110105001001002", Compound: "幸福里", Building: "2号楼", Unit: "1", Room: "101", Name: "居民3", Gender: "male",
				IDNumber: people.MaskIDNumber(rowID(3)), Phone: "139****0003", Relation: "head", Tags: []string{"low_income"}},
			{Row: 3, GridCode: "110105001001001", Compound: "幸福里", Building: "1号楼", Unit: "1", Room: "101", Name: "居民4", Gender: "female",
				IDNumber: people.MaskIDNumber(rowID(4)), Phone: "139****0004", Relation: "head", Tags: []string{"low_income"}},
			{Row: 4, GridCode: "110105001001002", Compound: "幸福里", Building: "2号楼", Unit: "1", Room: "101", Name: "居民5", Gender: "male",
				IDNumber: people.MaskIDNumber(rowID(5)), Phone: "139****0005", Relation: "head", Tags: []string{"elderly_alone", "low_income"}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("masked export (-want +got):\n%s", diff)
		}
		if n := count(t, db, "pii_views"); n != 0 {
			t.Errorf("a masked export recorded %d views", n)
		}

		// The grid A worker exports grid A only; a revealing export needs a
		// reason and is recorded once.
		worker := as(10, "网格员甲", auth.RoleGridWorker, gridA)
		if got, _ := collect(worker, "", false, ""); len(got) != 2 {
			t.Errorf("grid A worker exports %d rows, want 2", len(got))
		}
		if _, err := collect(worker, paths[gridA], true, ""); apperr.As(err) == nil || apperr.As(err).Field != "reason" {
			t.Errorf("revealing export without a reason: %v, want invalid reason", err)
		}
		if _, err := collect(worker, paths[streetA], true, "台账核对"); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("revealing export beyond the worker's grid: %v, want forbidden", err)
		}
		leader := as(20, "街道领导", auth.RoleLeader, streetA)
		if _, err := collect(leader, paths[streetA], true, "台账核对"); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("revealing export by a leader: %v, want forbidden", err)
		}
		if n := count(t, db, "pii_views"); n != 0 {
			t.Fatalf("refused exports recorded %d views", n)
		}
		got, err = collect(worker, paths[gridA], true, "台账核对")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].IDNumber != rowID(2) || got[0].Phone != "0755-26543210" || got[1].Phone != "13900000004" {
			t.Errorf("revealed export = %+v", got)
		}
		views, n, err := s.FindPIIViews(leader, people.PIIViewFilter{})
		if err != nil || n != 1 || views[0].ResidentID != 0 || views[0].RegionPath != paths[gridA] || views[0].Reason != "台账核对" {
			t.Errorf("views after one revealing export = %+v (total %d), %v", views, n, err)
		}

		// An error from fn stops the stream.
		stop := errors.New("stop")
		calls := 0
		err = s.EachResident(admin, "", false, "", func(people.ResidentRow) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("EachResident with a failing fn: %v after %d calls", err, calls)
		}
	})
}

func TestImportResidentsWithIDs(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: now}, func(t *testing.T, db *sqldb.DB) {
		s := newService(t, db)
		admin := as(1, "管理员", auth.RoleAdmin, district)
		rows, refs := importRows(40) // more than one insert statement on either engine
		rows[3].Name = ""
		rows[7].IDNumber = rowID(2) // repeats row 2
		delete(refs, rows[30].Row)
		var ids []int64
		var bad []apperr.RowError
		err := db.Transact(context.Background(), func(tx *sqldb.Tx) error {
			var err error
			ids, bad, err = s.ImportResidentsWithIDs(admin, tx, rows, refs)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != len(rows) || len(bad) != 3 {
			t.Fatalf("%d ids for %d rows, %d bad rows; want one id a row and 3 bad rows", len(ids), len(rows), len(bad))
		}
		isBad := map[int]bool{}
		for _, e := range bad {
			isBad[e.Row] = true
		}
		var last int64
		for i, id := range ids {
			if isBad[rows[i].Row] {
				if id != 0 {
					t.Errorf("bad row %d got id %d", rows[i].Row, id)
				}
				continue
			}
			if id <= last {
				t.Errorf("row %d: id %d does not ascend after %d", rows[i].Row, id, last)
			}
			last = id
			r, err := s.FindResidentByID(admin, id)
			if err != nil || r.Name != rows[i].Name || r.HouseholdID != refs[rows[i].Row].ID {
				t.Errorf("row %d: resident %d = %+v, %v; want %s of household %d", rows[i].Row, id, r, err, rows[i].Name, refs[rows[i].Row].ID)
			}
		}
		if n := count(t, db, "residents"); n != len(rows)-3 {
			t.Errorf("%d residents, want %d", n, len(rows)-3)
		}
	})
}
