package auth_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
)

// wantActions is the permission table written out independently of
// action.go: a change to either must be deliberate.
var wantActions = map[auth.Role][]auth.Action{
	auth.RoleResident: {"case.read", "case.report", "case.verify", "case.rate"},
	auth.RoleGridWorker: {"region.read", "place.read", "place.write", "resident.read", "resident.write", "resident.pii", "ledger.import", "ledger.export",
		"case.read", "case.report", "case.register", "case.dispatch", "case.escalate", "case.handle", "case.self_handle", "case.verify"},
	auth.RoleBuildingHead:    {"region.read", "place.read", "resident.read", "case.read", "case.report", "case.rate"},
	auth.RoleUnitHead:        {"region.read", "place.read", "resident.read", "case.read", "case.report", "case.rate"},
	auth.RolePartyMember:     {"region.read", "party.read", "case.handle"},
	auth.RoleBranchSecretary: {"region.read", "place.read", "resident.read", "party.read", "case.read", "case.report", "case.register", "case.dispatch", "case.escalate", "case.handle"},
	auth.RoleDispatcher: {"region.read", "place.read", "resident.read", "resident.pii",
		"case.read", "case.report", "case.register", "case.dispatch", "case.escalate", "case.verify", "case.supervise"},
	auth.RoleDepartment:       {"region.read", "case.handle"},
	auth.RoleLeader:           {"region.read", "place.read", "resident.read", "party.read", "ledger.export", "audit.read", "case.read", "case.supervise", "case.instruct"},
	auth.RoleCourierVolunteer: {"region.read", "case.report", "case.rate"},
	auth.RoleAdmin: {"region.read", "region.write", "place.read", "place.write", "resident.read", "resident.write", "resident.pii",
		"party.read", "party.write", "user.read", "user.write", "ledger.import", "ledger.export", "audit.read", "service_point.write",
		"case.read"},
}

func allowed(r auth.Role, a auth.Action) bool {
	for _, x := range wantActions[r] {
		if x == a {
			return true
		}
	}
	return false
}

// TestCan covers every role at region, party and self scopes, against
// resources inside and outside the scope, for every action.
func TestCan(t *testing.T) {
	if len(wantActions) != len(auth.Roles) {
		t.Fatalf("test table has %d roles, auth.Roles %d", len(wantActions), len(auth.Roles))
	}
	const me = 42
	type place struct {
		name   string
		res    auth.Resource
		inside bool
	}
	cases := []struct {
		kind   auth.ScopeKind
		scope  auth.Scope
		places []place
	}{
		{auth.ScopeRegion, auth.Scope{Kind: auth.ScopeRegion, ID: 2, Path: "/1/2/"}, []place{
			{"scope root", auth.Resource{RegionPath: "/1/2/"}, true},
			{"grid below", auth.Resource{RegionPath: "/1/2/4/5/"}, true},
			{"sibling street", auth.Resource{RegionPath: "/1/3/"}, false},
			{"numeric prefix trap /1/20/", auth.Resource{RegionPath: "/1/20/"}, false},
			{"district above", auth.Resource{RegionPath: "/1/"}, false},
			{"party path equal to scope", auth.Resource{PartyPath: "/1/2/"}, false},
			{"own record only", auth.Resource{OwnerID: me}, false},
			{"zero resource", auth.Resource{}, false},
		}},
		{auth.ScopeParty, auth.Scope{Kind: auth.ScopeParty, ID: 100, Path: "/100/"}, []place{
			{"committee", auth.Resource{PartyPath: "/100/"}, true},
			{"branch below", auth.Resource{PartyPath: "/100/101/"}, true},
			{"other committee", auth.Resource{PartyPath: "/200/"}, false},
			{"region path equal to scope", auth.Resource{RegionPath: "/100/"}, false},
			{"own record only", auth.Resource{OwnerID: me}, false},
		}},
		{auth.ScopeSelf, auth.Scope{Kind: auth.ScopeSelf, ID: 4, Path: "/1/2/4/"}, []place{
			{"own record", auth.Resource{OwnerID: me, RegionPath: "/1/3/"}, true},
			{"someone else's record", auth.Resource{OwnerID: 43, RegionPath: "/1/2/4/"}, false},
			{"anchor region, no owner", auth.Resource{RegionPath: "/1/2/4/"}, false},
		}},
	}
	for _, role := range auth.Roles {
		for _, c := range cases {
			actor := &auth.Actor{UserID: me, Grants: []auth.Grant{{Role: role, Scope: c.scope}}}
			for _, p := range c.places {
				for _, act := range auth.Actions {
					want := p.inside && allowed(role, act)
					if got := auth.Can(actor, act, p.res); got != want {
						t.Errorf("%s at %s scope, %s, %s: Can = %v, want %v", role, c.kind, p.name, act, got, want)
					}
				}
			}
		}
	}
}

