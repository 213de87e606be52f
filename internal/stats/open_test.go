package stats_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/stats"
)

// openCase is what the oracle reads of an open case.
type openCase struct {
	path, category, channel          string
	dept, person                     int64
	unhandled                        bool
	threshold, suspended, reportedAt time.Time
}

// openOracle reads the open cases straight from cases.
func openOracle(t *testing.T, db *sqldb.DB) []openCase {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT region_path, category_code, channel, COALESCE(assignee_department_id, 0),
		COALESCE(assignee_user_id, 0), state, handling_due_at, due_at, suspended_at, reported_at FROM cases WHERE state NOT IN ('closed', 'rejected')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []openCase
	for rows.Next() {
		var c openCase
		var state string
		var hdue, sdue, susp sql.NullTime
		if err := rows.Scan(&c.path, &c.category, &c.channel, &c.dept, &c.person, &state, &hdue, &sdue, &susp, &c.reportedAt); err != nil {
			t.Fatal(err)
		}
		c.unhandled = state != string(cases.Handled) && state != string(cases.Verified)
		if hdue.Valid {
			c.threshold = hdue.Time
		} else if sdue.Valid {
			c.threshold = sdue.Time
		}
		if susp.Valid {
			c.suspended = susp.Time
		}
		out = append(out, c)
	}
	return out
}

// oracleFigures are the live figures counted directly.
type oracleFigures struct {
	Open, Overdue, InPeriod int
	AvgHours                float64
}

// figures counts the open cases under path matching keep at now, due in
// [from, to).
func figures(cs []openCase, path string, keep func(openCase) bool, now, from, to time.Time) oracleFigures {
	var f oracleFigures
	var age float64
	for _, c := range cs {
		if !strings.HasPrefix(c.path, path) || (keep != nil && !keep(c)) {
			continue
		}
		f.Open++
		age += now.Sub(c.reportedAt).Hours()
		cut := now
		if !c.suspended.IsZero() {
			cut = c.suspended
		}
		if c.threshold.IsZero() || !c.threshold.Before(cut) {
			continue
		}
		f.Overdue++
		if !c.threshold.Before(from) && c.threshold.Before(to) && c.threshold.Before(now) {
			f.InPeriod++
		}
	}
	if f.Open > 0 {
		f.AvgHours = age / float64(f.Open)
	}
	return f
}

// got is the figures a KPIs answer carries.
func got(k stats.KPIs) oracleFigures {
	f := oracleFigures{Open: k.Open, Overdue: k.OpenOverdue, InPeriod: int(k.OpenOverdueInPeriod)}
	if k.BacklogAvgHours != nil {
		f.AvgHours = *k.BacklogAvgHours
	}
	return f
}

