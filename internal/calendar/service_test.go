package calendar_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/territory"
)

var testNow = time.Date(2026, 9, 25, 14, 40, 0, 0, time.UTC) // 22:40 in Shanghai

func sys() context.Context { return auth.WithActor(context.Background(), auth.SystemActor()) }

// as returns a context acting with one role at region r.
func as(role auth.Role, r *territory.Region) context.Context {
	return auth.WithActor(context.Background(), &auth.Actor{UserID: 7, Name: string(role),
		Grants: []auth.Grant{{Role: role, Scope: auth.Scope{Kind: auth.ScopeRegion, ID: r.ID, Path: r.Path}}}})
}

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fixture is a seeded calendar service and a county with one street.
type fixture struct {
	db             *sqldb.DB
	svc            *calendar.Service
	clock          *fakeClock
	county, street *territory.Region
}

func newFixture(t *testing.T, db *sqldb.DB) *fixture {
	t.Helper()
	f := &fixture{db: db, clock: &fakeClock{t: testNow}}
	f.svc = calendar.NewService(db, calendar.Options{Now: f.clock.Now})
	if _, err := f.svc.SeedDefaults(sys()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	ts := territory.NewService(db)
	var err error
	if f.county, err = ts.CreateRegion(sys(), territory.RegionInput{Level: territory.LevelCounty, Code: "110105", Name: "朝阳区"}); err != nil {
		t.Fatal(err)
	}
	if f.street, err = ts.CreateRegion(sys(), territory.RegionInput{ParentID: f.county.ID, Level: territory.LevelTownship, Code: "110105001000", Name: "建外街道"}); err != nil {
		t.Fatal(err)
	}
	return f
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

// dump is the stored state of the calendar, to show that a failed call
// wrote nothing.
func dump(t *testing.T, f *fixture) string {
	t.Helper()
	var b strings.Builder
	years, err := f.svc.Years(sys())
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range years {
		b.WriteString(y.Source + "\n")
	}
	if err := f.svc.ExportCSV(sys(), &b, 0); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestSeedDefaults(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		// Seeding again adds nothing and keeps edits.
		if _, err := f.svc.SetDay(sys(), calendar.DayInput{Date: day("2026-03-06"), Kind: calendar.Off, Name: "测试"}); err != nil {
			t.Fatal(err)
		}
		added, err := f.svc.SeedDefaults(sys())
		if err != nil || len(added) != 0 {
			t.Fatalf("second seed added %v, %v", added, err)
		}
		years, err := f.svc.Years(sys())
		if err != nil {
			t.Fatal(err)
		}
		got := map[int]int{}
		for _, y := range years {
			got[y.Year] = y.Days
			if !strings.Contains(y.Source, "节假日安排的通知") || y.CreatedAt.IsZero() {
				t.Errorf("year %d: source %q, created %v", y.Year, y.Source, y.CreatedAt)
			}
		}
		// 33 rows of 2025 and 39 of 2026 in the shipped file, plus the edit.
		if diff := cmp.Diff(map[int]int{2025: 33, 2026: 40}, got); diff != "" {
			t.Errorf("years (-want +got):\n%s", diff)
		}
		days, err := f.svc.Days(sys(), 2026)
		if err != nil {
			t.Fatal(err)
		}
		if d := days[len(days)-1]; !d.Date.Equal(day("2026-10-10")) || d.Kind != calendar.Work || d.Name != "国庆节" {
			t.Errorf("last day of 2026 = %+v", d)
		}
		// Exporting the untouched 2025 gives back the shipped file's rows.
		var out bytes.Buffer
		if err := f.svc.ExportCSV(sys(), &out, 2025); err != nil {
			t.Fatal(err)
		}
		want := "date,kind,festival\n"
		for _, line := range strings.Split(string(mustRead(t, "data/cn-workcalendar.csv")), "\n") {
			if strings.HasPrefix(line, "2025") {
				want += line + "\n"
			}
		}
		if diff := cmp.Diff(want, out.String()); diff != "" {
			t.Errorf("export 2025 (-want +got):\n%s", diff)
		}
	})
}

// The reported case of issue 3, on the stored calendar: Friday 2026-09-25
// 22:40, the Mid-Autumn holiday (see TestDeadlineNationalDay2026 for the
// reasoning).
func TestCurrentDeadlines(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		// Current needs no actor: an anonymous report has deadlines too.
		c, err := f.svc.Current(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		checkDeadlines(t, c, []deadlineCase{
			{"2026-09-25 22:40", "30m", "2026-09-25 23:10"},
			{"2026-09-25 22:40", "1h", "2026-09-25 23:40"},
			{"2026-09-25 22:40", "4wh", "2026-09-28 14:30"},
			{"2026-09-25 22:40", "2wd", "2026-09-30 08:30"},
			{"2026-09-25 22:40", "5wd", "2026-10-10 08:30"},
		})
		if c2, _ := f.svc.Current(context.Background()); c2 != c {
			t.Error("Current rebuilt an unchanged calendar")
		}
	})
}

