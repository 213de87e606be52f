package stats_test

import (
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/stats"
)

// TestFacts checks counts that the month of flows does not reach, on
// hand-built changes.
func TestFacts(t *testing.T) {
	at := local(2026, 3, 2, 23, 30) // 15:30 UTC: the local day decides
	due := at.Add(-time.Minute)
	base := cases.Case{ID: 1, RegionID: 17, RegionPath: "/1/4/17/", Category: "LE0102", Channel: cases.ChannelHotline,
		ReportedAt: at.Add(-50 * time.Hour), Tier: category.TierStreet}
	with := func(mod func(c *cases.Case)) *cases.Case {
		c := base
		mod(&c)
		return &c
	}
	one := func(ch cases.Change) stats.Fact {
		t.Helper()
		fs := stats.Facts(ch, shanghai)
		if len(fs) != 1 {
			t.Fatalf("%s: %d facts", ch.Event.Action, len(fs))
		}
		return fs[0]
	}

	// A duplicate merged before registering is not a cancelled registration.
	merge := &cases.Event{Action: cases.ActMerge, At: at}
	if fs := stats.Facts(cases.Change{Before: with(func(c *cases.Case) { c.State = cases.Reported }),
		After: with(func(c *cases.Case) { c.State = cases.Closed; c.MergedInto = 9 }), Event: merge}, shanghai); len(fs) != 0 {
		t.Errorf("merge from reported: %+v", fs)
	}
	f := one(cases.Change{Before: with(func(c *cases.Case) { c.State = cases.Dispatched; c.AssigneeDepartmentID = 3 }),
		After: with(func(c *cases.Case) { c.State = cases.Closed; c.MergedInto = 9 }), Event: merge})
	if f.C.Cancelled != 1 || f.C.Closed != 0 || f.Day != 20260302 || f.DepartmentID != 3 {
		t.Errorf("merge from dispatched: %+v", f)
	}

	// Handled 10 minutes past its clock, at 1.25 times its limit, 50 h
	// after the report.
	f = one(cases.Change{
		Before: with(func(c *cases.Case) {
			c.State, c.AssigneeUserID = cases.InProgress, 5
			c.Handle = &cases.Timer{Step: category.StepHandle, Due: due}
		}),
		After: with(func(c *cases.Case) { c.State, c.HandlerUserID, c.HandledAt = cases.Handled, 5, &at }),
		Event: &cases.Event{Action: cases.ActFeedback, At: at, Data: `{"step":"handle","ratio":1.25,"set":{}}`}})
	if c := f.C; c.Handled != 1 || c.HandleDue != 1 || c.HandleOnTime != 0 || c.Timed != 1 || c.OvertimeMilli != 1250 ||
		c.Overtime != 1 || c.HandleSeconds != 50*3600 || c.H[6] != 1 || f.PersonID != 5 {
		t.Errorf("late handling: %+v", f)
	}

	// Returned to the queue: the department and person are the ones it
	// left.
	f = one(cases.Change{Before: with(func(c *cases.Case) { c.State, c.AssigneeUserID, c.AssigneeDepartmentID = cases.Dispatched, 5, 3 }),
		After: with(func(c *cases.Case) { c.State = cases.Registered }), Event: &cases.Event{Action: cases.ActReturn, At: at}})
	if f.C.Returned != 1 || f.PersonID != 5 || f.DepartmentID != 3 {
		t.Errorf("return: %+v", f)
	}

	// Closed at street tier, handled after its handling deadline.
	f = one(cases.Change{Before: with(func(c *cases.Case) { c.State, c.HandledAt, c.Due.Handle = cases.Verified, &at, &due }),
		After: with(func(c *cases.Case) { c.State, c.HandledAt, c.Due.Handle = cases.Closed, &at, &due }),
		Event: &cases.Event{Action: cases.ActClose, At: at.Add(time.Hour)}})
	if f.C.Closed != 1 || f.C.ClosedOnTime != 0 || f.C.ClosedStreet != 1 || f.Day != 20260303 {
		t.Errorf("close: %+v", f)
	}

	// A note counts for nothing.
	if fs := stats.Facts(cases.Change{Before: &base, After: &base, Event: &cases.Event{Action: cases.ActInstruct, At: at}}, shanghai); len(fs) != 0 {
		t.Errorf("instruct: %+v", fs)
	}
}

// TestAggregator checks that a fact reaches its region, every ancestor and
// each dimension.
func TestAggregator(t *testing.T) {
	a := stats.NewAggregator()
	c := stats.Counters{Reported: 1}
	a.Add(stats.Fact{Day: 20260302, RegionID: 17, RegionPath: "/1/4/17/", Category: "LE0102", Channel: "hotline", DepartmentID: 3, PersonID: 5, C: c})
	a.Add(stats.Fact{Day: 20260302, RegionID: 17, RegionPath: "/1/4/17/", Category: "LE0102", Channel: "hotline", C: c})
	// 3 regions × (total, category, channel, department, person).
	if a.Len() != 15 {
		t.Errorf("rows %d, want 15", a.Len())
	}
}