// TestOpenRollups checks the live figures read from the open rollups
// against a direct count over cases, at several times, for regions,
// dimensions, breakdowns, Live and Load; then that a rebuild gives the
// same open rollups.
func TestOpenRollups(t *testing.T) {
	t.Parallel()
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		f.flows()
		at := func(d, h, m int) { f.at(local(2026, 3, d, h, m)) }
		reg := cases.ActInput{Action: cases.ActRegister}
		// J: registered, waiting in the queue (its dispatch deadline counts).
		at(20, 8, 0)
		j := f.report(f.resident, f.leak())
		at(20, 8, 5)
		f.act(f.secretary, j, reg)
		// K: dispatched, accepted, suspended for good.
		at(20, 8, 10)
		k := f.report(f.neighbour, f.leak())
		k = f.act(f.secretary, k, reg)
		k = f.act(f.secretary, k, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID})
		k = f.act(f.member, k, cases.ActInput{Action: cases.ActAccept})
		at(20, 9, 0)
		f.act(f.secretary, k, cases.ActInput{Action: cases.ActSuspend, Reason: "等待配件"})
		// L: dispatched to the member, returned, dispatched to the heating company.
		at(20, 9, 10)
		l := f.report(f.resident, f.leak())
		l = f.act(f.secretary, l, reg)
		l = f.act(f.secretary, l, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID})
		at(20, 9, 20)
		l = f.act(f.member, l, cases.ActInput{Action: cases.ActReturn, Reason: "不属于本人"})
		at(20, 9, 30)
		f.act(f.dispatcher, l, cases.ActInput{Action: cases.ActDispatch, AssigneeDepartmentID: f.heatingDept.ID})
		f.drain()

		cs := openOracle(t, db)
		if len(cs) < 4 {
			t.Fatalf("%d open cases", len(cs))
		}
		for _, c := range cs {
			t.Logf("open: %s %s person %d dept %d due %s suspended %s", c.path, c.category, c.person, c.dept,
				c.threshold.In(shanghai).Format(time.DateTime), c.suspended.In(shanghai).Format(time.DateTime))
		}
		person := strconv.FormatInt(f.member.UserID, 10)
		dept := strconv.FormatInt(f.heatingDept.ID, 10)
		type dimKey struct {
			dim  stats.Dim
			key  string
			keep func(openCase) bool
		}
		dims := []dimKey{
			{stats.DimTotal, "", nil},
			{stats.DimCategory, "LE0102", func(c openCase) bool { return c.category == "LE0102" }},
			{stats.DimPerson, person, func(c openCase) bool { return c.person == f.member.UserID }},
			{stats.DimDepartment, dept, func(c openCase) bool { return c.dept == f.heatingDept.ID }},
		}
		const tol = 1e-6
		same := func(a, b oracleFigures) bool {
			return a.Open == b.Open && a.Overdue == b.Overdue && a.InPeriod == b.InPeriod && math.Abs(a.AvgHours-b.AvgHours) < tol
		}
		for _, now := range []time.Time{local(2026, 3, 20, 9, 40), local(2026, 3, 20, 23, 59), local(2026, 3, 21, 0, 1),
			local(2026, 3, 24, 12, 0), local(2026, 4, 15, 12, 0)} {
			f.at(now)
			today := local(now.Year(), now.Month(), now.Day(), 0, 0)
			periods := []stats.Query{month, {From: today, To: today.AddDate(0, 0, 1)}, {From: local(2026, 3, 1, 0, 0), To: local(2026, 3, 20, 0, 0)}}
			for _, r := range []struct {
				id   int64
				path string
			}{{f.county.ID, f.county.Path}, {f.street.ID, f.street.Path}, {f.grid1.ID, f.grid1.Path}, {f.street2.ID, f.street2.Path}} {
				for _, d := range dims {
					for _, q := range periods {
						q.RegionID, q.Dim, q.Key = r.id, d.dim, d.key
						k, err := f.st.KPIs(as(f.leader), q)
						if err != nil {
							t.Fatal(err)
						}
						want := figures(cs, r.path, d.keep, now, q.From, q.To)
						if !same(got(*k), want) {
							t.Errorf("%s region %d %s=%s %s..%s: got %+v, want %+v", now, r.id, d.dim, d.key,
								q.From.Format(time.DateOnly), q.To.Format(time.DateOnly), got(*k), want)
						}
						if k.DueToClose != k.Closed+int64(want.InPeriod) {
							t.Errorf("due to close %d, closed %d", k.DueToClose, k.Closed)
						}
					}
				}
			}
			// Breakdowns by region, category, person.
			q := month
			q.RegionID = f.county.ID
			rows, err := f.st.Breakdown(as(f.leader), q, stats.DimRegion, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range rows {
				path := map[string]string{strconv.FormatInt(f.street.ID, 10): f.street.Path, strconv.FormatInt(f.street2.ID, 10): f.street2.Path}[row.Key]
				if want := figures(cs, path, nil, now, q.From, q.To); !same(got(row.KPIs), want) {
					t.Errorf("%s by region %s: got %+v, want %+v", now, row.Label, got(row.KPIs), want)
				}
			}
			for _, d := range dims[1:3] {
				rows, err := f.st.Breakdown(as(f.leader), q, d.dim, 0)
				if err != nil {
					t.Fatal(err)
				}
				for _, row := range rows {
					keep := func(c openCase) bool {
						if d.dim == stats.DimCategory {
							return c.category == row.Key
						}
						return strconv.FormatInt(c.person, 10) == row.Key
					}
					if want := figures(cs, f.county.Path, keep, now, q.From, q.To); !same(got(row.KPIs), want) {
						t.Errorf("%s by %s %s: got %+v, want %+v", now, d.dim, row.Key, got(row.KPIs), want)
					}
				}
			}
			live, err := f.st.Live(as(f.leader), f.county.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := figures(cs, f.county.Path, nil, now, now, now); live.Open != want.Open || live.OpenOverdue != want.Overdue {
				t.Errorf("%s live %d/%d, want %+v", now, live.Open, live.OpenOverdue, want)
			}
			load, err := f.st.Load(as(f.leader), f.county.ID)
			if err != nil {
				t.Fatal(err)
			}
			paths := map[int64]string{f.street.ID: f.street.Path, f.street2.ID: f.street2.Path, f.grid1.ID: f.grid1.Path, f.grid2.ID: f.grid2.Path}
			for _, l := range load {
				if want := figures(cs, paths[l.RegionID], nil, now, now, now); l.Open != want.Open || l.OpenOverdue != want.Overdue {
					t.Errorf("%s load %s %d/%d, want %+v", now, l.Name, l.Open, l.OpenOverdue, want)
				}
			}
		}
		// Some of the figures must be non-trivial for the test to mean anything.
		f.at(local(2026, 3, 20, 9, 40))
		if w := figures(cs, f.county.Path, nil, local(2026, 3, 20, 9, 40), month.From, month.To); w.Open < 4 || w.Overdue < 2 {
			t.Errorf("too few open/overdue cases: %+v", w)
		}

		before := dumpOpen(t, db)
		if _, err := f.st.Rebuild(sys(), nil); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(before, dumpOpen(t, db)); d != "" {
			t.Errorf("open rollups differ from a rebuild (-drained +rebuilt):\n%s", d)
		}
	})
}

// dumpOpen reads the open rollups, one line per row.
func dumpOpen(t *testing.T, db *sqldb.DB) []string {
	t.Helper()
	var out []string
	for _, q := range []string{`SELECT region_id, dim, key, due_day, open, unhandled, reported_sum FROM stats_open ORDER BY region_id, dim, key, due_day`,
		`SELECT region_id, dim, key, reported_day, open, 0, 0 FROM stats_open_age ORDER BY region_id, dim, key, reported_day`} {
		rows, err := db.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, day, open, unhandled, sum int64
			var dim, key string
			if err := rows.Scan(&id, &dim, &key, &day, &open, &unhandled, &sum); err != nil {
				t.Fatal(err)
			}
			if open == 0 {
				t.Errorf("a row of no open case: %d %s %s %d", id, dim, key, day)
			}
			out = append(out, fmt.Sprint(id, dim, key, day, open, unhandled, sum))
		}
		rows.Close()
	}
	if len(out) == 0 {
		t.Fatal("no open rollups")
	}
	return out
}