func TestCanSystemNilAndSeveralGrants(t *testing.T) {
	for _, act := range auth.Actions {
		if !auth.Can(auth.SystemActor(), act, auth.Resource{}) {
			t.Errorf("system cannot %s", act)
		}
		if auth.Can(nil, act, auth.Resource{RegionPath: "/1/"}) {
			t.Errorf("nil actor can %s", act)
		}
	}
	// A grid worker who is also a leader of the next street: each role
	// counts at its own scope only.
	a := &auth.Actor{UserID: 7, Grants: []auth.Grant{
		{Role: auth.RoleGridWorker, Scope: auth.Scope{Kind: auth.ScopeRegion, ID: 5, Path: "/1/2/4/5/"}},
		{Role: auth.RoleLeader, Scope: auth.Scope{Kind: auth.ScopeRegion, ID: 3, Path: "/1/3/"}},
	}}
	for _, c := range []struct {
		act  auth.Action
		path string
		want bool
	}{
		{auth.ActResidentWrite, "/1/2/4/5/", true},
		{auth.ActResidentWrite, "/1/3/6/", false}, // leaders do not write
		{auth.ActAuditRead, "/1/3/6/", true},
		{auth.ActAuditRead, "/1/2/4/5/", false}, // grid workers do not audit
		{auth.ActResidentRead, "/1/2/4/", false},
	} {
		if got := auth.Can(a, c.act, auth.Resource{RegionPath: c.path}); got != c.want {
			t.Errorf("Can(%s, %s) = %v, want %v", c.act, c.path, got, c.want)
		}
	}
}

func TestCanUser(t *testing.T) {
	region := func(r auth.Role, id int64, path string) auth.Grant {
		return auth.Grant{Role: r, Scope: auth.Scope{Kind: auth.ScopeRegion, ID: id, Path: path}}
	}
	adminX := &auth.Actor{UserID: 1, Grants: []auth.Grant{region(auth.RoleAdmin, 2, "/1/2/")}}
	workerX := []auth.Grant{region(auth.RoleGridWorker, 5, "/1/2/4/5/")}
	both := []auth.Grant{region(auth.RoleGridWorker, 5, "/1/2/4/5/"), region(auth.RoleLeader, 3, "/1/3/")}
	resident := []auth.Grant{{Role: auth.RoleResident, Scope: auth.Scope{Kind: auth.ScopeSelf, ID: 4, Path: "/1/2/4/"}}}
	party := []auth.Grant{{Role: auth.RolePartyMember, Scope: auth.Scope{Kind: auth.ScopeParty, ID: 101, Path: "/100/101/"}}}
	for _, c := range []struct {
		name             string
		grants           []auth.Grant
		wantRead, wantWr bool
	}{
		{"worker inside", workerX, true, true},
		{"resident anchored inside", resident, true, true},
		{"also works elsewhere: visible, not writable", both, true, false},
		{"party member: other tree", party, false, false},
		{"no grants", nil, false, false},
	} {
		if got := auth.CanReadUser(adminX, c.grants); got != c.wantRead {
			t.Errorf("%s: CanReadUser = %v, want %v", c.name, got, c.wantRead)
		}
		if got := auth.CanUser(adminX, auth.ActUserWrite, c.grants); got != c.wantWr {
			t.Errorf("%s: CanUser(write) = %v, want %v", c.name, got, c.wantWr)
		}
	}
	if !auth.CanUser(auth.SystemActor(), auth.ActUserWrite, nil) {
		t.Error("system cannot manage an account without grants")
	}
	ctx := auth.WithActor(context.Background(), adminX)
	if err := auth.CheckUser(ctx, auth.ActUserWrite, both); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("CheckUser outside = %v, want forbidden", err)
	}
	if err := auth.CheckUser(context.Background(), auth.ActUserWrite, workerX); apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Errorf("CheckUser without actor = %v, want unauthenticated", err)
	}
}

func TestScopedPaths(t *testing.T) {
	a := &auth.Actor{UserID: 1, Grants: []auth.Grant{
		{Role: auth.RoleAdmin, Scope: auth.Scope{Kind: auth.ScopeRegion, ID: 2, Path: "/1/2/"}},
		{Role: auth.RoleAdmin, Scope: auth.Scope{Kind: auth.ScopeParty, ID: 100, Path: "/100/"}},
		{Role: auth.RoleLeader, Scope: auth.Scope{Kind: auth.ScopeRegion, ID: 3, Path: "/1/3/"}},
	}}
	p, err := auth.ScopedPaths(auth.WithActor(context.Background(), a), auth.ActUserRead)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(p.Region, p.Party, p.All); got != "[/1/2/] [/100/] false" {
		t.Errorf("ScopedPaths = %s", got)
	}
	leader := &auth.Actor{UserID: 2, Grants: a.Grants[2:]}
	if _, err := auth.ScopedPaths(auth.WithActor(context.Background(), leader), auth.ActUserRead); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("leader ScopedPaths(user.read) = %v, want forbidden", err)
	}
}