// 2027 is missing until an administrator adds it; edits reach Current at
// once, and a snapshot already handed out does not change.
func TestAddYearAndEdit(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		before, err := f.svc.Current(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		start, twoDays := at(t, "2026-12-31 10:00"), calendar.MustParseLimit("2wd")
		_, err = before.Deadline(start, twoDays)
		wantCalendarError(t, err, "2027")

		y, err := f.svc.AddYear(sys(), 2027, "国务院办公厅关于2027年部分节假日安排的通知")
		if err != nil || y.Year != 2027 || y.Days != 0 {
			t.Fatalf("AddYear = %+v, %v", y, err)
		}
		// With no overrides yet, 2027 follows the Monday–Friday rule: Fri
		// 2027-01-01 (1), Mon 01-04 (2).
		checkDeadlines(t, current(t, f), []deadlineCase{{"2026-12-31 10:00", "2wd", "2027-01-04 10:00"}})
		// New Year's Day off: Mon 01-04 (1), Tue 01-05 (2).
		if _, err := f.svc.SetDay(sys(), calendar.DayInput{Date: day("2027-01-01"), Kind: calendar.Off, Name: " 元旦 "}); err != nil {
			t.Fatal(err)
		}
		checkDeadlines(t, current(t, f), []deadlineCase{{"2026-12-31 10:00", "2wd", "2027-01-05 10:00"}})
		// A swapped Saturday: Sat 01-02 (1), Mon 01-04 (2).
		if _, err := f.svc.SetDay(sys(), calendar.DayInput{Date: day("2027-01-02"), Kind: calendar.Work, Name: "元旦"}); err != nil {
			t.Fatal(err)
		}
		checkDeadlines(t, current(t, f), []deadlineCase{{"2026-12-31 10:00", "2wd", "2027-01-04 10:00"}})
		// Setting a day again replaces it; deleting it restores the rule.
		if _, err := f.svc.SetDay(sys(), calendar.DayInput{Date: day("2027-01-02"), Kind: calendar.Off, Name: "元旦"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteDay(sys(), day("2027-01-02")); err != nil {
			t.Fatal(err)
		}
		checkDeadlines(t, current(t, f), []deadlineCase{{"2026-12-31 10:00", "2wd", "2027-01-05 10:00"}})
		days, err := f.svc.Days(sys(), 2027)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*calendar.Day{{Date: day("2027-01-01"), Kind: calendar.Off, Name: "元旦"}}, days); diff != "" {
			t.Errorf("days of 2027 (-want +got):\n%s", diff)
		}
		// The snapshot handed out before is immutable.
		_, err = before.Deadline(start, twoDays)
		wantCalendarError(t, err, "2027")
	})
}

func current(t *testing.T, f *fixture) *calendar.Calendar {
	t.Helper()
	c, err := f.svc.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Another process's edits arrive within Options.Refresh.
func TestRefreshFromOtherProcess(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		other := calendar.NewService(db, calendar.Options{Now: f.clock.Now, Refresh: 30 * time.Second})
		if _, err := other.Current(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AddYear(sys(), 2027, "通知"); err != nil {
			t.Fatal(err)
		}
		c, _ := other.Current(context.Background())
		if slices := c.Years(); len(slices) != 2 {
			t.Errorf("within the refresh period the other process still has its snapshot: years %v", slices)
		}
		f.clock.Add(31 * time.Second)
		c, _ = other.Current(context.Background())
		if diff := cmp.Diff([]int{2025, 2026, 2027}, c.Years()); diff != "" {
			t.Errorf("years after refresh (-want +got):\n%s", diff)
		}
	})
}

