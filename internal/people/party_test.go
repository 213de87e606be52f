package people_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

func TestPartyOrgNesting(t *testing.T) {
	ok := map[[2]people.OrgKind]bool{
		{people.KindCommittee, ""}:                       true,
		{people.KindCommittee, people.KindCommittee}:     true,
		{people.KindGeneralBranch, people.KindCommittee}: true,
		{people.KindBranch, people.KindCommittee}:        true,
		{people.KindBranch, people.KindGeneralBranch}:    true,
		{people.KindGroup, people.KindBranch}:            true,
	}
	for _, k := range people.OrgKinds {
		for _, p := range append([]people.OrgKind{""}, people.OrgKinds...) {
			if got := k.CanBeUnder(p); got != ok[[2]people.OrgKind{k, p}] {
				t.Errorf("%s under %q = %v", k, p, got)
			}
		}
	}
}

func TestPartyOrgs(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: now}, func(t *testing.T, db *sqldb.DB) {
		s := newService(t, db)
		admin := as(1, "区管理员", auth.RoleAdmin, district)
		mk := func(in people.OrgInput) *people.Org { t.Helper(); return mustCreateOrg(admin, t, s, in) }
		street := mk(people.OrgInput{Kind: people.KindCommittee, Name: "建外街道党工委", RegionID: streetA, Secretary: "李书记"})
		community := mk(people.OrgInput{ParentID: street.ID, Kind: people.KindGeneralBranch, Name: "永安里社区党总支", RegionID: communityA})
		branchA := mk(people.OrgInput{ParentID: community.ID, Kind: people.KindBranch, Name: "第一网格党支部", RegionID: gridA})
		group := mk(people.OrgInput{ParentID: branchA.ID, Kind: people.KindGroup, Name: "1号楼党小组", BuildingID: 1})
		express := mk(people.OrgInput{ParentID: street.ID, Kind: people.KindCommittee, Name: "快递物流行业党委",
			Sector: people.SectorIndustry, SectorName: "快递物流"})
		streetBOrg := mk(people.OrgInput{Kind: people.KindCommittee, Name: "朝外街道党工委", RegionID: streetB})
		branchC := mk(people.OrgInput{ParentID: streetBOrg.ID, Kind: people.KindBranch, Name: "吉祥里第一网格党支部", RegionID: gridC})

		if group.Path != branchA.Path+itoa(group.ID)+"/" || group.RegionID != gridA || group.RegionPath != paths[gridA] {
			t.Errorf("group = %+v, want under %s tied to grid A", group, branchA.Path)
		}
		if express.RegionID != 0 || express.RegionPath != paths[streetA] || express.Sector != people.SectorIndustry {
			t.Errorf("industry committee = %+v, want the street's region path inherited", express)
		}
		if p, err := s.OrgPathOf(t.Context(), branchA.ID); err != nil || p != branchA.Path {
			t.Errorf("OrgPathOf = %q, %v", p, err)
		}

		// Kinds that do not fit their parent are refused and write nothing.
		before := count(t, db, "party_orgs")
		bad := []people.OrgInput{
			{Kind: people.KindBranch, Name: "无上级支部", RegionID: gridB},
			{ParentID: branchA.ID, Kind: people.KindBranch, Name: "支部下的支部"},
			{ParentID: community.ID, Kind: people.KindGroup, Name: "总支下的小组"},
			{ParentID: branchA.ID, Kind: people.KindGeneralBranch, Name: "支部下的总支"},
			{ParentID: community.ID, Kind: people.KindCommittee, Name: "总支下的党委"},
		}
		for _, in := range bad {
			_, err := s.CreateOrg(admin, in)
			if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != "kind" {
				t.Errorf("CreateOrg(%s): %v, want invalid kind", in.Name, err)
			}
		}
		for _, tt := range []struct {
			in    people.OrgInput
			field string
		}{
			{people.OrgInput{ParentID: 999, Kind: people.KindBranch, Name: "x"}, "parent_id"},
			{people.OrgInput{ParentID: street.ID, Kind: "cell", Name: "x"}, "kind"},
			{people.OrgInput{ParentID: street.ID, Kind: people.KindBranch, Name: " "}, "name"},
			{people.OrgInput{ParentID: street.ID, Kind: people.KindBranch, Name: "x", RegionID: 999}, "region_id"},
			{people.OrgInput{ParentID: street.ID, Kind: people.KindBranch, Name: "x", Sector: "army"}, "sector"},
			{people.OrgInput{ParentID: branchA.ID, Kind: people.KindGroup, Name: "x", RegionID: gridA, BuildingID: 3}, "building_id"},
		} {
			_, err := s.CreateOrg(admin, tt.in)
			if e := apperr.As(err); e == nil || e.Code != apperr.Invalid || e.Field != tt.field {
				t.Errorf("CreateOrg(%+v): %v, want invalid %s", tt.in, err, tt.field)
			}
		}
		if n := count(t, db, "party_orgs"); n != before {
			t.Errorf("%d organisations after refused creations, want %d", n, before)
		}

		// Scope: a leader of street A sees the organisations tied to street A,
		// including the inherited industry committee; a branch secretary with a
		// party scope on branch A sees its branch and group only.
		leader := as(20, "街道领导", auth.RoleLeader, streetA)
		orgs, n, err := s.FindOrgs(leader, people.OrgFilter{})
		if err != nil || n != 5 {
			t.Errorf("street A leader sees %d organisations, %v; want 5", n, err)
		}
		for _, o := range orgs {
			if o.ID == streetBOrg.ID || o.ID == branchC.ID {
				t.Errorf("street A leader sees %s", o.Name)
			}
		}
		secretary := auth.WithActor(t.Context(), &auth.Actor{UserID: 30, Name: "支部书记", Grants: []auth.Grant{
			{Role: auth.RoleBranchSecretary, Scope: auth.Scope{Kind: auth.ScopeParty, ID: branchA.ID, Path: branchA.Path}},
		}})
		orgs, n, err = s.FindOrgs(secretary, people.OrgFilter{})
		if err != nil || n != 2 || orgs[0].ID != branchA.ID || orgs[1].ID != group.ID {
			t.Errorf("branch secretary sees %d organisations, %v; want the branch and its group", n, err)
		}
		if _, err := s.FindOrgByID(secretary, community.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("branch secretary reads the general branch: %v, want not found", err)
		}
		if _, err := s.FindOrgByID(leader, branchC.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("street A leader reads street B's branch: %v, want not found", err)
		}
		if _, err := s.CreateOrg(leader, people.OrgInput{ParentID: branchA.ID, Kind: people.KindGroup, Name: "x"}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("leader creates an organisation: %v, want forbidden", err)
		}
		streetAdmin := as(2, "街道管理员", auth.RoleAdmin, streetA)
		if _, err := s.CreateOrg(streetAdmin, people.OrgInput{ParentID: streetBOrg.ID, Kind: people.KindBranch, Name: "x", RegionID: gridA}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("street A admin creates under street B's committee: %v, want not found", err)
		}
		if _, err := s.CreateOrg(streetAdmin, people.OrgInput{ParentID: community.ID, Kind: people.KindBranch, Name: "x", RegionID: gridC}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("street A admin ties a branch to street B's grid: %v, want forbidden", err)
		}
		if kind := people.KindBranch; true {
			_, n, _ := s.FindOrgs(admin, people.OrgFilter{Kind: &kind, RegionID: ptr(int64(streetA))})
			if n != 1 {
				t.Errorf("branches in street A = %d, want 1", n)
			}
			_, n, _ = s.FindOrgs(admin, people.OrgFilter{UnderID: &street.ID})
			if n != 5 {
				t.Errorf("organisations under the street committee = %d, want 5", n)
			}
		}

		// Coverage: grid A and grid C have a branch; grid B has none.
		for _, tt := range []struct {
			region         int64
			grids, covered int
		}{{district, 3, 2}, {streetA, 2, 1}, {communityA, 2, 1}, {gridB, 1, 0}, {streetB, 1, 1}} {
			c, err := s.Coverage(admin, tt.region)
			if err != nil || c.Grids != tt.grids || c.Covered != tt.covered {
				t.Errorf("Coverage(%d) = %+v, %v; want %d of %d", tt.region, c, err, tt.covered, tt.grids)
			}
		}
		c, _ := s.Coverage(admin, streetA)
		if c.Rate != 0.5 {
			t.Errorf("coverage rate of street A = %v, want 0.5", c.Rate)
		}
		if _, err := s.Coverage(leader, streetB); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("street A leader reads street B's coverage: %v, want not found", err)
		}

		// Members.
		r, err := s.CreateResident(system(), people.ResidentInput{HouseholdID: householdA, Name: "党员老张", Relation: people.RelationHead})
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.CreateMember(admin, people.MemberInput{OrgID: branchA.ID, ResidentID: r.ID, Name: "党员老张",
			Category: people.MemberRetired, JoinedOn: time.Date(1975, 7, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if m.OrgID != branchA.ID || m.ResidentID != r.ID || m.Category != people.MemberRetired || m.JoinedOn.Year() != 1975 {
			t.Errorf("member = %+v", m)
		}
		if got, _ := s.FindResidentByID(system(), r.ID); !got.PartyMember {
			t.Error("a resident who joined is not marked a party member")
		}
		if _, err := s.CreateMember(admin, people.MemberInput{OrgID: branchC.ID, ResidentID: r.ID, Name: "党员老张", Category: people.MemberRetired}); apperr.CodeOf(err) != apperr.Conflict {
			t.Errorf("a resident in two organisations: %v, want conflict", err)
		}
		if _, err := s.CreateMember(admin, people.MemberInput{OrgID: branchC.ID, Name: "在职党员", Category: people.MemberInService, ReportedRegionID: communityA}); err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateMember(admin, people.MemberInput{OrgID: branchA.ID, Name: "x", Category: "honorary", JoinedOn: fixedNow.AddDate(0, 0, 1)})
		if fields := fieldsOf(err); len(fields) != 2 || fields[0] != "category" || fields[1] != "joined_on" {
			t.Errorf("bad member: %v, want invalid category and joined_on", err)
		}
		if _, n, err := s.FindMembers(secretary, people.MemberFilter{}); err != nil || n != 1 {
			t.Errorf("branch secretary sees %d members, %v; want 1", n, err)
		}
		if _, n, _ := s.FindMembers(admin, people.MemberFilter{ReportedRegionID: ptr(int64(communityA))}); n != 1 {
			t.Errorf("members reported to community A = %d, want 1", n)
		}
		if _, n, _ := s.FindMembers(admin, people.MemberFilter{UnderOrgID: &street.ID}); n != 1 {
			t.Errorf("members under street A's committee = %d, want 1", n)
		}
		if n := count(t, db, "party_members"); n != 2 {
			t.Errorf("%d members, want 2", n)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func fieldsOf(err error) []string {
	var out []string
	for _, e := range listOf(err) {
		out = append(out, e.Field)
	}
	return out
}
