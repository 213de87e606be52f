package cases_test

import (
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// bulkHistory builds, by hand, a closed case of grid 1: reported at at,
// registered, dispatched to the party member, accepted, fed back late,
// verified and rated unsatisfied, then reopened.
func bulkHistory(t *testing.T, f *fixture, at time.Time) []cases.BulkEvent {
	t.Helper()
	cal, err := f.cal.Current(sys())
	if err != nil {
		t.Fatal(err)
	}
	k := cases.NewClock(cal)
	timer := func(c *cases.Case, st category.Step, start time.Time) *cases.Timer {
		t.Helper()
		l, err := f.cat.LimitFor(sys(), c.Category, c.Urgency, c.Tier, st)
		if err != nil {
			t.Fatal(err)
		}
		tm, err := k.Timer(st, start, l)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDue(tm)
		return tm
	}
	ptr := func(t time.Time) *time.Time { return &t }
	c := &cases.Case{Channel: cases.ChannelResident, Category: "LE0102", Urgency: category.Normal, Title: "暖气不热",
		BuildingID: f.building.ID, UnitID: f.unit.ID, RegionID: f.grid1.ID, RegionPath: f.grid1.Path, GridID: f.grid1.ID,
		QueueRegionID: f.grid1.ID, QueuePath: f.grid1.Path, QueueParentID: f.community.ID, Tier: category.TierGrid,
		State: cases.Reported, Supervision: cases.SuperviseNormal, ReporterUserID: f.resident.UserID, ReporterName: "resident",
		DepartmentID: f.heatingDept.ID, ReportedAt: at, UpdatedAt: at}
	c.Step = timer(c, category.StepRegister, at)
	evs := []cases.BulkEvent{{Action: cases.ActReport, ActorUserID: f.resident.UserID, ActorName: "resident", ActorRole: "resident", After: c}}
	next := func(a cases.Action, by *byWhom, d time.Duration, change func(c *cases.Case, now time.Time) cases.EventData) {
		c = c.Clone()
		now := c.UpdatedAt.Add(d)
		c.UpdatedAt = now
		facts := change(c, now)
		evs = append(evs, cases.BulkEvent{Action: a, ActorUserID: by.id, ActorName: by.name, ActorRole: by.role, Facts: facts, After: c})
	}
	sec := &byWhom{f.secretary.UserID, "secretary", "branch_secretary"}
	mem := &byWhom{f.member.UserID, "member", "party_member"}
	wk := &byWhom{f.worker1.UserID, "worker1", "grid_worker"}
	res := &byWhom{f.resident.UserID, "resident", "resident"}
	next(cases.ActRegister, sec, 30*time.Minute, func(c *cases.Case, now time.Time) cases.EventData {
		c.State, c.RegisteredAt, c.Step = cases.Registered, ptr(now), timer(c, category.StepDispatch, now)
		return cases.EventData{}
	})
	next(cases.ActDispatch, sec, time.Hour, func(c *cases.Case, now time.Time) cases.EventData {
		c.State, c.DispatchedAt, c.AssigneeUserID, c.AssigneeName = cases.Dispatched, ptr(now), f.member.UserID, "member"
		c.Step, c.Handle = timer(c, category.StepAccept, now), timer(c, category.StepHandle, now)
		return cases.EventData{}
	})
	next(cases.ActAccept, mem, time.Hour, func(c *cases.Case, now time.Time) cases.EventData {
		h := *c.Handle
		c.State, c.AcceptedAt, c.Step = cases.InProgress, ptr(now), &h
		return cases.EventData{}
	})
	next(cases.ActFeedback, mem, 30*24*time.Hour, func(c *cases.Case, now time.Time) cases.EventData {
		r, err := k.Ratio(c.Handle, now)
		if err != nil {
			t.Fatal(err)
		}
		c.State, c.HandledAt, c.HandlerUserID, c.Handle = cases.Handled, ptr(now), f.member.UserID, nil
		c.Step = timer(c, category.StepVerify, now)
		return cases.EventData{Step: "handle", Ratio: r}
	})
	next(cases.ActVerifyOK, wk, 2*time.Hour, func(c *cases.Case, now time.Time) cases.EventData {
		c.State, c.VerifiedAt, c.Step = cases.Verified, ptr(now), nil
		return cases.EventData{}
	})
	next(cases.ActRate, res, 5*time.Hour, func(c *cases.Case, now time.Time) cases.EventData {
		c.State, c.ClosedAt = cases.Closed, ptr(now)
		c.Rating = &cases.Rating{Satisfaction: cases.Unsatisfied, Stars: 2, At: now}
		return cases.EventData{}
	})
	next(cases.ActReopen, res, time.Hour, func(c *cases.Case, now time.Time) cases.EventData {
		c.State, c.Rating, c.Reopened, c.RegisteredAt = cases.Registered, nil, 1, ptr(now)
		c.AssigneeUserID, c.AssigneeName, c.HandlerUserID = 0, "", 0
		c.DispatchedAt, c.AcceptedAt, c.HandledAt, c.VerifiedAt, c.ClosedAt = nil, nil, nil, nil, nil
		c.Step = timer(c, category.StepDispatch, now)
		return cases.EventData{Reason: "还是不热"}
	})
	return evs
}

// byWhom is who a hand-built event records.
type byWhom struct {
	id         int64
	name, role string
}

// TestBulk: histories written in bulk continue the ids and daily numbers,
// hold under CheckHistory, read back as the final state, and leave the
// service able to report after them; bad input writes nothing.
func TestBulk(t *testing.T) {
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, cases.Options{})
		first := f.report(f.resident, f.leak())
		b, err := f.svc.NewBulk(sys())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.NewBulk(as(f.dispatcher)); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("bulk as a dispatcher: %v, want Forbidden", err)
		}
		before := f.counts()
		if _, err := b.Add(bulkHistory(t, f, f.clk.Now())[1:]); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("history without a report: %v, want Invalid", err)
		}
		evs := bulkHistory(t, f, f.clk.Now())
		evs[2].After.UpdatedAt = evs[1].After.UpdatedAt.Add(-time.Minute)
		if _, err := b.Add(evs); apperr.CodeOf(err) != apperr.Invalid {
			t.Errorf("history going backwards: %v, want Invalid", err)
		}
		if b.Pending() != 0 {
			t.Fatalf("%d cases buffered after bad input", b.Pending())
		}
		var all [][]cases.Change
		for i := range 3 {
			ch, err := b.Add(bulkHistory(t, f, f.clk.Now().Add(time.Duration(i)*time.Minute)))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, ch)
		}
		if err := db.Transact(sys(), func(tx *sqldb.Tx) error { return b.Flush(sys(), tx) }); err != nil {
			t.Fatal(err)
		}
		after := f.counts()
		if after["cases"] != before["cases"]+3 || after["case_events"] != before["case_events"]+3*8 {
			t.Errorf("rows: before %v, after %v", before, after)
		}
		for i, ch := range all {
			last := ch[len(ch)-1]
			if ch[0].Before != nil || ch[1].Before != ch[0].After || last.Event.Seq != 8 {
				t.Errorf("case %d: changes not chained", i)
			}
			if want := first.ID + 1 + int64(i); last.After.ID != want {
				t.Errorf("case %d: id %d, want %d", i, last.After.ID, want)
			}
			if want := first.Number[:len(first.Number)-1] + string(rune('2'+i)); last.After.Number != want {
				t.Errorf("case %d: number %s, want %s", i, last.After.Number, want)
			}
			got, err := f.svc.FindCaseByID(sys(), last.After.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != cases.Registered || got.Reopened != 1 || got.Version != 8 || got.Due.Handle == nil || got.Step == nil {
				t.Errorf("case %d read back as %+v", i, got)
			}
			if got.NextCheck == nil {
				t.Errorf("case %d: an open case has no next check for the ticker", i)
			}
			if ev := last.Event; ev.Action != cases.ActReopen || ev.FromState != cases.Closed || ev.ToState != cases.Registered {
				t.Errorf("case %d: last event %+v", i, ev)
			}
		}
		r, err := f.svc.CheckHistory(sys(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if r.Broken != nil || r.Cases != 4 || r.Events != 1+3*8 {
			t.Fatalf("check history: %+v (broken %v)", r, r.Broken)
		}
		// The service carries on after the bulk: next id, next number.
		c := f.report(f.resident, f.leak())
		if c.ID != first.ID+4 || c.Number != first.Number[:len(first.Number)-1]+"5" {
			t.Errorf("report after bulk: id %d number %s", c.ID, c.Number)
		}
		f.act(f.secretary, c, cases.ActInput{Action: cases.ActRegister})
		if err := f.svc.VerifyHistory(sys(), 0); err != nil {
			t.Fatal(err)
		}
	})
}