func TestEditBadInput(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		was := dump(t, f)
		for name, tc := range map[string]struct {
			in    calendar.DayInput
			field string
		}{
			"work on a weekday": {calendar.DayInput{Date: day("2026-03-04"), Kind: calendar.Work, Name: "调休"}, "kind"},
			"unknown kind":      {calendar.DayInput{Date: day("2026-03-07"), Kind: "holiday", Name: "调休"}, "kind"},
			"no name":           {calendar.DayInput{Date: day("2026-03-06"), Kind: calendar.Off, Name: "  "}, "name"},
			"no date":           {calendar.DayInput{Kind: calendar.Off, Name: "春节"}, "date"},
			"year not added":    {calendar.DayInput{Date: day("2027-02-06"), Kind: calendar.Off, Name: "春节"}, "date"},
			"year out of range": {calendar.DayInput{Date: day("1999-02-06"), Kind: calendar.Off, Name: "春节"}, "date"},
			"name far too long": {calendar.DayInput{Date: day("2026-03-06"), Kind: calendar.Off, Name: strings.Repeat("节", 41)}, "name"},
		} {
			_, err := f.svc.SetDay(sys(), tc.in)
			t.Run(name, func(t *testing.T) { wantErr(t, err, apperr.Invalid, tc.field) })
		}
		_, err := f.svc.AddYear(sys(), 2026, "again")
		wantErr(t, err, apperr.Conflict, "year")
		_, err = f.svc.AddYear(sys(), 226, "typo")
		wantErr(t, err, apperr.Invalid, "year")
		_, err = f.svc.AddYear(sys(), 2027, " ")
		wantErr(t, err, apperr.Invalid, "source")
		err = f.svc.DeleteDay(sys(), day("2026-03-04"))
		wantErr(t, err, apperr.NotFound, "")
		_, err = f.svc.Days(sys(), 2027)
		wantErr(t, err, apperr.NotFound, "")
		err = f.svc.ExportCSV(sys(), &bytes.Buffer{}, 2027)
		wantErr(t, err, apperr.NotFound, "")
		if now := dump(t, f); now != was {
			t.Errorf("bad input changed the calendar:\n%s", cmp.Diff(was, now))
		}
	})
}

// Only the system and region.write holders at a county (or city) edit the
// national calendar; staff may read it.
func TestPermissions(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		in := calendar.DayInput{Date: day("2026-03-06"), Kind: calendar.Off, Name: "区庆"}
		was := dump(t, f)
		denied := map[string]context.Context{
			"street admin":       as(auth.RoleAdmin, f.street),
			"county dispatcher":  as(auth.RoleDispatcher, f.county),
			"county grid worker": as(auth.RoleGridWorker, f.county),
			"county leader":      as(auth.RoleLeader, f.county),
			"a resident":         auth.WithActor(context.Background(), &auth.Actor{UserID: 9, Grants: []auth.Grant{{Role: auth.RoleResident, Scope: auth.Scope{Kind: auth.ScopeSelf, ID: f.street.ID, Path: f.street.Path}}}}),
			"nobody signed in":   context.Background(),
		}
		for name, ctx := range denied {
			want := apperr.Forbidden
			if _, ok := auth.ActorFrom(ctx); !ok {
				want = apperr.Unauthenticated
			}
			_, err1 := f.svc.SetDay(ctx, in)
			err2 := f.svc.DeleteDay(ctx, day("2026-10-01"))
			_, err3 := f.svc.AddYear(ctx, 2027, "通知")
			_, err4 := f.svc.ImportCSV(ctx, strings.NewReader("date,kind,festival\n2027-01-01,off,元旦\n"))
			_, err5 := f.svc.SeedDefaults(ctx)
			for i, err := range []error{err1, err2, err3, err4, err5} {
				if apperr.CodeOf(err) != want {
					t.Errorf("%s, call %d: %v; want %s", name, i+1, err, want)
				}
			}
		}
		if now := dump(t, f); now != was {
			t.Errorf("a denied edit changed the calendar:\n%s", cmp.Diff(was, now))
		}
		// A resident may not read the administration views; staff may.
		resident := denied["a resident"]
		if _, err := f.svc.Years(resident); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("resident Years: %v", err)
		}
		if _, err := f.svc.Days(as(auth.RoleGridWorker, f.street), 2026); err != nil {
			t.Errorf("grid worker Days: %v", err)
		}
		// The county's admin edits.
		if _, err := f.svc.SetDay(as(auth.RoleAdmin, f.county), in); err != nil {
			t.Errorf("county admin SetDay: %v", err)
		}
	})
}

