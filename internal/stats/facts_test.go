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
		fs := counted(stats.Facts(ch, shanghai))
		if len(fs) != 1 {
			t.Fatalf("%s: %d facts", ch.Event.Action, len(fs))
		}
		return fs[0]
	}

	// A duplicate merged before registering is not a cancelled registration.
	merge := &cases.Event{Action: cases.ActMerge, At: at}
	if fs := stats.Facts(cases.Change{Before: with(func(c *cases.Case) { c.State = cases.Reported }),
		After: with(func(c *cases.Case) { c.State = cases.Closed; c.MergedInto = 9 }), Event: merge}, shanghai); len(counted(fs)) != 0 ||
		len(fs) != 1 || fs[0].Open != -1 || fs[0].Unhandled != -1 || fs[0].ReportedAt != -base.ReportedAt.Unix() || fs[0].ReportedDay != 20260228 {
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

	// A round escalated after its handling deadline, then handled well
	// within the new tier's clock: late, at handling and at closing.
	later := at.Add(48 * time.Hour)
	f = one(cases.Change{
		Before: with(func(c *cases.Case) {
			c.State, c.AssigneeUserID, c.HandleLate = cases.InProgress, 5, true
			c.Handle = &cases.Timer{Step: category.StepHandle, Due: later}
		}),
		After: with(func(c *cases.Case) { c.State, c.HandlerUserID, c.HandledAt, c.HandleLate = cases.Handled, 5, &at, true }),
		Event: &cases.Event{Action: cases.ActFeedback, At: at}})
	if f.C.Handled != 1 || f.C.HandleDue != 1 || f.C.HandleOnTime != 0 {
		t.Errorf("handled after a late escalation: %+v", f)
	}
	f = one(cases.Change{Before: with(func(c *cases.Case) {
		c.State, c.HandledAt, c.Due.Handle, c.HandleLate = cases.Verified, &at, &later, true
	}),
		After: with(func(c *cases.Case) {
			c.State, c.HandledAt, c.Due.Handle, c.HandleLate = cases.Closed, &at, &later, true
		}),
		Event: &cases.Event{Action: cases.ActClose, At: at.Add(time.Hour)}})
	if f.C.Closed != 1 || f.C.ClosedOnTime != 0 {
		t.Errorf("closed after a late escalation: %+v", f)
	}

	// A note counts for nothing.
	if fs := stats.Facts(cases.Change{Before: &base, After: &base, Event: &cases.Event{Action: cases.ActInstruct, At: at}}, shanghai); len(fs) != 0 {
		t.Errorf("instruct: %+v", fs)
	}
}

// counted drops the open facts.
func counted(fs []stats.Fact) []stats.Fact {
	var out []stats.Fact
	for _, f := range fs {
		if f.Open == 0 {
			out = append(out, f)
		}
	}
	return out
}

// TestOpenFacts checks how an event moves a case's open contribution.
func TestOpenFacts(t *testing.T) {
	at := local(2026, 3, 2, 10, 0)
	due := local(2026, 3, 4, 9, 0)
	c := cases.Case{ID: 1, RegionID: 17, RegionPath: "/1/4/17/", Category: "LE0102", Channel: cases.ChannelHotline,
		ReportedAt: at.Add(-time.Hour), State: cases.InProgress, AssigneeUserID: 5, AssigneeDepartmentID: 3}
	c.Due.Handle = &due
	f, ok := stats.OpenFact(&c, shanghai)
	if !ok || f.DueDay != 20260304 || f.Unhandled != 1 || f.PersonID != 5 || f.DepartmentID != 3 || f.ReportedDay != 20260302 {
		t.Errorf("open: %+v %v", f, ok)
	}
	// Suspended before its deadline: it cannot fall due; after it, it is late.
	s := c
	s.SuspendedAt = &at
	if f, _ := stats.OpenFact(&s, shanghai); f.DueDay != 0 {
		t.Errorf("suspended before due: %+v", f)
	}
	late := due.Add(time.Hour)
	s.SuspendedAt = &late
	if f, _ := stats.OpenFact(&s, shanghai); f.DueDay != 20260304 {
		t.Errorf("suspended after due: %+v", f)
	}
	// Before dispatch the step's deadline counts.
	r := c
	r.State, r.Due.Handle, r.Step = cases.Registered, nil, &cases.Timer{Step: category.StepDispatch, Due: at}
	if f, _ := stats.OpenFact(&r, shanghai); f.DueDay != 20260302 {
		t.Errorf("step deadline: %+v", f)
	}
	// A reassignment moves the case from one person to another.
	b := c
	b.AssigneeUserID = 6
	fs := stats.Facts(cases.Change{Before: &c, After: &b, Event: &cases.Event{Action: cases.ActInstruct, At: at}}, shanghai)
	if len(fs) != 2 || fs[0].Open != -1 || fs[0].PersonID != 5 || fs[1].Open != 1 || fs[1].PersonID != 6 {
		t.Errorf("reassign: %+v", fs)
	}
	// Closed or rejected cases are not open.
	for _, st := range []cases.State{cases.Closed, cases.Rejected} {
		x := c
		x.State = st
		if _, ok := stats.OpenFact(&x, shanghai); ok {
			t.Errorf("%s is open", st)
		}
	}
}
