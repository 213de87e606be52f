package auth_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/sqldb"
)

// clock is a fake clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// The test territory: district 1 with streets 2 (X) and 3 (Y); community 4
// and grid 5 in street X; community 6 in street Y. Party committee 100 with
// branch 101.
var testPaths = map[auth.ScopeKind]map[int64]string{
	auth.ScopeRegion: {1: "/1/", 2: "/1/2/", 3: "/1/3/", 4: "/1/2/4/", 5: "/1/2/4/5/", 6: "/1/3/6/"},
	auth.ScopeParty:  {100: "/100/", 101: "/100/101/"},
}

func testResolver(_ context.Context, kind auth.ScopeKind, id int64) (string, error) {
	if p, ok := testPaths[kind][id]; ok {
		return p, nil
	}
	return "", apperr.NotFoundf("范围不存在", "no such scope")
}

// fixture is a service on a fresh database with a fake clock and three
// admins: of the district, of street X and of street Y.
type fixture struct {
	db    *sqldb.DB
	svc   *auth.Service
	clock *clock
	sys   context.Context // acting as the system

	district, streetX, streetY *auth.User
}

const testPassword = "secret123"

func newFixture(t *testing.T, db *sqldb.DB, tweak ...func(*auth.Options)) *fixture {
	t.Helper()
	f := &fixture{db: db, clock: newClock()}
	opt := auth.Options{Now: f.clock.Now, Argon2: auth.FastArgon2(), Logger: slog.New(slog.DiscardHandler)}
	for _, fn := range tweak {
		fn(&opt)
	}
	f.svc = auth.NewService(db, testResolver, opt)
	f.sys = auth.WithActor(context.Background(), auth.SystemActor())
	f.district = f.mustUser(t, f.sys, "district_admin", auth.GrantInput{Role: auth.RoleAdmin, ScopeKind: auth.ScopeRegion, ScopeID: 1})
	f.streetX = f.mustUser(t, f.sys, "x_admin", auth.GrantInput{Role: auth.RoleAdmin, ScopeKind: auth.ScopeRegion, ScopeID: 2})
	f.streetY = f.mustUser(t, f.sys, "y_admin", auth.GrantInput{Role: auth.RoleAdmin, ScopeKind: auth.ScopeRegion, ScopeID: 3})
	return f
}

// mustUser creates a user with testPassword as the actor in ctx.
func (f *fixture) mustUser(t *testing.T, ctx context.Context, name string, grants ...auth.GrantInput) *auth.User {
	t.Helper()
	u, err := f.svc.CreateUser(ctx, auth.UserInput{Username: name, DisplayName: name, Password: testPassword, Grants: grants})
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	return u
}

// as returns a context acting as u, with its grants as stored.
func (f *fixture) as(t *testing.T, u *auth.User) context.Context {
	t.Helper()
	got, err := f.svc.FindUserByID(f.sys, u.ID)
	if err != nil {
		t.Fatalf("load user %d: %v", u.ID, err)
	}
	return auth.WithActor(context.Background(), &auth.Actor{UserID: got.ID, Name: got.Username, Grants: got.Grants})
}

// count returns the number of rows of a table.
func (f *fixture) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// wantErr fails unless err carries code and (when field is not "") field.
func wantErr(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if field != "" {
		if e := apperr.As(err); e == nil || e.Field != field {
			t.Fatalf("error field = %v, want %q", err, field)
		}
	}
	if e := apperr.As(err); e != nil && (e.Msg.ZH == "" || e.Msg.EN == "") {
		t.Fatalf("error %v lacks a bilingual message", err)
	}
}
