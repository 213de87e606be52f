package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/media"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
	"github.com/gridwork/gridwork/internal/stats"
)

// historyDeps loads a small village with its dictionary and calendar and
// wires the services GenerateHistory needs.
func historyDeps(t *testing.T, db *sqldb.DB) HistoryDeps {
	t.Helper()
	w := newWorld(t, db)
	seedCaseLoop(t, w)
	city := Generate(Options{Seed: 11, Size: SizeVillage, HouseholdScale: 0.2})
	if err := Load(sysCtx(), db, city, w.Deps, nil); err != nil {
		t.Fatalf("load: %v", err)
	}
	discard := slog.New(slog.DiscardHandler)
	svc := cases.NewService(cases.Deps{
		DB: db, Auth: w.Auth, Territory: w.Territory, Keys: w.keys, Category: w.Category, Calendar: w.cal,
		Media: media.NewService(db, media.NewMemStore(), media.Options{}), Notify: notify.NewService(db, notify.Options{Logger: discard}),
	}, cases.Options{Logger: discard})
	return HistoryDeps{DB: db, Cases: svc, Territory: w.Territory, Auth: w.Auth, Category: w.Category, Calendar: w.cal}
}

// historyNow is the end of the test histories: a Wednesday afternoon.
var historyNow = time.Date(2026, 11, 25, 7, 30, 0, 0, time.UTC)

// planAll plans n cases over days without writing them.
func planAll(t *testing.T, deps HistoryDeps, n, days int, seed int64) [][]cases.BulkEvent {
	t.Helper()
	w, err := loadHistoryWorld(sysCtx(), deps)
	if err != nil {
		t.Fatal(err)
	}
	h := newHistoryGen(w, HistoryOptions{Cases: n, Days: days, Seed: seed, Now: historyNow}, 1)
	out := make(chan [][]cases.BulkEvent, 1000)
	if err := h.run(sysCtx(), 500, out); err != nil {
		t.Fatal(err)
	}
	close(out)
	var all [][]cases.BulkEvent
	for b := range out {
		all = append(all, b...)
	}
	return all
}

// shares are the outcomes of a planned history.
type shares struct {
	n                                                   int
	late, rework, reopened, rejected, merged, escalated float64
	open, overdue                                       float64
	satisfaction                                        float64
	channels                                            map[cases.Channel]int
}

func measure(all [][]cases.BulkEvent) shares {
	s := shares{n: len(all), channels: map[cases.Channel]int{}}
	var rated, satisfied float64
	for _, evs := range all {
		last := evs[len(evs)-1].After
		s.channels[last.Channel]++
		late := false
		for _, e := range evs {
			switch e.Action {
			case cases.ActVerifyFail:
				s.rework++
			case cases.ActReopen:
				s.reopened++
			case cases.ActReject:
				s.rejected++
			case cases.ActMerge:
				s.merged++
			case cases.ActEscalate:
				s.escalated++
				late = late || e.Facts.Auto
			case cases.ActFeedback:
				late = late || e.Facts.Ratio > 1
			case cases.ActRate:
				rated++
				if e.After.Rating.Satisfaction == cases.Satisfied {
					satisfied++
				}
			}
		}
		if last.State.Open() {
			s.open++
			if h := last.Handle; h != nil && h.Due.Before(historyNow) || last.Step != nil && last.Step.Due.Before(historyNow) {
				s.overdue++
			}
		}
		if late {
			s.late++
		}
	}
	n := float64(s.n)
	s.late, s.rework, s.reopened, s.rejected, s.merged, s.escalated = s.late/n, s.rework/n, s.reopened/n, s.rejected/n, s.merged/n, s.escalated/n
	s.open, s.overdue = s.open/n, s.overdue/n
	s.satisfaction = satisfied / rated
	return s
}

