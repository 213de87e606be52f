package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

func TestAPITokens(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		bg := context.Background()
		gateway := f.mustUser(t, f.as(t, f.streetX), "sms_gateway", auth.GrantInput{Role: auth.RoleDispatcher, ScopeKind: auth.ScopeRegion, ScopeID: 4})
		admin := f.as(t, f.streetX)

		secret, tok, err := f.svc.CreateAPIToken(admin, gateway.ID, auth.APITokenInput{Name: "短信网关"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "gw_") || len(secret) != 46 || tok.Prefix != secret[:8] {
			t.Fatalf("secret %q, prefix %q", secret, tok.Prefix)
		}
		a, err := f.svc.AuthenticateAPIToken(bg, secret)
		if err != nil {
			t.Fatal(err)
		}
		want := &auth.Actor{UserID: gateway.ID, Name: "sms_gateway",
			Grants: []auth.Grant{{Role: auth.RoleDispatcher, Scope: auth.Scope{Kind: auth.ScopeRegion, ID: 4, Path: "/1/2/4/"}}}}
		if diff := cmp.Diff(want, a); diff != "" {
			t.Errorf("actor (-want +got):\n%s", diff)
		}
		for _, bad := range []string{"", "gw_", secret + "x", "x" + secret[1:], strings.TrimPrefix(secret, "gw_")} {
			_, err := f.svc.AuthenticateAPIToken(bg, bad)
			wantErr(t, err, apperr.Unauthenticated, "")
		}

		// Lists never hold the secret; last use is recorded.
		list, err := f.svc.ListAPITokens(admin, gateway.ID)
		if err != nil {
			t.Fatal(err)
		}
		now := f.clock.Now()
		wantList := []*auth.APIToken{{ID: tok.ID, UserID: gateway.ID, Name: "短信网关", Prefix: secret[:8], CreatedAt: now, LastUsedAt: &now}}
		if diff := cmp.Diff(wantList, list); diff != "" {
			t.Errorf("list (-want +got):\n%s", diff)
		}
		var n int
		if err := db.QueryRow(bg, `SELECT count(*) FROM api_tokens WHERE token_hash = $1 OR prefix = $1`, secret).Scan(&n); err != nil || n != 0 {
			t.Errorf("secret stored in clear (%d, %v)", n, err)
		}

		// The admin of the other street can neither list nor revoke it.
		_, err = f.svc.ListAPITokens(f.as(t, f.streetY), gateway.ID)
		wantErr(t, err, apperr.NotFound, "")
		wantErr(t, f.svc.RevokeAPIToken(f.as(t, f.streetY), tok.ID), apperr.NotFound, "")
		if err := f.svc.RevokeAPIToken(admin, tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.AuthenticateAPIToken(bg, secret)
		wantErr(t, err, apperr.Unauthenticated, "")
		if err := f.svc.RevokeAPIToken(admin, tok.ID); err != nil {
			t.Fatalf("second revoke: %v", err)
		}

		// Expiring tokens; users manage their own.
		exp := f.clock.Now().Add(time.Hour)
		own := f.as(t, gateway)
		secret2, _, err := f.svc.CreateAPIToken(own, gateway.ID, auth.APITokenInput{Name: "temp", ExpiresAt: &exp})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AuthenticateAPIToken(bg, secret2); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Hour)
		_, err = f.svc.AuthenticateAPIToken(bg, secret2)
		wantErr(t, err, apperr.Unauthenticated, "")

		// Bad input writes nothing.
		before := f.count(t, "api_tokens")
		_, _, err = f.svc.CreateAPIToken(own, gateway.ID, auth.APITokenInput{Name: " "})
		wantErr(t, err, apperr.Invalid, "name")
		past := f.clock.Now().Add(-time.Second)
		_, _, err = f.svc.CreateAPIToken(own, gateway.ID, auth.APITokenInput{Name: "old", ExpiresAt: &past})
		wantErr(t, err, apperr.Invalid, "expires_at")
		_, _, err = f.svc.CreateAPIToken(own, f.streetX.ID, auth.APITokenInput{Name: "steal"})
		wantErr(t, err, apperr.Forbidden, "")
		if f.count(t, "api_tokens") != before {
			t.Fatal("bad input wrote a token")
		}

		// Disabling the owner stops its tokens.
		secret3, _, _ := f.svc.CreateAPIToken(own, gateway.ID, auth.APITokenInput{Name: "third"})
		if err := f.svc.DisableUser(admin, gateway.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.AuthenticateAPIToken(bg, secret3)
		wantErr(t, err, apperr.Unauthenticated, "")
	})
}
