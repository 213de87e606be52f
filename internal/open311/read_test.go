package open311

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/media"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/people"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/territory"
)

// newCaseWorld is county 330110 down to one grid, the case loop on it and
// the service over both, on db whose clock is c.
func newCaseWorld(t *testing.T, db *sqldb.DB, c *clock) (*Service, *Jurisdiction) {
	t.Helper()
	ctx := auth.WithActor(context.Background(), auth.SystemActor())
	terr := territory.NewService(db)
	var parent int64
	for _, r := range []struct{ level, code, name string }{
		{"county", "330110", "临江区"}, {"township", "330110001000", "临江街道"}, {"village", "330110001001", "水韵社区"}, {"grid", "330110001001001", "第1网格"},
	} {
		reg, err := terr.CreateRegion(ctx, territory.RegionInput{ParentID: parent, Level: territory.Level(r.level), Code: r.code, Name: r.name})
		if err != nil {
			t.Fatal(err)
		}
		if err := terr.SetBoundary(ctx, reg.ID, []byte(`{"type":"Polygon","coordinates":[[[120,30],[120.4,30],[120.4,30.4],[120,30.4],[120,30]]]}`),
			time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		parent = reg.ID
	}
	master, _ := people.ParseKey(strings.Repeat("34", 32))
	keys, _ := people.NewKeyring(master)
	au := auth.NewService(db, func(ctx context.Context, _ auth.ScopeKind, id int64) (string, error) { return terr.PathOf(ctx, id) },
		auth.Options{Argon2: auth.FastArgon2(), Now: c.now})
	cal := calendar.NewService(db, calendar.Options{Now: c.now})
	if _, err := cal.SeedDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	cat := category.NewService(db, cal)
	if _, err := cat.SeedDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	med := media.NewService(db, media.NewMemStore(), media.Options{})
	cs := cases.NewService(cases.Deps{DB: db, Auth: au, Territory: terr, Keys: keys, Category: cat, Calendar: cal, Media: med,
		Notify: notify.NewService(db, notify.Options{})}, cases.Options{Now: c.now})
	s := NewService(Deps{DB: db, Cases: cs, Category: cat, Territory: terr, Media: med, Keys: keys}, Options{Now: c.now})
	j, err := s.FindJurisdiction(ctx, "330110", nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, j
}

// TestOpen311RequestPages on both engines: GET requests reads a page at a
// time in SQL, in parts smaller than a page, and walking the pages yields
// every request the caller may read once, newest first: the public ones,
// and the caller's key's own; another key's private ones never.
func TestOpen311RequestPages(t *testing.T) {
	for _, engine := range []struct {
		name string
		open func(testing.TB, sqldbtest.Options) *sqldb.DB
	}{{"sqlite", sqldbtest.SQLite}, {"postgres", sqldbtest.Postgres}} {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel()
			c := &clock{t: time.Date(2026, 3, 6, 14, 40, 0, 0, time.UTC)}
			s, j := newCaseWorld(t, engine.open(t, sqldbtest.Options{Now: c.now}), c)
			s.part = 2 // a page of 4 takes two reads, the default page of 1000 many
			sys := auth.WithActor(context.Background(), auth.SystemActor())
			client := func(name string) Caller {
				_, secret, err := s.CreateKey(sys, KeyInput{Client: name, Jurisdictions: []string{"330110"}})
				if err != nil {
					t.Fatal(err)
				}
				cl, err := s.Authenticate(sys, secret)
				if err != nil {
					t.Fatal(err)
				}
				return Caller{Client: cl, Jurisdiction: j, Lang: "zh"}
			}
			a, b, anon := client("FixMyStreet 临江"), client("临江 12345"), Caller{Jurisdiction: j, Lang: "zh"}

			// Key a files 13 requests, every third public; key b files 3,
			// the first public. One a minute, so the order is the filing's.
			var mine, public, others []string // newest first
			file := func(by Caller, pub bool) {
				t.Helper()
				c.add(time.Minute)
				lon, lat := 120.02, 30.05
				in := RequestInput{ServiceCode: "S0102", Long: &lon, Lat: &lat, Description: "楼上漏水，邻里协商不成"}
				if pub {
					in.Attributes = map[string][]string{"public": {"yes"}}
				}
				cr, err := s.Submit(context.Background(), by, in)
				if err != nil {
					t.Fatal(err)
				}
				id := cr.ServiceRequestID
				switch {
				case pub:
					mine, public, others = slices.Insert(mine, 0, id), slices.Insert(public, 0, id), slices.Insert(others, 0, id)
				case by.Client == a.Client:
					mine = slices.Insert(mine, 0, id)
				default:
					others = slices.Insert(others, 0, id)
				}
			}
			for i := range 13 {
				file(a, i%3 == 0)
			}
			for i := range 3 {
				file(b, i == 0)
			}
			if len(mine) != 14 || len(public) != 6 || len(others) != 8 {
				t.Fatalf("filed: %d %d %d", len(mine), len(public), len(others))
			}

			// walk reads pages of size until one comes back short (0: the
			// default page of 1000, once).
			walk := func(who Caller, size int) []string {
				t.Helper()
				var got []string
				for page := 1; ; page++ {
					list, err := s.FindRequests(context.Background(), who, RequestFilter{Page: page, PageSize: size})
					if err != nil {
						t.Fatalf("page %d of %d: %v", page, size, err)
					}
					for _, r := range list {
						got = append(got, r.ServiceRequestID)
					}
					if size == 0 || len(list) < size {
						return got
					}
					if page > 20 {
						t.Fatalf("pages of %d do not end", size)
					}
				}
			}
			for _, x := range []struct {
				what string
				who  Caller
				size int
				want []string
			}{
				{"key a, pages of 4", a, 4, mine},
				{"key a, pages of 3", a, 3, mine},
				{"key a, one page", a, 0, mine},
				{"key b, pages of 4", b, 4, others},
				{"no key, pages of 4", anon, 4, public},
				{"no key, one page", anon, 0, public},
			} {
				if d := cmp.Diff(x.want, walk(x.who, x.size)); d != "" {
					t.Errorf("%s (-want +got):\n%s", x.what, d)
				}
			}

			// The ids asked for page too, newest first, and are read as the
			// rest: another key's private request is not found.
			ask := []string{others[1], mine[0], "x", mine[13], mine[5]}
			for page, want := range [][]string{{mine[0], mine[5]}, {mine[13]}, nil} {
				list, err := s.FindRequests(context.Background(), a, RequestFilter{IDs: ask, Page: page + 1, PageSize: 2})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, r := range list {
					got = append(got, r.ServiceRequestID)
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("ids, page %d (-want +got):\n%s", page+1, d)
				}
			}
		})
	}
}