// TestHistoryPlan: the same seed plans the same history; the outcomes
// fall in realistic ranges; heating complaints follow the season.
func TestHistoryPlan(t *testing.T) {
	db := sqldbtest.SQLite(t, sqldbtest.Options{})
	deps := historyDeps(t, db)
	a := planAll(t, deps, 6000, 120, 7)
	b := planAll(t, deps, 6000, 120, 7)
	enc := func(all [][]cases.BulkEvent) string {
		bs, err := json.Marshal(all)
		if err != nil {
			t.Fatal(err)
		}
		return string(bs)
	}
	if len(a) != 6000 || enc(a) != enc(b) {
		t.Fatalf("two plans with one seed differ (%d and %d cases)", len(a), len(b))
	}
	if c := planAll(t, deps, 300, 30, 8); enc(c) == enc(a[:300]) {
		t.Errorf("another seed planned the same history")
	}
	s := measure(a)
	t.Logf("%+v", s)
	for _, r := range []struct {
		what     string
		got      float64
		min, max float64
	}{
		{"late", s.late, 0.025, 0.06},
		{"rework", s.rework, 0.008, 0.025},
		{"reopened", s.reopened, 0.003, 0.02},
		{"rejected", s.rejected, 0.01, 0.03},
		{"merged", s.merged, 0.003, 0.02},
		{"escalated", s.escalated, 0.05, 0.2},
		{"satisfaction", s.satisfaction, 0.89, 0.95},
		{"open", s.open, 0.01, 0.2},
		{"overdue", s.overdue, 0.0003, 0.05},
	} {
		if r.got < r.min || r.got > r.max {
			t.Errorf("%s share %.4f, want in [%.3f, %.3f]", r.what, r.got, r.min, r.max)
		}
	}
	for _, ch := range cases.Channels {
		if s.channels[ch] == 0 && ch != cases.ChannelCourier { // the village has no couriers
			t.Errorf("no case came in through %s", ch)
		}
	}
	// Heating: 120 days back from late November start in late July; the
	// heating categories grow with the cold.
	heat := map[time.Month]int{}
	all := map[time.Month]int{}
	for _, evs := range a {
		c := evs[0].After
		m := c.ReportedAt.Month()
		all[m]++
		if seasonOf(c.Title) == heating {
			heat[m]++
		}
	}
	if share := func(m time.Month) float64 { return float64(heat[m]) / float64(all[m]) }; !(share(time.November) > 3*share(time.August)) {
		t.Errorf("heating share: August %.3f, November %.3f", share(time.August), share(time.November))
	}
	// Every case has a real assignee and times that never go backwards.
	for _, evs := range a {
		for i, e := range evs {
			if i > 0 && e.After.UpdatedAt.Before(evs[i-1].After.UpdatedAt) {
				t.Fatalf("case reported %s: event %d goes back in time", evs[0].After.ReportedAt, i+1)
			}
			if e.After.UpdatedAt.After(historyNow) {
				t.Fatalf("event after now: %+v", e)
			}
			if e.Action == cases.ActDispatch && e.After.AssigneeUserID == 0 && e.After.AssigneeDepartmentID == 0 {
				t.Fatalf("dispatched to nobody")
			}
		}
	}
}

// stats rows, in key order, as text.
func rollups(t *testing.T, db *sqldb.DB) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT * FROM stats_daily ORDER BY region_id, dim, key, day`)
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
	return out
}

// TestGenerateHistory: the generated cases hold under verify-history on
// both engines, the service carries on after them, and the rollups filled
// on the way equal a rebuild from the events.
func TestGenerateHistory(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		deps := historyDeps(t, db)
		if _, err := GenerateHistory(sysCtx(), deps, HistoryOptions{Cases: -1, Now: historyNow}); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("negative cases: %v", err)
		}
		var calls []int
		start := time.Now()
		res, err := GenerateHistory(sysCtx(), deps, HistoryOptions{Cases: 1200, Days: 40, Seed: 3, Now: historyNow, Batch: 500,
			Progress: func(done, total int) { calls = append(calls, done) }})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d cases, %d events in %s", res.Cases, res.Events, time.Since(start))
		if res.Cases != 1200 || res.Events < 5*1200 || !slices.Equal(calls, []int{0, 500, 1000, 1200}) {
			t.Errorf("result %+v, progress %v", res, calls)
		}
		r, err := deps.Cases.CheckHistory(sysCtx(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if r.Broken != nil || r.Cases != 1200 || r.Events != res.Events {
			t.Fatalf("verify history: %+v %v", r, r.Broken)
		}
		before := rollups(t, db)
		if len(before) == 0 {
			t.Fatal("no rollups written")
		}
		st := stats.NewService(db)
		if _, err := st.Rebuild(sysCtx(), nil); err != nil {
			t.Fatal(err)
		}
		after := rollups(t, db)
		if d := slices.Compare(before, after); d != 0 || len(before) != len(after) {
			t.Errorf("rollups differ from a rebuild: %d rows written, %d rebuilt; first written %q",
				len(before), len(after), strings.Join(before[:min(2, len(before))], "; "))
		}
	})
}
