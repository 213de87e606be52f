package stats_test

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/stats"
)

// month is March 2026, the period of the flows.
var month = stats.Query{From: local(2026, 3, 1, 0, 0), To: local(2026, 4, 1, 0, 0)}

// flows plays the test month through cases.Service (urgent heating leaks,
// LE0102: register 10 min, dispatch 10 min, accept 1 h, handle 2 h from
// dispatch, verify 1 h, on the wall clock) and returns the open overdue
// case D.
//
//	A 3/2  on time at every step, closed at grid tier, satisfied
//	B 3/3  registered, dispatched, handled (150 % of the limit) and verified late; rated basic
//	C 3/4  suspended 4 h across its handling deadline, handled after the
//	       first deadline but before the moved one: on time; satisfied
//	D 3/5  dispatched, never handled: open and overdue
//	E 3/6  verify fails (rework), unsatisfied, reopened 3/7, closed again satisfied
//	F 3/9  rejected; G (its duplicate) registered, then merged: cancelled
//	H 3/10 escalated to the community, dispatched to the heating company, closed at community tier
//	I 3/11 a grid worker's finding solved on the spot, closed by the queue
func (f *fixture) flows() *cases.Case {
	f.t.Helper()
	rate := func(s cases.Satisfaction) cases.ActInput {
		return cases.ActInput{Action: cases.ActRate, Rating: &cases.RatingInput{Satisfaction: s, Stars: 3}}
	}
	reg := cases.ActInput{Action: cases.ActRegister}
	toMember := cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID}
	accept := cases.ActInput{Action: cases.ActAccept}
	feedback := cases.ActInput{Action: cases.ActFeedback, Note: "已修复"}
	ok := cases.ActInput{Action: cases.ActVerifyOK}
	at := func(d, h, m int) { f.at(local(2026, 3, d, h, m)) }

	// A
	at(2, 10, 0)
	c := f.report(f.resident, f.leak())
	at(2, 10, 5)
	c = f.act(f.secretary, c, reg)
	at(2, 10, 8)
	c = f.act(f.secretary, c, toMember)
	at(2, 10, 15)
	c = f.act(f.member, c, accept)
	at(2, 11, 0)
	c = f.act(f.member, c, feedback)
	at(2, 11, 10)
	c = f.act(f.worker1, c, ok)
	at(2, 11, 20)
	f.act(f.resident, c, rate(cases.Satisfied))

	// B
	at(3, 10, 0)
	c = f.report(f.resident, f.leak())
	at(3, 10, 30)
	c = f.act(f.secretary, c, reg)
	at(3, 10, 50)
	c = f.act(f.secretary, c, toMember)
	at(3, 10, 55)
	c = f.act(f.member, c, accept)
	at(3, 13, 50)
	c = f.act(f.member, c, feedback)
	at(3, 15, 0)
	c = f.act(f.worker1, c, ok)
	at(3, 15, 10)
	f.act(f.resident, c, rate(cases.Basic))

	// C
	at(4, 10, 0)
	c = f.report(f.resident, f.leak())
	at(4, 10, 5)
	c = f.act(f.secretary, c, reg)
	at(4, 10, 8)
	c = f.act(f.secretary, c, toMember)
	at(4, 10, 10)
	c = f.act(f.member, c, accept)
	at(4, 11, 0)
	c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActSuspend, Reason: "等待配件"})
	at(4, 15, 0)
	c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActResume})
	at(4, 15, 30)
	c = f.act(f.member, c, feedback)
	at(4, 15, 40)
	c = f.act(f.worker1, c, ok)
	at(4, 15, 50)
	f.act(f.resident, c, rate(cases.Satisfied))

	// D
	at(5, 10, 0)
	d := f.report(f.resident, f.leak())
	at(5, 10, 5)
	d = f.act(f.secretary, d, reg)
	at(5, 10, 8)
	d = f.act(f.secretary, d, toMember)

	// E
	at(6, 10, 0)
	c = f.report(f.resident, f.leak())
	at(6, 10, 5)
	c = f.act(f.secretary, c, reg)
	at(6, 10, 8)
	c = f.act(f.secretary, c, toMember)
	at(6, 10, 10)
	c = f.act(f.member, c, accept)
	at(6, 10, 30)
	c = f.act(f.member, c, feedback)
	at(6, 10, 40)
	c = f.act(f.resident, c, cases.ActInput{Action: cases.ActVerifyFail, Reason: "还在漏"})
	at(6, 10, 45)
	c = f.act(f.member, c, accept)
	at(6, 11, 0)
	c = f.act(f.member, c, feedback)
	at(6, 11, 10)
	c = f.act(f.worker1, c, ok)
	at(6, 11, 20)
	c = f.act(f.resident, c, rate(cases.Unsatisfied))
	at(7, 9, 0)
	c = f.act(f.resident, c, cases.ActInput{Action: cases.ActReopen, Reason: "又漏了"})
	at(7, 9, 5)
	c = f.act(f.secretary, c, toMember)
	at(7, 9, 10)
	c = f.act(f.member, c, accept)
	at(7, 9, 30)
	c = f.act(f.member, c, feedback)
	at(7, 9, 40)
	c = f.act(f.worker1, c, ok)
	at(7, 9, 50)
	f.act(f.resident, c, rate(cases.Satisfied))

	// F and G
	at(9, 10, 0)
	fc := f.report(f.resident, f.leak())
	at(9, 10, 1)
	g := f.report(f.neighbour, f.leak())
	at(9, 10, 5)
	g = f.act(f.secretary, g, reg)
	at(9, 10, 6)
	f.act(f.secretary, g, cases.ActInput{Action: cases.ActMerge, DuplicateOf: fc.ID})
	at(9, 10, 7)
	f.act(f.secretary, f.find(fc.ID), cases.ActInput{Action: cases.ActReject, Reason: "非本辖区"})

	// H
	at(10, 10, 0)
	c = f.report(f.resident, f.leak())
	at(10, 10, 2)
	c = f.act(f.worker1, c, reg)
	at(10, 10, 3)
	c = f.act(f.worker1, c, cases.ActInput{Action: cases.ActEscalate, Reason: "需社区协调"})
	at(10, 10, 5)
	c = f.act(f.dispatcher, c, cases.ActInput{Action: cases.ActDispatch, AssigneeDepartmentID: f.heatingDept.ID})
	at(10, 10, 10)
	c = f.act(f.heating, c, accept)
	at(10, 11, 0)
	c = f.act(f.heating, c, feedback)
	at(10, 11, 10)
	c = f.act(f.worker1, c, ok)
	at(10, 11, 20)
	f.act(f.resident, c, rate(cases.Satisfied))

	// I
	at(11, 9, 0)
	lon, lat := 117.005, 36.605
	c = f.report(f.worker1, cases.ReportInput{Channel: cases.ChannelGridWorker, Category: "E06010", Title: "路边暴露垃圾", Lon: &lon, Lat: &lat})
	at(11, 9, 20)
	c = f.act(f.worker1, c, cases.ActInput{Action: cases.ActSelfHandle, Note: "已清理"})
	at(11, 9, 30)
	c = f.act(f.dispatcher, c, ok)
	at(11, 9, 40)
	f.act(f.secretary, c, cases.ActInput{Action: cases.ActClose})

	at(20, 12, 0)
	return d
}

