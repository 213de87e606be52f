package auth_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

func TestLoginWrongPasswordAndUnknownUser(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		bg := context.Background()
		_, _, wrong := f.svc.Login(bg, "x_admin", "wrong12345", auth.LoginMeta{IP: "10.0.0.1"}, "")
		_, _, unknown := f.svc.Login(bg, "nobody", "wrong12345", auth.LoginMeta{IP: "10.0.0.1"}, "")
		wantErr(t, wrong, apperr.Unauthenticated, "")
		// Same code, same field, same words: nothing tells the two apart.
		if diff := cmp.Diff(apperr.As(wrong), apperr.As(unknown)); diff != "" {
			t.Errorf("unknown user and wrong password differ (-wrong +unknown):\n%s", diff)
		}
		// A megabyte of password costs no more than a short one, and fails.
		_, _, err := f.svc.Login(bg, "x_admin", testPassword+strings.Repeat("a", 1<<20), auth.LoginMeta{}, "")
		wantErr(t, err, apperr.Unauthenticated, "")
		if f.count(t, "sessions") != 0 {
			t.Fatal("a failed login created a session")
		}
		// Usernames are case-insensitive.
		token, sess, err := f.svc.Login(bg, " X_Admin ", testPassword, auth.LoginMeta{IP: "10.0.0.1", UserAgent: "test"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(token) != 43 || sess.UserID != f.streetX.ID || sess.IP != "10.0.0.1" || sess.UserAgent != "test" {
			t.Errorf("token %q, session %+v", token, sess)
		}
		// Every answered attempt is audited, known user or not.
		rows, err := db.Query(bg, `SELECT username, COALESCE(user_id, 0), ip, result FROM login_attempts ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for rows.Next() {
			var name, ip, result string
			var uid int64
			if err := rows.Scan(&name, &uid, &ip, &result); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%s %d %s %s", name, uid, ip, result))
		}
		rows.Close()
		x := f.streetX.ID
		want := []string{
			fmt.Sprintf("x_admin %d 10.0.0.1 bad_password", x),
			"nobody 0 10.0.0.1 unknown_user",
			fmt.Sprintf("x_admin %d  bad_password", x),
			fmt.Sprintf("x_admin %d 10.0.0.1 ok", x),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("login_attempts (-want +got):\n%s", diff)
		}
		f.clock.Advance(time.Hour)
		_, err = f.svc.PurgeLoginAttempts(f.as(t, f.district), f.clock.Now())
		wantErr(t, err, apperr.Forbidden, "")
		if n, err := f.svc.PurgeLoginAttempts(f.sys, f.clock.Now()); err != nil || n != 4 {
			t.Errorf("PurgeLoginAttempts = %d, %v; want 4", n, err)
		}
		// The token is not stored, only its hash.
		var n int
		if err := db.QueryRow(bg, `SELECT count(*) FROM sessions WHERE token_hash = $1`, token).Scan(&n); err != nil || n != 0 {
			t.Errorf("token stored in clear (%d, %v)", n, err)
		}
	})
}

func TestLockout(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		bg := context.Background()
		for _, name := range []string{"x_admin", "ghost"} { // a real account and an unknown name
			t.Run(name, func(t *testing.T) {
				var errs []error
				for i := range 5 {
					_, _, err := f.svc.Login(bg, name, fmt.Sprintf("wrong%d123", i), auth.LoginMeta{}, "")
					errs = append(errs, err)
				}
				for i, err := range errs[:4] {
					if apperr.CodeOf(err) != apperr.Unauthenticated {
						t.Fatalf("failure %d: %v, want unauthenticated", i+1, err)
					}
				}
				// The fifth failure locks, and the error says for how long.
				wantErr(t, errs[4], apperr.TooMany, "")
				if e := apperr.As(errs[4]); e.Msg.EN != "too many failed sign-ins: the account is locked, try again in 15 minutes" {
					t.Errorf("lock message = %q", e.Msg.EN)
				}
				// While locked even the right password fails.
				f.clock.Advance(14 * time.Minute)
				_, _, err := f.svc.Login(bg, name, testPassword, auth.LoginMeta{}, "")
				wantErr(t, err, apperr.TooMany, "")
				if e := apperr.As(err); e.Msg.ZH != "登录失败次数过多，账户已锁定，请 1 分钟后再试" {
					t.Errorf("lock message = %q", e.Msg.ZH)
				}
				f.clock.Advance(time.Minute)
				_, _, err = f.svc.Login(bg, name, testPassword, auth.LoginMeta{}, "")
				if name == "ghost" {
					wantErr(t, err, apperr.Unauthenticated, "")
					return
				}
				if err != nil {
					t.Fatalf("login after the lock ended: %v", err)
				}
				// Success resets the count: four more failures do not lock.
				for range 4 {
					_, _, err := f.svc.Login(bg, name, "wrong12345", auth.LoginMeta{}, "")
					wantErr(t, err, apperr.Unauthenticated, "")
				}
				if _, _, err := f.svc.Login(bg, name, testPassword, auth.LoginMeta{}, ""); err != nil {
					t.Fatalf("login after 4 failures: %v", err)
				}
			})
		}
	})
}

func TestLockoutConfigurable(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, func(o *auth.Options) { o.LockoutThreshold, o.LockoutDuration = 2, time.Hour })
		bg := context.Background()
		f.svc.Login(bg, "y_admin", "wrong12345", auth.LoginMeta{}, "")
		_, _, err := f.svc.Login(bg, "y_admin", "wrong12345", auth.LoginMeta{}, "")
		wantErr(t, err, apperr.TooMany, "")
		f.clock.Advance(59 * time.Minute)
		_, _, err = f.svc.Login(bg, "y_admin", testPassword, auth.LoginMeta{}, "")
		wantErr(t, err, apperr.TooMany, "")
		u, _ := f.svc.FindUserByID(f.sys, f.streetY.ID)
		if !u.Locked(f.clock.Now()) {
			t.Error("User.Locked = false during the lock")
		}
		f.clock.Advance(time.Minute)
		if _, _, err := f.svc.Login(bg, "y_admin", testPassword, auth.LoginMeta{}, ""); err != nil {
			t.Fatal(err)
		}
	})
}

func TestIPThrottle(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, func(o *auth.Options) { o.IPRate = 20; o.LockoutThreshold = 1000 })
		bg := context.Background()
		a := auth.LoginMeta{IP: "203.0.113.7"}
		for i := range 20 {
			if _, _, err := f.svc.Login(bg, fmt.Sprintf("user%d", i), "wrong12345", a, ""); apperr.CodeOf(err) != apperr.Unauthenticated {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		_, _, err := f.svc.Login(bg, "x_admin", testPassword, a, "")
		wantErr(t, err, apperr.TooMany, "")
		// Another address is not affected; the blocked one recovers at the
		// refill rate of one attempt each three seconds.
		if _, _, err := f.svc.Login(bg, "x_admin", testPassword, auth.LoginMeta{IP: "203.0.113.8"}, ""); err != nil {
			t.Fatalf("other address: %v", err)
		}
		f.clock.Advance(3 * time.Second)
		if _, _, err := f.svc.Login(bg, "x_admin", testPassword, a, ""); err != nil {
			t.Fatalf("after refill: %v", err)
		}
		_, _, err = f.svc.Login(bg, "x_admin", testPassword, a, "")
		wantErr(t, err, apperr.TooMany, "")
	})
}

func TestSessionRotationAndExpiry(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		bg := context.Background()
		login := func(old string) string {
			t.Helper()
			tok, _, err := f.svc.Login(bg, "x_admin", testPassword, auth.LoginMeta{IP: "10.1.1.1"}, old)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		first := login("")
		a, sess, err := f.svc.Authenticate(bg, first)
		if err != nil {
			t.Fatal(err)
		}
		want := &auth.Actor{UserID: f.streetX.ID, Name: "x_admin",
			Grants: []auth.Grant{{Role: auth.RoleAdmin, Scope: auth.Scope{Kind: auth.ScopeRegion, ID: 2, Path: "/1/2/"}}}}
		if diff := cmp.Diff(want, a); diff != "" {
			t.Errorf("actor (-want +got):\n%s", diff)
		}
		if !sess.ExpiresAt.Equal(f.clock.Now().Add(12*time.Hour)) || !sess.IdleUntil.Equal(f.clock.Now().Add(2*time.Hour)) {
			t.Errorf("session expiry %v, idle %v", sess.ExpiresAt, sess.IdleUntil)
		}

		// Rotation: logging in again with the old cookie ends the old session.
		second := login(first)
		if second == first {
			t.Fatal("login reused the token")
		}
		_, _, err = f.svc.Authenticate(bg, first)
		wantErr(t, err, apperr.Unauthenticated, "")
		if _, _, err := f.svc.Authenticate(bg, second); err != nil {
			t.Fatal(err)
		}

		// Idle expiry slides with use, but last_seen is written at most once
		// a minute.
		f.clock.Advance(30 * time.Second)
		_, sess, _ = f.svc.Authenticate(bg, second)
		if !sess.LastSeenAt.Equal(f.clock.Now().Add(-30 * time.Second)) {
			t.Errorf("last seen rewritten within a minute: %v", sess.LastSeenAt)
		}
		for range 6 { // active all day: 6 × 1h50m, past the 2h idle limit many times over
			f.clock.Advance(110 * time.Minute)
			if _, _, err := f.svc.Authenticate(bg, second); err != nil {
				t.Fatalf("active session ended: %v", err)
			}
		}
		// Absolute expiry: 12 hours after login, however active.
		f.clock.Advance(12*time.Hour - 6*110*time.Minute - 30*time.Second - time.Second)
		if _, _, err := f.svc.Authenticate(bg, second); err != nil {
			t.Fatalf("one second before the end: %v", err)
		}
		f.clock.Advance(time.Second)
		_, _, err = f.svc.Authenticate(bg, second)
		wantErr(t, err, apperr.Unauthenticated, "")

		// Idle expiry: 2 hours without a request.
		third := login("")
		f.clock.Advance(2*time.Hour - time.Second)
		if _, _, err := f.svc.Authenticate(bg, third); err != nil {
			t.Fatalf("before the idle limit: %v", err)
		}
		fourth := login("")
		f.clock.Advance(2 * time.Hour)
		_, _, err = f.svc.Authenticate(bg, fourth)
		wantErr(t, err, apperr.Unauthenticated, "")
		if e := apperr.As(err); e.Msg.EN != "your session has expired, please sign in again" {
			t.Errorf("expiry message %q", e.Msg.EN)
		}
		_, _, err = f.svc.Authenticate(bg, "not-a-token")
		wantErr(t, err, apperr.Unauthenticated, "")
	})
}

func TestLogoutAndLogoutAll(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		bg := context.Background()
		var tokens []string
		for range 3 {
			tok, _, err := f.svc.Login(bg, "x_admin", testPassword, auth.LoginMeta{}, "")
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, tok)
		}
		if err := f.svc.Logout(bg, tokens[0]); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Logout(bg, tokens[0]); err != nil {
			t.Fatalf("second logout: %v", err)
		}
		_, _, err := f.svc.Authenticate(bg, tokens[0])
		wantErr(t, err, apperr.Unauthenticated, "")
		if _, _, err := f.svc.Authenticate(bg, tokens[1]); err != nil {
			t.Fatal(err)
		}
		// The admin of the other street may not end these sessions.
		wantErr(t, f.svc.LogoutAll(f.as(t, f.streetY), f.streetX.ID), apperr.NotFound, "")
		if err := f.svc.LogoutAll(f.as(t, f.district), f.streetX.ID); err != nil {
			t.Fatal(err)
		}
		for _, tok := range tokens[1:] {
			_, _, err := f.svc.Authenticate(bg, tok)
			wantErr(t, err, apperr.Unauthenticated, "")
		}
		// Expired sessions are purged by the system's periodic job only.
		tok, _, _ := f.svc.Login(bg, "y_admin", testPassword, auth.LoginMeta{}, "")
		f.clock.Advance(3 * time.Hour)
		_, err = f.svc.DeleteExpiredSessions(f.as(t, f.district))
		wantErr(t, err, apperr.Forbidden, "")
		if n, err := f.svc.DeleteExpiredSessions(f.sys); err != nil || n != 1 {
			t.Fatalf("DeleteExpiredSessions = %d, %v; want 1", n, err)
		}
		_, _, err = f.svc.Authenticate(bg, tok)
		wantErr(t, err, apperr.Unauthenticated, "")
	})
}

func TestLoginRehashesOldParameters(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		stronger := auth.Argon2Params{Memory: 2048, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}
		svc := auth.NewService(db, testResolver, auth.Options{Now: f.clock.Now, Argon2: stronger, Logger: slog.New(slog.DiscardHandler)})
		bg := context.Background()
		// The stored hash (m=1024) still verifies: its parameters come from
		// the hash, not the service...
		if _, _, err := svc.Login(bg, "x_admin", testPassword, auth.LoginMeta{}, ""); err != nil {
			t.Fatal(err)
		}
		// ...and is upgraded to the current ones on success.
		var hash string
		if err := db.QueryRow(bg, `SELECT password_hash FROM users WHERE id = $1`, f.streetX.ID).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if !phcRe.MatchString(hash) || hash[:30] != "$argon2id$v=19$m=2048,t=2,p=1$" {
			t.Errorf("hash after login = %q", hash)
		}
		if _, _, err := f.svc.Login(bg, "x_admin", testPassword, auth.LoginMeta{}, ""); err != nil {
			t.Fatal(err)
		}
	})
}

// The two failure paths cost the same hashing work; compare with
//
//	go test -run - -bench Login ./internal/auth/
func BenchmarkLoginWrongPassword(b *testing.B) {
	benchLogin(b, "x_admin")
}

func BenchmarkLoginUnknownUser(b *testing.B) {
	benchLogin(b, "nobody")
}

func benchLogin(b *testing.B, name string) {
	db := sqldbtest.SQLite(b, sqldbtest.Options{})
	svc := auth.NewService(db, testResolver, auth.Options{LockoutThreshold: 1 << 30, Logger: slog.New(slog.DiscardHandler)})
	sys := auth.WithActor(context.Background(), auth.SystemActor())
	if _, err := svc.CreateUser(sys, auth.UserInput{Username: "x_admin", DisplayName: "x", Password: testPassword,
		Grants: []auth.GrantInput{{Role: auth.RoleAdmin, ScopeKind: auth.ScopeRegion, ScopeID: 2}}}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := svc.Login(context.Background(), name, "wrong12345", auth.LoginMeta{}, ""); apperr.CodeOf(err) != apperr.Unauthenticated {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthenticate(b *testing.B) {
	db := sqldbtest.SQLite(b, sqldbtest.Options{})
	svc := auth.NewService(db, testResolver, auth.Options{Argon2: auth.FastArgon2(), Logger: slog.New(slog.DiscardHandler)})
	sys := auth.WithActor(context.Background(), auth.SystemActor())
	if _, err := svc.CreateUser(sys, auth.UserInput{Username: "x_admin", DisplayName: "x", Password: testPassword,
		Grants: []auth.GrantInput{{Role: auth.RoleAdmin, ScopeKind: auth.ScopeRegion, ScopeID: 2}}}); err != nil {
		b.Fatal(err)
	}
	tok, _, err := svc.Login(context.Background(), "x_admin", testPassword, auth.LoginMeta{}, "")
	if err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := svc.Authenticate(context.Background(), tok); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
