package people_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

func TestCreateOrgTx(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: now}, func(t *testing.T, db *sqldb.DB) {
		s := newService(t, db)
		admin := as(1, "区管理员", auth.RoleAdmin, district)
		var street, branch, group *people.Org
		err := db.Transact(context.Background(), func(tx *sqldb.Tx) error {
			mk := func(in people.OrgInput) *people.Org {
				t.Helper()
				o, err := s.CreateOrgTx(admin, tx, in)
				if err != nil {
					t.Fatalf("CreateOrgTx(%s): %v", in.Name, err)
				}
				return o
			}
			street = mk(people.OrgInput{Kind: people.KindCommittee, Name: "建外街道党工委", RegionID: streetA})
			// A refused organisation writes nothing and leaves tx usable
			// (PostgreSQL aborts a transaction on any failed statement).
			for _, tt := range []struct {
				in    people.OrgInput
				field string
			}{
				{people.OrgInput{ParentID: street.ID, Kind: people.KindGroup, Name: "党工委下的小组"}, "kind"},
				{people.OrgInput{ParentID: street.ID, Kind: people.KindBranch, Name: "x", RegionID: 999}, "region_id"},
				{people.OrgInput{ParentID: street.ID, Kind: people.KindBranch, Name: "x", BuildingID: 999}, "building_id"},
				{people.OrgInput{ParentID: 999, Kind: people.KindBranch, Name: "x"}, "parent_id"},
			} {
				_, err := s.CreateOrgTx(admin, tx, tt.in)
				if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != tt.field {
					t.Errorf("CreateOrgTx(%+v): %v, want invalid %s", tt.in, err, tt.field)
				}
			}
			branch = mk(people.OrgInput{ParentID: street.ID, Kind: people.KindBranch, Name: "第一网格党支部", RegionID: gridA})
			group = mk(people.OrgInput{ParentID: branch.ID, Kind: people.KindGroup, Name: "1号楼党小组", BuildingID: 1})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if street.Path != "/"+itoa(street.ID)+"/" || branch.Path != street.Path+itoa(branch.ID)+"/" || group.Path != branch.Path+itoa(group.ID)+"/" {
			t.Errorf("paths %s, %s, %s do not nest", street.Path, branch.Path, group.Path)
		}
		if group.RegionID != gridA || group.RegionPath != paths[gridA] || group.BuildingID != 1 || group.Sector != people.SectorRegion {
			t.Errorf("group = %+v, want tied to building 1 in grid A", group)
		}
		got, err := s.FindOrgByID(admin, group.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(group, got); diff != "" {
			t.Errorf("org returned inside the transaction differs from the committed one (-tx +committed):\n%s", diff)
		}
		if n := count(t, db, "party_orgs"); n != 3 {
			t.Errorf("%d organisations, want 3", n)
		}

		// Scope holds inside a transaction too, and a rolled-back
		// transaction leaves nothing.
		streetAdmin := as(2, "街道管理员", auth.RoleAdmin, streetA)
		stop := errors.New("roll back")
		err = db.Transact(context.Background(), func(tx *sqldb.Tx) error {
			if _, err := s.CreateOrgTx(streetAdmin, tx, people.OrgInput{ParentID: branch.ID, Kind: people.KindGroup, Name: "3号楼党小组", BuildingID: 3}); apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("street A admin ties a group to street B's building: %v, want forbidden", err)
			}
			if _, err := s.CreateOrgTx(as(20, "街道领导", auth.RoleLeader, streetA), tx, people.OrgInput{ParentID: branch.ID, Kind: people.KindGroup, Name: "x"}); apperr.CodeOf(err) != apperr.Forbidden {
				t.Errorf("leader creates an organisation: %v, want forbidden", err)
			}
			if _, err := s.CreateOrgTx(streetAdmin, tx, people.OrgInput{ParentID: branch.ID, Kind: people.KindGroup, Name: "2号楼党小组"}); err != nil {
				t.Errorf("street A admin adds a group: %v", err)
			}
			return stop
		})
		if !errors.Is(err, stop) {
			t.Fatal(err)
		}
		if n := count(t, db, "party_orgs"); n != 3 {
			t.Errorf("%d organisations after a rollback, want 3", n)
		}
	})
}

