package notify_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// clock is a fake clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 6, 22, 40, 0, 0, time.UTC)} }

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

// The test territory, by materialised path only (notify needs no regions):
// district /1/ with streets /1/2/ (X) and /1/3/ (Y); community /1/2/4/
// with grid /1/2/4/5/ in street X, community /1/3/6/ in street Y.
const (
	pathDistrict = "/1/"
	pathStreetX  = "/1/2/"
	pathStreetY  = "/1/3/"
	pathCommX    = "/1/2/4/"
	pathGridX    = "/1/2/4/5/"
	pathCommY    = "/1/3/6/"
)

// fixture is a notify service on a fresh database with a fake clock and
// four users: alice (grid worker in community X), bob (grid worker in
// community Y), carol and dave (residents, no region grants).
type fixture struct {
	db    *sqldb.DB
	svc   *notify.Service
	clock *clock
	sys   context.Context

	alice, bob, carol, dave *auth.Actor
	adminX, adminY          *auth.Actor // admins of streets X and Y (user ids of bob and alice do not matter)
}

func newFixture(t *testing.T, db *sqldb.DB, clk *clock, opt notify.Options) *fixture {
	t.Helper()
	f := &fixture{db: db, clock: clk, sys: auth.WithActor(context.Background(), auth.SystemActor())}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	f.svc = notify.NewService(db, opt)
	users := auth.NewService(db, func(context.Context, auth.ScopeKind, int64) (string, error) {
		return "", apperr.NotFoundf("范围不存在", "no such scope")
	}, auth.Options{Argon2: auth.FastArgon2(), Logger: slog.New(slog.DiscardHandler)})
	mk := func(name string, grants ...auth.Grant) *auth.Actor {
		u, err := users.CreateUser(f.sys, auth.UserInput{Username: name, DisplayName: name, Password: "secret123"})
		if err != nil {
			t.Fatalf("create user %s: %v", name, err)
		}
		return &auth.Actor{UserID: u.ID, Name: name, Grants: grants}
	}
	region := func(role auth.Role, path string) auth.Grant {
		return auth.Grant{Role: role, Scope: auth.Scope{Kind: auth.ScopeRegion, Path: path}}
	}
	f.alice = mk("alice", region(auth.RoleGridWorker, pathCommX))
	f.bob = mk("bob", region(auth.RoleGridWorker, pathCommY))
	f.carol = mk("carol")
	f.dave = mk("dave")
	f.adminX = mk("admin_x", region(auth.RoleAdmin, pathStreetX))
	f.adminY = mk("admin_y", region(auth.RoleAdmin, pathStreetY))
	return f
}

// engines runs fn on both engines with a fresh fake clock shared by the
// database and the test. The calling test runs in parallel with the
// others: most of a PostgreSQL test's time is spent migrating its schema.
func engines(t *testing.T, fn func(t *testing.T, db *sqldb.DB, clk *clock)) {
	t.Helper()
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		clk := newClock()
		fn(t, sqldbtest.SQLite(t, sqldbtest.Options{Now: clk.Now}), clk)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		clk := newClock()
		fn(t, sqldbtest.Postgres(t, sqldbtest.Options{Now: clk.Now}), clk)
	})
}

// as returns a context acting as a.
func as(a *auth.Actor) context.Context { return auth.WithActor(context.Background(), a) }

// publish publishes events in one committed transaction acting as actor.
func (f *fixture) publish(t *testing.T, actor *auth.Actor, events ...notify.Event) {
	t.Helper()
	ctx := as(actor)
	err := f.db.Transact(ctx, func(tx *sqldb.Tx) error {
		for _, e := range events {
			if err := f.svc.Publish(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
}

// mustWebhook creates a webhook as the system.
func (f *fixture) mustWebhook(t *testing.T, in notify.WebhookInput) *notify.Webhook {
	t.Helper()
	if in.Secret == "" {
		in.Secret = "s3cret-s3cret-s3cret"
	}
	h, err := f.svc.CreateWebhook(f.sys, in)
	if err != nil {
		t.Fatalf("create webhook %s: %v", in.Name, err)
	}
	return h
}

// caseEvent is a typical case event in grid X.
func caseEvent(kind string, recipients ...int64) notify.Event {
	return notify.Event{Kind: kind, CaseID: 42, CaseNumber: "202603060001", RegionPath: pathGridX,
		Action: "dispatch", FromState: "registered", ToState: "dispatched", ActorName: "王调度",
		Recipients: recipients, Public: map[string]any{"category": "供暖"},
		TitleZH: "案件 202603060001 已派遣", TitleEN: "Case 202603060001 dispatched", Body: "27号楼1单元楼道积水"}
}

// wantErr fails unless err is an apperr with code and field and a
// bilingual message.
func wantErr(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	e := apperr.As(err)
	if e == nil || e.Code != code || e.Field != field {
		t.Fatalf("error = %v; want %s on field %q", err, code, field)
	}
	if e.Msg.ZH == "" || e.Msg.EN == "" {
		t.Fatalf("error %v lacks a bilingual message: %+v", err, e.Msg)
	}
}

// count returns the rows of table matching an optional condition.
func count(t *testing.T, db *sqldb.DB, table, cond string, args ...any) int {
	t.Helper()
	q := "SELECT count(*) FROM " + table
	if cond != "" {
		q += " WHERE " + cond
	}
	var n int
	if err := db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// received drains what is waiting on ch without blocking. Events reach a
// subscriber synchronously in the publishing goroutine's after-commit
// hook, so what has arrived by the time Transact returns is all there is.
func received(ch <-chan notify.Event) []notify.Event {
	var out []notify.Event
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, e)
		default:
			return out
		}
	}
}

func ptr[T any](v T) *T { return &v }

func kinds(es []notify.Event) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, fmt.Sprintf("%s#%d", e.Kind, e.CaseID))
	}
	return out
}
