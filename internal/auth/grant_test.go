package auth_test

import (
	"context"
	"testing"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

func TestGrantAndRevoke(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		bg := context.Background()
		adminX := f.as(t, f.streetX)
		worker := f.mustUser(t, adminX, "grid_a", auth.GrantInput{Role: auth.RoleGridWorker, ScopeKind: auth.ScopeRegion, ScopeID: 5})
		grants := f.count(t, "user_grants")

		for _, c := range []struct {
			name  string
			ctx   context.Context
			in    auth.GrantInput
			code  apperr.Code
			field string
		}{
			{"other street", adminX, auth.GrantInput{Role: auth.RoleDispatcher, ScopeKind: auth.ScopeRegion, ScopeID: 6}, apperr.Forbidden, ""},
			{"above own scope", adminX, auth.GrantInput{Role: auth.RoleLeader, ScopeKind: auth.ScopeRegion, ScopeID: 1}, apperr.Forbidden, ""},
			{"party tree without a party scope", adminX, auth.GrantInput{Role: auth.RolePartyMember, ScopeKind: auth.ScopeParty, ScopeID: 101}, apperr.Forbidden, ""},
			{"grid worker grants", f.as(t, worker), auth.GrantInput{Role: auth.RoleAdmin, ScopeKind: auth.ScopeRegion, ScopeID: 5}, apperr.Forbidden, ""},
			{"no actor", bg, auth.GrantInput{Role: auth.RoleDispatcher, ScopeKind: auth.ScopeRegion, ScopeID: 4}, apperr.Unauthenticated, ""},
			{"unknown role", adminX, auth.GrantInput{Role: "mayor", ScopeKind: auth.ScopeRegion, ScopeID: 4}, apperr.Invalid, "role"},
			{"unknown kind", adminX, auth.GrantInput{Role: auth.RoleDispatcher, ScopeKind: "city", ScopeID: 4}, apperr.Invalid, "scope_kind"},
			{"no scope", adminX, auth.GrantInput{Role: auth.RoleDispatcher, ScopeKind: auth.ScopeRegion}, apperr.Invalid, "scope_id"},
			{"unknown scope", adminX, auth.GrantInput{Role: auth.RoleDispatcher, ScopeKind: auth.ScopeRegion, ScopeID: 404}, apperr.Invalid, "scope_id"},
			{"held already", adminX, auth.GrantInput{Role: auth.RoleGridWorker, ScopeKind: auth.ScopeRegion, ScopeID: 5}, apperr.Conflict, "role"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := f.svc.Grant(c.ctx, worker.ID, c.in)
				wantErr(t, err, c.code, c.field)
				if n := f.count(t, "user_grants"); n != grants {
					t.Fatalf("grants %d → %d", grants, n)
				}
			})
		}
		_, err := f.svc.Grant(adminX, 9999, auth.GrantInput{Role: auth.RoleDispatcher, ScopeKind: auth.ScopeRegion, ScopeID: 4})
		wantErr(t, err, apperr.NotFound, "")

		// Inside its subtree the admin grants, and the role works at the
		// holder's next request.
		tok, _, err := f.svc.Login(bg, "grid_a", testPassword, auth.LoginMeta{}, "")
		if err != nil {
			t.Fatal(err)
		}
		g, err := f.svc.Grant(adminX, worker.ID, auth.GrantInput{Role: auth.RoleDispatcher, ScopeKind: auth.ScopeRegion, ScopeID: 4})
		if err != nil {
			t.Fatal(err)
		}
		if g.Scope.Path != "/1/2/4/" {
			t.Errorf("granted path %q", g.Scope.Path)
		}
		a, _, err := f.svc.Authenticate(bg, tok)
		if err != nil {
			t.Fatal(err)
		}
		if !auth.Can(a, auth.ActResidentPII, auth.Resource{RegionPath: "/1/2/4/9/"}) {
			t.Error("new dispatcher grant not in effect")
		}

		// The other street's admin cannot revoke it; the district's can.
		revoke := auth.GrantInput{Role: auth.RoleDispatcher, ScopeKind: auth.ScopeRegion, ScopeID: 4}
		wantErr(t, f.svc.Revoke(f.as(t, f.streetY), worker.ID, revoke), apperr.Forbidden, "")
		if err := f.svc.Revoke(f.as(t, f.district), worker.ID, revoke); err != nil {
			t.Fatal(err)
		}
		wantErr(t, f.svc.Revoke(f.as(t, f.district), worker.ID, revoke), apperr.NotFound, "")
		a, _, _ = f.svc.Authenticate(bg, tok)
		if auth.Can(a, auth.ActResidentPII, auth.Resource{RegionPath: "/1/2/4/9/"}) {
			t.Error("revoked grant still in effect")
		}

		// Residents are anchored in a region; party admins grant in the party tree.
		res, err := f.svc.Grant(adminX, worker.ID, auth.GrantInput{Role: auth.RoleResident, ScopeKind: auth.ScopeSelf, ScopeID: 4})
		if err != nil || res.Scope.Path != "/1/2/4/" {
			t.Fatalf("resident grant = %+v, %v", res, err)
		}
		partyAdmin := f.mustUser(t, f.sys, "party_admin", auth.GrantInput{Role: auth.RoleAdmin, ScopeKind: auth.ScopeParty, ScopeID: 100})
		pm, err := f.svc.Grant(f.as(t, partyAdmin), worker.ID, auth.GrantInput{Role: auth.RolePartyMember, ScopeKind: auth.ScopeParty, ScopeID: 101})
		if err != nil || pm.Scope.Path != "/100/101/" {
			t.Fatalf("party grant = %+v, %v", pm, err)
		}
	})
}