func TestImportMembersReportsExactlyTheBadRows(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: now}, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s := newService(t, db)
		admin := as(1, "区管理员", auth.RoleAdmin, district)
		mk := func(in people.OrgInput) *people.Org { t.Helper(); return mustCreateOrg(admin, t, s, in) }
		streetOrg := mk(people.OrgInput{Kind: people.KindCommittee, Name: "建外街道党工委", RegionID: streetA})
		branchA := mk(people.OrgInput{ParentID: streetOrg.ID, Kind: people.KindBranch, Name: "第一网格党支部", RegionID: gridA})
		streetBOrg := mk(people.OrgInput{Kind: people.KindCommittee, Name: "朝外街道党工委", RegionID: streetB})
		branchC := mk(people.OrgInput{ParentID: streetBOrg.ID, Kind: people.KindBranch, Name: "吉祥里第一网格党支部", RegionID: gridC})

		var resident []int64 // by row - 2
		rows, refs := importRows(12)
		err := db.Transact(ctx, func(tx *sqldb.Tx) error {
			ids, bad, err := s.ImportResidentsWithIDs(admin, tx, rows, refs)
			if len(bad) > 0 {
				return bad[0]
			}
			resident = ids
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateMember(admin, people.MemberInput{OrgID: branchA.ID, ResidentID: resident[0], Name: "居民2", Category: people.MemberRetired}); err != nil {
			t.Fatal(err)
		}
		var userID int64
		err = db.Transact(ctx, func(tx *sqldb.Tx) error {
			userID, err = tx.InsertID(ctx, `INSERT INTO users (username, display_name, password_hash, password_changed_at, created_at, updated_at)
				VALUES ('dangyuan', '党员', 'x', $1, $1, $1) RETURNING id`, tx.Now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}

		joined := time.Date(1998, 7, 1, 0, 0, 0, 0, time.UTC)
		member := func(i int) people.MemberInput {
			return people.MemberInput{OrgID: branchA.ID, ResidentID: resident[i], Name: rows[i].Name, Category: people.MemberInService, JoinedOn: joined}
		}
		ins := []people.MemberInput{
			member(1), // 1: good, with an account and a community reported to
			member(2), // 2: good
			{OrgID: 999, ResidentID: resident[3], Name: "x", Category: people.MemberRetired},                                             // 3
			{OrgID: branchA.ID, ResidentID: resident[4], Name: " ", Category: people.MemberRetired},                                      // 4
			{OrgID: branchA.ID, ResidentID: resident[5], Name: "x", Category: "honorary"},                                                // 5
			{OrgID: branchA.ID, ResidentID: resident[6], Name: "x", Category: people.MemberRetired, JoinedOn: fixedNow.AddDate(0, 0, 1)}, // 6
			{OrgID: branchA.ID, ResidentID: 9999, Name: "x", Category: people.MemberRetired},                                             // 7
			{OrgID: branchA.ID, ResidentID: resident[0], Name: "居民2", Category: people.MemberRetired},                                    // 8: a member already
			member(1), // 9: repeats row 1
			{OrgID: branchA.ID, ResidentID: resident[7], Name: "x", Category: people.MemberRetired, UserID: 999},           // 10
			{OrgID: branchA.ID, ResidentID: resident[8], Name: "x", Category: people.MemberRetired, ReportedRegionID: 999}, // 11
			{OrgID: branchC.ID, Name: "朝外党员", Category: people.MemberMobile},                                               // 12: outside the actor's scope
			{OrgID: branchA.ID, Name: "流动党员", Category: people.MemberMobile},                                               // 13: good, no resident
		}
		ins[0].UserID, ins[0].ReportedRegionID = userID, communityA
		type fault struct {
			Field string
			Code  apperr.Code
		}
		want := map[int]fault{
			3: {"org_id", apperr.Invalid}, 4: {"name", apperr.Invalid}, 5: {"category", apperr.Invalid}, 6: {"joined_on", apperr.Invalid},
			7: {"resident_id", apperr.Invalid}, 8: {"resident_id", apperr.Conflict}, 9: {"resident_id", apperr.Conflict},
			10: {"user_id", apperr.Invalid}, 11: {"reported_region_id", apperr.Invalid}, 12: {"org_id", apperr.NotFound},
		}
		streetAdmin := as(2, "街道管理员", auth.RoleAdmin, streetA)
		var created int
		var bad []apperr.RowError
		err = db.Transact(ctx, func(tx *sqldb.Tx) error {
			var err error
			if created, bad, err = s.ImportMembers(streetAdmin, tx, ins); err != nil {
				return err
			}
			// tx is still usable after the bad rows.
			_, err = tx.Exec(ctx, `UPDATE party_orgs SET secretary = $1 WHERE id = $2`, "王书记", branchA.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got := map[int]fault{}
		for i, e := range bad {
			got[e.Row] = fault{e.Err.Field, e.Err.Code}
			if i > 0 && bad[i-1].Row >= e.Row {
				t.Errorf("row errors out of order: %d after %d", e.Row, bad[i-1].Row)
			}
			if e.Sheet != "party_members" || e.Err.Msg.ZH == "" || e.Err.Msg.EN == "" {
				t.Errorf("row %d: sheet %q, message %+v; want party_members and a bilingual message", e.Row, e.Sheet, e.Err.Msg)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("bad rows (-want +got):\n%s", diff)
		}
		if created != 3 {
			t.Errorf("created %d, want 3", created)
		}

		// Exactly the good members were written, and only their residents
		// became party members.
		ms, n, err := s.FindMembers(admin, people.MemberFilter{})
		if err != nil || n != 4 {
			t.Fatalf("%d members, %v; want the earlier one and 3 imported", n, err)
		}
		first := ms[1]
		if first.OrgID != branchA.ID || first.ResidentID != resident[1] || first.UserID != userID || first.ReportedRegionID != communityA ||
			first.Name != rows[1].Name || first.Category != people.MemberInService || !first.JoinedOn.Equal(joined) || !first.CreatedAt.Equal(fixedNow) {
			t.Errorf("first imported member = %+v", first)
		}
		if ms[2].ResidentID != resident[2] || ms[3].ResidentID != 0 || ms[3].Name != "流动党员" {
			t.Errorf("imported members %+v, %+v; want in input order", ms[2], ms[3])
		}
		for i, id := range resident {
			r, err := s.FindResidentByID(admin, id)
			if err != nil {
				t.Fatal(err)
			}
			if wantMember := i <= 2; r.PartyMember != wantMember {
				t.Errorf("resident %s: party member %v, want %v", r.Name, r.PartyMember, wantMember)
			}
		}

		// Without party.write anywhere nothing is imported; a rolled-back
		// import leaves nothing.
		leader := as(20, "街道领导", auth.RoleLeader, streetA)
		err = db.Transact(ctx, func(tx *sqldb.Tx) error {
			_, _, err := s.ImportMembers(leader, tx, []people.MemberInput{member(9)})
			return err
		})
		if apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("import by a leader: %v, want forbidden", err)
		}
		stop := errors.New("roll back")
		err = db.Transact(ctx, func(tx *sqldb.Tx) error {
			if created, bad, err := s.ImportMembers(admin, tx, []people.MemberInput{member(9), member(10)}); err != nil || created != 2 || len(bad) != 0 {
				t.Errorf("ImportMembers = %d, %v, %v; want 2 created", created, bad, err)
			}
			return stop
		})
		if !errors.Is(err, stop) {
			t.Fatal(err)
		}
		if n := count(t, db, "party_members"); n != 4 {
			t.Errorf("%d members after refused and rolled-back imports, want 4", n)
		}
		if r, _ := s.FindResidentByID(admin, resident[9]); r.PartyMember {
			t.Error("a rolled-back import marked a resident a party member")
		}
	})
}
