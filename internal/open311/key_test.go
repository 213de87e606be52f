package open311

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/territory"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// keyWorld is two counties, one with a street, and the service on them
// (keys need no case loop).
type keyWorld struct {
	s       *Service
	db      *sqldb.DB
	clock   *clock
	regions map[string]*territory.Region
}

func newKeyWorld(t *testing.T, db *sqldb.DB, c *clock) *keyWorld {
	t.Helper()
	ctx := auth.WithActor(context.Background(), auth.SystemActor())
	terr := territory.NewService(db)
	w := &keyWorld{db: db, clock: c, regions: map[string]*territory.Region{}}
	for _, r := range []struct{ parent, level, code, name string }{
		{"", "county", "330110", "临江区"}, {"330110", "township", "330110001000", "临江街道"}, {"", "county", "330111", "南湖区"},
	} {
		in := territory.RegionInput{Level: territory.Level(r.level), Code: r.code, Name: r.name}
		if r.parent != "" {
			in.ParentID = w.regions[r.parent].ID
		}
		reg, err := terr.CreateRegion(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		w.regions[r.code] = reg
	}
	master, _ := people.ParseKey(strings.Repeat("12", 32))
	keys, _ := people.NewKeyring(master)
	w.s = NewService(Deps{DB: db, Territory: terr, Keys: keys}, Options{Now: c.now})
	return w
}

// as returns a context acting as an administrator at region code.
func (w *keyWorld) as(code string) context.Context {
	r := w.regions[code]
	a := &auth.Actor{Name: "admin@" + code, Grants: []auth.Grant{{Role: auth.RoleAdmin, Scope: auth.Scope{Kind: auth.ScopeRegion, ID: r.ID, Path: r.Path}}}}
	return auth.WithActor(context.Background(), a)
}

func (w *keyWorld) rows(t *testing.T) [2]int {
	t.Helper()
	var n [2]int
	for i, table := range []string{"open311_keys", "open311_key_jurisdictions"} {
		if err := w.db.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n[i]); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// TestKeys on both engines: making, finding, changing and using keys, who
// may do which, and bad input writing nothing.
func TestKeys(t *testing.T) {
	start := time.Date(2026, 3, 6, 14, 40, 0, 0, time.UTC)
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		w := newKeyWorld(t, db, &clock{t: start})
		county, street, other := w.as("330110"), w.as("330110001000"), w.as("330111")

		k, secret, err := w.s.CreateKey(county, KeyInput{Client: " FixMyStreet 临江 ", Jurisdictions: []string{"330110", "330110"}})
		if err != nil {
			t.Fatal(err)
		}
		if k.Client != "FixMyStreet 临江" || k.PerMinute != DefaultPerMinute || !k.Active || len(k.Jurisdictions) != 1 || k.Jurisdictions[0] != "330110" ||
			!strings.HasPrefix(secret, "o311_") || len(secret) != 5+43 || !strings.HasPrefix(secret, k.Prefix) || len(k.Prefix) != keyShown {
			t.Errorf("key = %+v, secret %q", k, secret)
		}
		// Only the hash is kept.
		var hash string
		if err := db.QueryRow(context.Background(), `SELECT key_hash FROM open311_keys WHERE id = $1`, k.ID).Scan(&hash); err != nil || hash != hashSecret(secret) || strings.Contains(hash, secret) {
			t.Errorf("stored %q (%v)", hash, err)
		}

		// Bad input and missing rights write nothing.
		before := w.rows(t)
		for _, c := range []struct {
			ctx   context.Context
			in    KeyInput
			code  apperr.Code
			field string
		}{
			{county, KeyInput{Client: "", Jurisdictions: []string{"330110"}}, apperr.Invalid, "client"},
			{county, KeyInput{Client: strings.Repeat("名", 65), Jurisdictions: []string{"330110"}}, apperr.Invalid, "client"},
			{county, KeyInput{Client: "x"}, apperr.Invalid, "jurisdictions"},
			{county, KeyInput{Client: "x", Jurisdictions: []string{"330110001000"}}, apperr.Invalid, "jurisdictions"},
			{county, KeyInput{Client: "x", Jurisdictions: []string{"999999"}}, apperr.Invalid, "jurisdictions"},
			{county, KeyInput{Client: "x", Jurisdictions: []string{"330110"}, PerMinute: MaxPerMinute + 1}, apperr.Invalid, "per_minute"},
			{county, KeyInput{Client: "x", Jurisdictions: []string{"330110", "330111"}}, apperr.Forbidden, ""},
			{street, KeyInput{Client: "x", Jurisdictions: []string{"330110"}}, apperr.Forbidden, ""},
			{context.Background(), KeyInput{Client: "x", Jurisdictions: []string{"330110"}}, apperr.Unauthenticated, ""},
		} {
			_, _, err := w.s.CreateKey(c.ctx, c.in)
			if e := apperr.As(err); e == nil || e.Code != c.code || e.Field != c.field {
				t.Errorf("CreateKey(%+v) = %v, want %s on %q", c.in, err, c.code, c.field)
			}
		}
		if after := w.rows(t); after != before {
			t.Errorf("refused keys wrote rows: %v → %v", before, after)
		}

		// The system makes keys anywhere; each admin sees the keys of its
		// counties only.
		sys := auth.WithActor(context.Background(), auth.SystemActor())
		k2, _, err := w.s.CreateKey(sys, KeyInput{Client: "南湖 12345", Jurisdictions: []string{"330111"}, PerMinute: 5})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			ctx  context.Context
			want []int64
		}{{county, []int64{k.ID}}, {other, []int64{k2.ID}}, {street, nil}, {sys, []int64{k2.ID, k.ID}}} {
			ks, total, err := w.s.FindKeys(c.ctx, KeyFilter{})
			var ids []int64
			for _, x := range ks {
				ids = append(ids, x.ID)
			}
			if err != nil || total != len(c.want) || len(ids) != len(c.want) || (len(ids) > 0 && ids[0] != c.want[0]) {
				t.Errorf("FindKeys = %v %d %v, want %v", ids, total, err, c.want)
			}
		}
		if _, err := w.s.FindKeyByID(other, k.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another county's key: %v", err)
		}
		if _, err := w.s.UpdateKey(street, k.ID, KeyUpdate{Active: new(false)}); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("a street admin changes the county's key: %v", err)
		}
		if _, err := w.s.UpdateKey(county, k.ID, KeyUpdate{Jurisdictions: []string{"330111"}}); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("moving a key to a county one does not administer: %v", err)
		}
		if _, err := w.s.UpdateKey(county, k.ID, KeyUpdate{PerMinute: new(0)}); apperr.As(err) == nil || apperr.As(err).Field != "per_minute" {
			t.Errorf("a rate of 0: %v", err)
		}

		// Using the key: the client with its jurisdictions; the use is
		// recorded at most once a minute.
		cl, err := w.s.Authenticate(context.Background(), secret)
		if err != nil || cl.KeyID != k.ID || cl.Name != "FixMyStreet 临江" || len(cl.Jurisdictions) != 1 || cl.Jurisdictions[0] != w.regions["330110"].ID {
			t.Fatalf("Authenticate = %+v, %v", cl, err)
		}
		got, _ := w.s.FindKeyByID(county, k.ID)
		if got.LastUsedAt == nil || !got.LastUsedAt.Equal(start) {
			t.Errorf("last used %v, want %v", got.LastUsedAt, start)
		}
		w.clock.add(30 * time.Second)
		w.s.Authenticate(context.Background(), secret)
		if got, _ := w.s.FindKeyByID(county, k.ID); !got.LastUsedAt.Equal(start) {
			t.Errorf("last used moved within the minute: %v", got.LastUsedAt)
		}
		for _, bad := range []string{"", "o311_" + strings.Repeat("A", 43), "gw_" + secret[5:], secret + "x"} {
			if _, err := w.s.Authenticate(context.Background(), bad); apperr.As(err) == nil || apperr.As(err).Code != apperr.Forbidden || apperr.As(err).Field != "api_key" {
				t.Errorf("Authenticate(%q) = %v", bad, err)
			}
		}
		k, err = w.s.UpdateKey(county, k.ID, KeyUpdate{Active: new(false), Client: new("FMS"), PerMinute: new(2)})
		if err != nil || k.Active || k.Client != "FMS" || k.PerMinute != 2 {
			t.Fatalf("UpdateKey = %+v, %v", k, err)
		}
		if _, err := w.s.Authenticate(context.Background(), secret); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("a key turned off: %v", err)
		}

		// The rate: per key, per minute.
		k, _ = w.s.UpdateKey(county, k.ID, KeyUpdate{Active: new(true)})
		cl, _ = w.s.Authenticate(context.Background(), secret)
		for i, want := range []apperr.Code{"", "", apperr.TooMany} {
			if got := apperr.CodeOf(w.s.Admit(cl, "")); got != want {
				t.Errorf("request %d: %q, want %q", i+1, got, want)
			}
		}
		w.clock.add(time.Minute)
		if err := w.s.Admit(cl, ""); err != nil {
			t.Errorf("after a minute: %v", err)
		}
	})
}

// TestJurisdictions: division codes of counties; an empty id where the
// key names one county; missing where several are served.
func TestJurisdictions(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		w := newKeyWorld(t, db, &clock{t: time.Now()})
		ctx := context.Background()
		j, err := w.s.FindJurisdiction(ctx, "330110", nil)
		if err != nil || j.ID != "330110" || j.RegionID != w.regions["330110"].ID || j.Name != "临江区" {
			t.Errorf("330110 = %+v, %v", j, err)
		}
		for _, id := range []string{"330110001000", "999999", "city.gov"} {
			if _, err := w.s.FindJurisdiction(ctx, id, nil); apperr.CodeOf(err) != apperr.NotFound || apperr.As(err).Field != "jurisdiction_id" {
				t.Errorf("%s: %v", id, err)
			}
		}
		if _, err := w.s.FindJurisdiction(ctx, "", nil); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("no id on a two-county server: %v", err)
		}
		if j, err := w.s.FindJurisdiction(ctx, "", &Client{Jurisdictions: []int64{w.regions["330111"].ID}}); err != nil || j.ID != "330111" {
			t.Errorf("no id with a one-county key: %+v %v", j, err)
		}
	})
}