func TestImportCSV(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		// 2027 as its notice might say, with a byte-order mark and CRLF
		// line ends as spreadsheet programs write them.
		file := "\ufeffdate,kind,festival\r\n2027-01-01,off,元旦\r\n2027-02-06,off,春节\r\n2027-02-07,off,春节\r\n2027-02-20,work,春节\r\n"
		rep, err := f.svc.ImportCSV(sys(), strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&calendar.ImportReport{Rows: 4, Years: []int{2027}, Created: []int{2027}, Applied: true}, rep); diff != "" {
			t.Errorf("report (-want +got):\n%s", diff)
		}
		var out bytes.Buffer
		if err := f.svc.ExportCSV(sys(), &out, 2027); err != nil {
			t.Fatal(err)
		}
		if want := "date,kind,festival\n2027-01-01,off,元旦\n2027-02-06,off,春节\n2027-02-07,off,春节\n2027-02-20,work,春节\n"; out.String() != want {
			t.Errorf("export 2027 = %q, want %q", out.String(), want)
		}
		// Thu 2027-02-04 16:00 + 2wd: Fri 02-05 (1), Mon 02-08 (2); the
		// imported days are in the current calendar.
		checkDeadlines(t, current(t, f), []deadlineCase{{"2027-02-04 16:00", "2wd", "2027-02-08 16:00"}})

		// Importing the year again replaces its days: 02-07 is dropped.
		rep, err = f.svc.ImportCSV(sys(), strings.NewReader("date,kind,festival\n2027-01-01,off,元旦\n2027-02-06,off,春节\n2027-02-20,work,春节\n"))
		if err != nil || rep.Created != nil || !rep.Applied {
			t.Fatalf("re-import: %+v, %v", rep, err)
		}
		days, _ := f.svc.Days(sys(), 2027)
		if len(days) != 3 {
			t.Errorf("after re-import 2027 has %d days, want 3", len(days))
		}
		// Other years are untouched.
		if days, _ := f.svc.Days(sys(), 2026); len(days) != 39 {
			t.Errorf("2026 has %d days, want 39", len(days))
		}
	})
}

func TestImportCSVBadRowsWriteNothing(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{Now: func() time.Time { return testNow }}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		was := dump(t, f)
		file := strings.Join([]string{
			"date,kind,festival",
			"2027-01-01,off,元旦",     // line 2: good
			"2027-13-01,off,元旦",     // line 3: no 13th month
			"2027-02-08,work,春节",    // line 4: a Monday cannot be made a working day
			"2027-02-06,holiday,春节", // line 5: bad kind
			"2027-02-07,off,",       // line 6: no festival
			"2027-01-01,off,元旦",     // line 7: repeats line 2
			"2026-10-01,off",        // line 8: two columns
			"2026-10-02,off,国庆节",    // line 9: good, but 2026 must not be replaced
		}, "\n")
		rep, err := f.svc.ImportCSV(sys(), strings.NewReader(file))
		wantErr(t, err, apperr.Invalid, "csv")
		if rep == nil || rep.Applied {
			t.Fatalf("report = %+v, want one not applied", rep)
		}
		type bad struct {
			Row   int
			Field string
		}
		var got []bad
		for _, e := range rep.Errors {
			if e.Sheet != calendar.SheetCSV || e.Err.Msg.ZH == "" || e.Err.Msg.EN == "" {
				t.Errorf("row error %+v", e)
			}
			got = append(got, bad{e.Row, e.Err.Field})
		}
		want := []bad{{3, "date"}, {4, "kind"}, {5, "kind"}, {6, "festival"}, {7, "date"}, {8, ""}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("row errors (-want +got):\n%s", diff)
		}
		if now := dump(t, f); now != was {
			t.Errorf("a file with bad rows changed the calendar:\n%s", cmp.Diff(was, now))
		}
		// A file unusable as a whole.
		for name, file := range map[string]string{
			"empty":       "",
			"no header":   "2027-01-01,off,元旦\n",
			"header only": "date,kind,festival\n",
			"not csv":     "date,kind,festival\n\"2027-01-01,off,元旦\n",
		} {
			rep, err := f.svc.ImportCSV(sys(), strings.NewReader(file))
			if rep != nil {
				t.Errorf("%s: report %+v", name, rep)
			}
			t.Run(name, func(t *testing.T) { wantErr(t, err, apperr.Invalid, "csv") })
		}
		if now := dump(t, f); now != was {
			t.Errorf("a bad file changed the calendar:\n%s", cmp.Diff(was, now))
		}
	})
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A refresh that fails keeps the previous snapshot; with none, Current fails.
func TestRefreshFailureKeepsSnapshot(t *testing.T) {
	db := sqldbtest.SQLite(t, sqldbtest.Options{})
	clock := &fakeClock{t: testNow}
	svc := calendar.NewService(db, calendar.Options{Now: clock.Now})
	if _, err := svc.SeedDefaults(sys()); err != nil {
		t.Fatal(err)
	}
	c, err := svc.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	clock.Add(time.Hour)
	if got, err := svc.Current(context.Background()); err != nil || got != c {
		t.Errorf("Current after a failed refresh = %v, %v; want the previous snapshot", got, err)
	}
	if _, err := calendar.NewService(db, calendar.Options{}).Current(context.Background()); err == nil {
		t.Error("Current with no snapshot and a closed database succeeded")
	}
}