// find reads a case as the system.
func (f *fixture) find(id int64) *cases.Case {
	f.t.Helper()
	c, err := f.svc.FindCaseByID(sys(), id)
	if err != nil {
		f.t.Fatalf("find %d: %v", id, err)
	}
	return c
}

// rate renders a rate for comparisons ("-" for nil).
func rate(r *float64) string {
	if r == nil {
		return "-"
	}
	return strconv.FormatFloat(math.Round(*r*10000)/10000, 'f', -1, 64)
}

func frac(n, d int) string { return rate(new(float64(n) / float64(d))) }

// TestKPIs checks every KPI of the test month against its formula, the
// rollups against a full recomputation, and the other queries.
func TestKPIs(t *testing.T) {
	t.Parallel()
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		d := f.flows()
		// Two projectors at once: each pending row is counted once (the
		// rebuild below checks it).
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if _, err := f.st.Drain(context.Background()); err != nil {
					t.Errorf("drain: %v", err)
				}
			})
		}
		wg.Wait()
		f.drain()
		var pending int
		if err := db.QueryRow(context.Background(), `SELECT count(*) FROM stats_pending`).Scan(&pending); err != nil || pending != 0 {
			t.Fatalf("pending after drain: %d %v", pending, err)
		}
		q := month
		q.RegionID = f.county.ID
		k, err := f.st.KPIs(as(f.leader), q)
		if err != nil {
			t.Fatal(err)
		}
		c := k.Counters
		gotCounts := map[string]int64{
			"reported": c.Reported, "registered": c.Registered, "rejected": c.Rejected, "cancelled": c.Cancelled,
			"register_due": c.RegisterDue, "register_on_time": c.RegisterOnTime,
			"dispatched": c.Dispatched, "dispatch_due": c.DispatchDue, "dispatch_on_time": c.DispatchOnTime,
			"returned": c.Returned, "rework": c.Rework,
			"handled": c.Handled, "handle_due": c.HandleDue, "handle_on_time": c.HandleOnTime,
			"verify_due": c.VerifyDue, "verify_on_time": c.VerifyOnTime, "verified": c.Verified,
			"closed": c.Closed, "closed_on_time": c.ClosedOnTime, "closed_grid": c.ClosedGrid, "closed_community": c.ClosedCommunity,
			"reopened": c.Reopened, "escalated": c.Escalated,
			"ratings": c.Ratings, "satisfied": c.Satisfied, "basic": c.Basic, "unsatisfied": c.Unsatisfied,
			"timed": c.Timed, "overtime": c.Overtime,
			"open": int64(k.Open), "open_overdue": int64(k.OpenOverdue), "due_to_close": k.DueToClose,
		}
		wantCounts := map[string]int64{
			"reported": 9, "registered": 8, "rejected": 1, "cancelled": 1,
			"register_due": 9, "register_on_time": 8, // B late
			"dispatched": 7, "dispatch_due": 7, "dispatch_on_time": 6, // B late
			"returned": 0, "rework": 1,
			"handled": 8, "handle_due": 8, "handle_on_time": 7, // B late; C on time thanks to the suspension
			"verify_due": 8, "verify_on_time": 7, "verified": 7,
			"closed": 7, "closed_on_time": 6, "closed_grid": 6, "closed_community": 1,
			"reopened": 1, "escalated": 1,
			"ratings": 6, "satisfied": 4, "basic": 1, "unsatisfied": 1,
			"timed": 7, "overtime": 1, // I ran on no handling clock; B used 150 %
			"open": 1, "open_overdue": 1, "due_to_close": 8, // D
		}
		if d := cmp.Diff(wantCounts, gotCounts); d != "" {
			t.Errorf("counts (-want +got):\n%s", d)
		}
		gotRates := map[string]string{
			"registration": rate(k.RegistrationRate), "accurate_registration": rate(k.AccurateRegistration),
			"on_time_registration": rate(k.OnTimeRegistration), "on_time_dispatch": rate(k.OnTimeDispatch),
			"on_time_verify": rate(k.OnTimeVerify), "dispatch_accuracy": rate(k.DispatchAccuracy),
			"handling": rate(k.HandlingRate), "on_time_handling": rate(k.OnTimeHandling),
			"rework": rate(k.ReworkRate), "reopen": rate(k.ReopenRate),
			"closure": rate(k.ClosureRate), "on_time_closure": rate(k.OnTimeClosure),
			"satisfaction": rate(k.Satisfaction), "grid_share": rate(k.GridShare),
			"tier_community": rate(new(k.TierShare["community"])),
		}
		wantRates := map[string]string{
			"registration": frac(8, 9), "accurate_registration": frac(7, 8),
			"on_time_registration": frac(8, 9), "on_time_dispatch": frac(6, 7),
			"on_time_verify": frac(7, 8), "dispatch_accuracy": frac(6, 7),
			// D is due to handle and close, and late: it counts against both.
			"handling": frac(8, 9), "on_time_handling": frac(7, 9),
			"rework": frac(1, 8), "reopen": frac(1, 7),
			"closure": frac(7, 8), "on_time_closure": frac(6, 8),
			"satisfaction": frac(4, 6), "grid_share": frac(6, 7),
			"tier_community": frac(1, 7),
		}
		if d := cmp.Diff(wantRates, gotRates); d != "" {
			t.Errorf("rates (-want +got):\n%s", d)
		}
		if k.OvertimeMultiple == nil || *k.OvertimeMultiple <= 0 || *k.OvertimeMultiple >= 1.5 || k.P90HandleHours == nil || k.AvgHandleHours == nil {
			t.Errorf("overtime %s p90 %s avg %s", rate(k.OvertimeMultiple), rate(k.P90HandleHours), rate(k.AvgHandleHours))
		}
		// D has waited since 3/5 10:00: 362 h at 3/20 12:00.
		if rate(k.BacklogAvgHours) != "362" || k.BacklogP90Hours == nil || *k.BacklogP90Hours < 360 {
			t.Errorf("backlog avg %s p90 %s", rate(k.BacklogAvgHours), rate(k.BacklogP90Hours))
		}

		t.Run("dimensions", func(t *testing.T) {
			for _, tc := range []struct {
				dim                       stats.Dim
				key                       string
				reported, closed, handled int64
				open                      int
			}{
				{stats.DimCategory, "LE0102", 8, 6, 7, 1},
				{stats.DimCategory, "E06010", 1, 1, 1, 0},
				{stats.DimChannel, "grid_worker", 1, 1, 1, 0},
				{stats.DimDepartment, strconv.FormatInt(f.heatingDept.ID, 10), 0, 1, 1, 0},
				{stats.DimPerson, strconv.FormatInt(f.member.UserID, 10), 0, 5, 6, 1},
			} {
				q := month
				q.RegionID, q.Dim, q.Key = f.county.ID, tc.dim, tc.key
				k, err := f.st.KPIs(as(f.leader), q)
				if err != nil {
					t.Fatalf("%s %s: %v", tc.dim, tc.key, err)
				}
				if k.Reported != tc.reported || k.Closed != tc.closed || k.Handled != tc.handled || k.Open != tc.open {
					t.Errorf("%s %s: reported %d closed %d handled %d open %d; want %d %d %d %d", tc.dim, tc.key,
						k.Reported, k.Closed, k.Handled, k.Open, tc.reported, tc.closed, tc.handled, tc.open)
				}
			}
		})

		t.Run("breakdown, series, live, load", func(t *testing.T) {
			q := month
			q.RegionID = f.county.ID
			rows, err := f.st.Breakdown(as(f.leader), q, stats.DimRegion, 0)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows {
				got = append(got, fmt.Sprintf("%s %d %d %s", r.Label, r.Reported, r.OpenOverdue, rate(r.OnTimeClosure)))
			}
			if d := cmp.Diff([]string{"解放路街道 9 1 " + frac(6, 8), "千佛山街道 0 0 -"}, got); d != "" {
				t.Errorf("by region (-want +got):\n%s", d)
			}
			rows, err = f.st.Breakdown(as(f.leader), q, stats.DimCategory, 1)
			if err != nil || len(rows) != 1 || rows[0].Key != "LE0102" || rows[0].Label == "LE0102" || rows[0].Reported != 8 || rows[0].Open != 1 {
				t.Errorf("top category: %+v %v", rows, err)
			}
			rows, err = f.st.Breakdown(as(f.leader), q, stats.DimPerson, 10)
			if err != nil || len(rows) == 0 || rows[0].Label != "member" {
				t.Errorf("by person: %+v %v", rows, err)
			}
			pts, err := f.st.Series(as(f.leader), q)
			if err != nil || len(pts) != 31 {
				t.Fatalf("series: %d points %v", len(pts), err)
			}
			if !pts[1].Day.Equal(local(2026, 3, 2, 0, 0)) || pts[1].Reported != 1 || pts[1].Closed != 1 || pts[0].Reported != 0 || pts[8].Reported != 2 {
				t.Errorf("series: %v %+v", pts[1].Day, pts[:9])
			}
			f.at(local(2026, 3, 9, 18, 0))
			live, err := f.st.Live(as(f.leader), f.county.ID)
			if err != nil || live.Today.Reported != 2 || live.Today.Rejected != 1 || live.Open != 1 || live.OpenOverdue != 1 {
				t.Errorf("live on 3/9: %+v %v", live, err) // D
			}
			f.at(local(2026, 3, 20, 12, 0))
			load, err := f.st.Load(as(f.leader), f.county.ID)
			if err != nil {
				t.Fatal(err)
			}
			got = nil
			for _, l := range load {
				got = append(got, fmt.Sprintf("%s %d %d", l.Name, l.Open, l.OpenOverdue))
			}
			if d := cmp.Diff([]string{"解放路街道 1 1", "千佛山街道 0 0", "水韵第一网格 1 1", "水韵第二网格 0 0"}, got); d != "" {
				t.Errorf("load (-want +got):\n%s", d)
			}
			_ = d
		})

		t.Run("scope and bad input", func(t *testing.T) {
			q := month
			q.RegionID = f.street.ID
			_, err := f.st.KPIs(as(f.leader2), q)
			wantErr(t, err, apperr.Forbidden, "")
			_, err = f.st.Breakdown(as(f.leader2), stats.Query{RegionID: f.county.ID, From: q.From, To: q.To}, stats.DimRegion, 0)
			wantErr(t, err, apperr.Forbidden, "")
			_, err = f.st.Live(as(f.resident), f.grid1.ID)
			wantErr(t, err, apperr.Forbidden, "")
			q.RegionID = f.street2.ID
			if _, err := f.st.KPIs(as(f.leader2), q); err != nil {
				t.Errorf("own street: %v", err)
			}
			_, err = f.st.Rebuild(as(f.leader), nil)
			wantErr(t, err, apperr.Forbidden, "")
			for _, tc := range []struct {
				q     stats.Query
				field string
			}{
				{stats.Query{From: q.From, To: q.To}, "region_id"},
				{stats.Query{RegionID: f.county.ID, To: q.To}, "from"},
				{stats.Query{RegionID: f.county.ID, From: q.From}, "to"},
				{stats.Query{RegionID: f.county.ID, From: q.To, To: q.From}, "to"},
				{stats.Query{RegionID: f.county.ID, From: q.From, To: q.From.AddDate(0, 0, 401)}, "to"},
				{stats.Query{RegionID: f.county.ID, From: q.From, To: q.To, Dim: "street"}, "dim"},
				{stats.Query{RegionID: f.county.ID, From: q.From, To: q.To, Dim: stats.DimCategory}, "key"},
				{stats.Query{RegionID: f.county.ID, From: q.From, To: q.To, Dim: stats.DimPerson, Key: "x"}, "key"},
				{stats.Query{RegionID: f.county.ID, From: q.From, To: q.To, Key: "x"}, "key"},
			} {
				_, err := f.st.KPIs(as(f.leader), tc.q)
				wantErr(t, err, apperr.Invalid, tc.field)
			}
			_, err = f.st.Breakdown(as(f.leader), stats.Query{RegionID: f.county.ID, From: q.From, To: q.To}, "grid", 0)
			wantErr(t, err, apperr.Invalid, "by")
			if _, err := f.st.KPIs(as(f.leader), stats.Query{RegionID: f.county.ID, From: q.From, To: q.From.AddDate(0, 0, 400)}); err != nil {
				t.Errorf("400 days: %v", err)
			}
		})

		t.Run("rollups agree with a rebuild", func(t *testing.T) {
			before := dump(t, db)
			n, err := f.st.Rebuild(sys(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				t.Fatal("rebuild replayed no events")
			}
			if d := cmp.Diff(before, dump(t, db)); d != "" {
				t.Errorf("rollups differ from a rebuild (-drained +rebuilt):\n%s", d)
			}
			checkMonths(t, db)
		})
	})
}

// dump reads stats_daily and stats_monthly, one line per row.
func dump(t *testing.T, db *sqldb.DB) []string {
	t.Helper()
	out := dumpTable(t, db, `SELECT 'day', * FROM stats_daily ORDER BY region_id, dim, key, day`)
	months := dumpTable(t, db, `SELECT 'month', * FROM stats_monthly ORDER BY region_id, dim, key, month`)
	if len(out) == 0 || len(months) == 0 {
		t.Fatalf("no rollups: %d daily rows, %d monthly", len(out), len(months))
	}
	return append(out, months...)
}

// dumpTable reads the rows of query, one line per row.
func dumpTable(t *testing.T, db *sqldb.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
