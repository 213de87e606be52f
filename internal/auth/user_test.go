package auth_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

func TestCreateUser(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		ctx := f.as(t, f.streetX)
		u, err := f.svc.CreateUser(ctx, auth.UserInput{
			Username: "  Wang.Fang ", DisplayName: " 王芳 ", Phone: "13800138000", Password: "wangfang88",
			Grants: []auth.GrantInput{{Role: auth.RoleGridWorker, ScopeKind: auth.ScopeRegion, ScopeID: 5}},
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.FindUserByID(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := &auth.User{ID: u.ID, Username: "wang.fang", DisplayName: "王芳", Phone: "13800138000",
			PasswordChangedAt: f.clock.Now(), CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now(),
			Grants: []auth.Grant{{Role: auth.RoleGridWorker, Scope: auth.Scope{Kind: auth.ScopeRegion, ID: 5, Path: "/1/2/4/5/"}}}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stored user (-want +got):\n%s", diff)
		}
		// The hash stored is a PHC argon2id string with the configured cost.
		var hash string
		if err := db.QueryRow(context.Background(), `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if !phcRe.MatchString(hash) || !strings.Contains(hash, "$m=1024,t=1,p=1$") {
			t.Errorf("stored hash %q", hash)
		}
	})
}

func TestCreateUserBadInputWritesNothing(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		ctx := f.as(t, f.streetX)
		worker := []auth.GrantInput{{Role: auth.RoleGridWorker, ScopeKind: auth.ScopeRegion, ScopeID: 5}}
		good := auth.UserInput{Username: "li_lei", DisplayName: "李雷", Password: "lilei2026", Grants: worker}
		users, grants := f.count(t, "users"), f.count(t, "user_grants")
		for _, c := range []struct {
			name  string
			edit  func(*auth.UserInput)
			code  apperr.Code
			field string
		}{
			{"short username", func(in *auth.UserInput) { in.Username = "li" }, apperr.Invalid, "username"},
			{"long username", func(in *auth.UserInput) { in.Username = strings.Repeat("a", 33) }, apperr.Invalid, "username"},
			{"username with space", func(in *auth.UserInput) { in.Username = "li lei" }, apperr.Invalid, "username"},
			{"chinese username", func(in *auth.UserInput) { in.Username = "李雷" }, apperr.Invalid, "username"},
			{"short password", func(in *auth.UserInput) { in.Password = "ab12" }, apperr.Invalid, "password"},
			{"password without digit", func(in *auth.UserInput) { in.Password = "abcdefghij" }, apperr.Invalid, "password"},
			{"password without letter", func(in *auth.UserInput) { in.Password = "1234567890" }, apperr.Invalid, "password"},
			{"no display name", func(in *auth.UserInput) { in.DisplayName = " " }, apperr.Invalid, "display_name"},
			{"bad phone", func(in *auth.UserInput) { in.Phone = "12345" }, apperr.Invalid, "phone"},
			{"unknown role", func(in *auth.UserInput) {
				in.Grants = []auth.GrantInput{{Role: "king", ScopeKind: auth.ScopeRegion, ScopeID: 5}}
			}, apperr.Invalid, "grants[0].role"},
			{"resident at region scope", func(in *auth.UserInput) {
				in.Grants = []auth.GrantInput{{Role: auth.RoleResident, ScopeKind: auth.ScopeRegion, ScopeID: 5}}
			}, apperr.Invalid, "grants[0].scope_kind"},
			{"unknown scope", func(in *auth.UserInput) {
				in.Grants = []auth.GrantInput{{Role: auth.RoleGridWorker, ScopeKind: auth.ScopeRegion, ScopeID: 999}}
			}, apperr.Invalid, "grants[0].scope_id"},
			{"no grants", func(in *auth.UserInput) { in.Grants = nil }, apperr.Invalid, "grants"},
			{"grant in the other street", func(in *auth.UserInput) {
				in.Grants = append(worker, auth.GrantInput{Role: auth.RoleGridWorker, ScopeKind: auth.ScopeRegion, ScopeID: 6})
			}, apperr.Forbidden, ""},
			{"grant above own scope", func(in *auth.UserInput) {
				in.Grants = []auth.GrantInput{{Role: auth.RoleAdmin, ScopeKind: auth.ScopeRegion, ScopeID: 1}}
			}, apperr.Forbidden, ""},
			{"duplicate username, other case", func(in *auth.UserInput) { in.Username = "X_Admin" }, apperr.Conflict, "username"},
		} {
			t.Run(c.name, func(t *testing.T) {
				in := good
				c.edit(&in)
				_, err := f.svc.CreateUser(ctx, in)
				wantErr(t, err, c.code, c.field)
				if u, g := f.count(t, "users"), f.count(t, "user_grants"); u != users || g != grants {
					t.Fatalf("rows written: users %d→%d, grants %d→%d", users, u, grants, g)
				}
			})
		}
		// A grid worker may not create accounts at all.
		w := f.mustUser(t, ctx, "worker1", worker...)
		_, err := f.svc.CreateUser(f.as(t, w), good)
		wantErr(t, err, apperr.Forbidden, "")
		_, err = f.svc.CreateUser(context.Background(), good)
		wantErr(t, err, apperr.Unauthenticated, "")
	})
}

func TestCreateUserTxWithSystemPath(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		// The demo generator creates a region and its staff in one
		// transaction; the resolver cannot see the region yet.
		var u *auth.User
		err := db.Transact(f.sys, func(tx *sqldb.Tx) error {
			var err error
			u, err = f.svc.CreateUserTx(f.sys, tx, auth.UserInput{Username: "demo_worker", DisplayName: "演示网格员", Password: "demo2026",
				Grants: []auth.GrantInput{{Role: auth.RoleGridWorker, ScopeKind: auth.ScopeRegion, ScopeID: 77, ScopePath: "/1/2/77/"}}})
			if err != nil {
				return err
			}
			_, err = f.svc.GrantTx(f.sys, tx, u.ID, auth.GrantInput{Role: auth.RolePartyMember, ScopeKind: auth.ScopeParty, ScopeID: 88, ScopePath: "/100/88/"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.FindUserByID(f.as(t, f.streetX), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Grants) != 2 || got.Grants[0].Scope.Path != "/1/2/77/" || got.Grants[1].Scope.Path != "/100/88/" {
			t.Errorf("grants = %+v", got.Grants)
		}
		// Anyone but the system gets paths from the resolver, never from input.
		err = db.Transact(f.sys, func(tx *sqldb.Tx) error {
			_, err := f.svc.CreateUserTx(f.as(t, f.streetX), tx, auth.UserInput{Username: "sneaky", DisplayName: "x", Password: "sneaky123",
				Grants: []auth.GrantInput{{Role: auth.RoleGridWorker, ScopeKind: auth.ScopeRegion, ScopeID: 6, ScopePath: "/1/2/6/"}}})
			return err
		})
		wantErr(t, err, apperr.Forbidden, "")
	})
}

func TestFindUsersScoped(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		f.mustUser(t, f.sys, "grid_a", auth.GrantInput{Role: auth.RoleGridWorker, ScopeKind: auth.ScopeRegion, ScopeID: 5})
		f.mustUser(t, f.sys, "resident_a", auth.GrantInput{Role: auth.RoleResident, ScopeKind: auth.ScopeSelf, ScopeID: 4})
		f.mustUser(t, f.sys, "community_b", auth.GrantInput{Role: auth.RoleDispatcher, ScopeKind: auth.ScopeRegion, ScopeID: 6})
		f.mustUser(t, f.sys, "both_streets",
			auth.GrantInput{Role: auth.RoleGridWorker, ScopeKind: auth.ScopeRegion, ScopeID: 5},
			auth.GrantInput{Role: auth.RoleLeader, ScopeKind: auth.ScopeRegion, ScopeID: 3})
		f.mustUser(t, f.sys, "party_only", auth.GrantInput{Role: auth.RolePartyMember, ScopeKind: auth.ScopeParty, ScopeID: 101})
		partyAdmin := f.mustUser(t, f.sys, "party_admin", auth.GrantInput{Role: auth.RoleAdmin, ScopeKind: auth.ScopeParty, ScopeID: 100})

		names := func(ctx context.Context, filter auth.UserFilter) ([]string, int) {
			t.Helper()
			users, total, err := f.svc.FindUsers(ctx, filter)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, u := range users {
				out = append(out, u.Username)
			}
			return out, total
		}
		for _, c := range []struct {
			name   string
			ctx    context.Context
			filter auth.UserFilter
			want   []string
			total  int
		}{
			{"street X admin", f.as(t, f.streetX), auth.UserFilter{}, []string{"both_streets", "grid_a", "resident_a", "x_admin"}, 4},
			{"street Y admin", f.as(t, f.streetY), auth.UserFilter{}, []string{"both_streets", "community_b", "y_admin"}, 3},
			{"party admin", f.as(t, partyAdmin), auth.UserFilter{}, []string{"party_admin", "party_only"}, 2},
			{"district admin, paged", f.as(t, f.district), auth.UserFilter{Limit: 2, Offset: 1}, []string{"community_b", "district_admin"}, 7},
			{"query", f.as(t, f.streetX), auth.UserFilter{Query: ptr("GRID")}, []string{"grid_a"}, 1},
			{"query is not a pattern", f.as(t, f.streetX), auth.UserFilter{Query: ptr("%")}, nil, 0},
			{"role", f.as(t, f.district), auth.UserFilter{Role: ptr(auth.RoleGridWorker)}, []string{"both_streets", "grid_a"}, 2},
		} {
			got, total := names(c.ctx, c.filter)
			if diff := cmp.Diff(c.want, got); diff != "" || total != c.total {
				t.Errorf("%s: total %d (want %d), users (-want +got):\n%s", c.name, total, c.total, diff)
			}
		}
		worker := f.mustUser(t, f.sys, "grid_c", auth.GrantInput{Role: auth.RoleGridWorker, ScopeKind: auth.ScopeRegion, ScopeID: 5})
		_, _, err := f.svc.FindUsers(f.as(t, worker), auth.UserFilter{})
		wantErr(t, err, apperr.Forbidden, "")
		// A worker reads its own account, not its neighbour's; the admin of
		// street Y does not see X's resident at all.
		if _, err := f.svc.FindUserByID(f.as(t, worker), worker.ID); err != nil {
			t.Errorf("read own account: %v", err)
		}
		_, err = f.svc.FindUserByID(f.as(t, worker), f.streetX.ID)
		wantErr(t, err, apperr.Forbidden, "")
		users, _, _ := f.svc.FindUsers(f.as(t, f.streetX), auth.UserFilter{Query: ptr("resident_a")})
		_, err = f.svc.FindUserByID(f.as(t, f.streetY), users[0].ID)
		wantErr(t, err, apperr.NotFound, "")
	})
}

func ptr[T any](v T) *T { return &v }

func TestUpdateAndDisableUser(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		worker := f.mustUser(t, f.sys, "grid_a", auth.GrantInput{Role: auth.RoleGridWorker, ScopeKind: auth.ScopeRegion, ScopeID: 5})
		both := f.mustUser(t, f.sys, "both_streets",
			auth.GrantInput{Role: auth.RoleGridWorker, ScopeKind: auth.ScopeRegion, ScopeID: 5},
			auth.GrantInput{Role: auth.RoleLeader, ScopeKind: auth.ScopeRegion, ScopeID: 3})

		// Users edit their own profile.
		u, err := f.svc.UpdateUser(f.as(t, worker), worker.ID, auth.UserUpdate{DisplayName: ptr("张伟"), Phone: ptr("0571-87654321")})
		if err != nil || u.DisplayName != "张伟" || u.Phone != "0571-87654321" {
			t.Fatalf("update own = %+v, %v", u, err)
		}
		_, err = f.svc.UpdateUser(f.as(t, worker), worker.ID, auth.UserUpdate{Phone: ptr("call me")})
		wantErr(t, err, apperr.Invalid, "phone")
		if got, _ := f.svc.FindUserByID(f.sys, worker.ID); got.Phone != "0571-87654321" {
			t.Errorf("bad update wrote phone %q", got.Phone)
		}
		// An admin covering only part of an account cannot change it.
		_, err = f.svc.UpdateUser(f.as(t, f.streetX), both.ID, auth.UserUpdate{DisplayName: ptr("x")})
		wantErr(t, err, apperr.Forbidden, "")
		wantErr(t, f.svc.DisableUser(f.as(t, f.streetX), both.ID), apperr.Forbidden, "")
		wantErr(t, f.svc.DisableUser(f.as(t, f.streetX), f.streetX.ID), apperr.Invalid, "id")
		wantErr(t, f.svc.DisableUser(f.as(t, worker), worker.ID), apperr.Forbidden, "")

		token, _, err := f.svc.Login(context.Background(), "grid_a", testPassword, auth.LoginMeta{}, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DisableUser(f.as(t, f.streetX), worker.ID); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.Authenticate(context.Background(), token)
		wantErr(t, err, apperr.Unauthenticated, "")
		_, _, err = f.svc.Login(context.Background(), "grid_a", testPassword, auth.LoginMeta{}, "")
		wantErr(t, err, apperr.Forbidden, "")
		// A disabled account with a wrong password learns nothing more.
		_, _, err = f.svc.Login(context.Background(), "grid_a", "wrong12345", auth.LoginMeta{}, "")
		wantErr(t, err, apperr.Unauthenticated, "")
		if err := f.svc.EnableUser(f.as(t, f.streetX), worker.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Login(context.Background(), "grid_a", testPassword, auth.LoginMeta{}, ""); err != nil {
			t.Fatalf("login after enable: %v", err)
		}
	})
}

func TestSetPassword(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		worker := f.mustUser(t, f.sys, "grid_a", auth.GrantInput{Role: auth.RoleGridWorker, ScopeKind: auth.ScopeRegion, ScopeID: 5})
		bg := context.Background()
		token, _, err := f.svc.Login(bg, "grid_a", testPassword, auth.LoginMeta{}, "")
		if err != nil {
			t.Fatal(err)
		}
		self := f.as(t, worker)
		wantErr(t, f.svc.SetPassword(self, worker.ID, "wrong1234", "newpass123"), apperr.Invalid, "old_password")
		wantErr(t, f.svc.SetPassword(self, worker.ID, testPassword, "short1"), apperr.Invalid, "password")
		if _, _, err := f.svc.Authenticate(bg, token); err != nil {
			t.Fatalf("failed password changes ended the session: %v", err)
		}
		if err := f.svc.SetPassword(self, worker.ID, testPassword, "newpass123"); err != nil {
			t.Fatal(err)
		}
		// Changing the password ends every session.
		_, _, err = f.svc.Authenticate(bg, token)
		wantErr(t, err, apperr.Unauthenticated, "")
		_, _, err = f.svc.Login(bg, "grid_a", testPassword, auth.LoginMeta{}, "")
		wantErr(t, err, apperr.Unauthenticated, "")
		if _, _, err := f.svc.Login(bg, "grid_a", "newpass123", auth.LoginMeta{}, ""); err != nil {
			t.Fatalf("login with new password: %v", err)
		}
		// Admins reset without the old password, inside their scope only.
		wantErr(t, f.svc.SetPassword(f.as(t, f.streetY), worker.ID, "", "reset12345"), apperr.NotFound, "")
		if err := f.svc.SetPassword(f.as(t, f.streetX), worker.ID, "", "reset12345"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Login(bg, "grid_a", "reset12345", auth.LoginMeta{}, ""); err != nil {
			t.Fatalf("login with reset password: %v", err)
		}
	})
}
