package cases_test

import (
	"testing"
	"time"

	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// demoHistory builds, by hand, the demo's typical case: a resident's
// report of grid 1 with a point, a description and a note on most events,
// registered, dispatched to the party member, accepted, fed back, verified
// and rated (closed): seven events.
func demoHistory(tb testing.TB, f *fixture, at time.Time) []cases.BulkEvent {
	tb.Helper()
	cal, err := f.cal.Current(sys())
	if err != nil {
		tb.Fatal(err)
	}
	k := cases.NewClock(cal)
	timer := func(c *cases.Case, st category.Step, start time.Time) *cases.Timer {
		tb.Helper()
		l, err := f.cat.LimitFor(sys(), c.Category, c.Urgency, c.Tier, st)
		if err != nil {
			tb.Fatal(err)
		}
		tm, err := k.Timer(st, start, l)
		if err != nil {
			tb.Fatal(err)
		}
		c.SetDue(tm)
		return tm
	}
	ptr := func(t time.Time) *time.Time { return &t }
	c := &cases.Case{Channel: cases.ChannelResident, Category: "LE0102", Urgency: category.Normal, Title: "供热管道漏水",
		Description: "水韵名都 27号楼：供热管道漏水，请尽快处理。", Lon: fp(117.005123), Lat: fp(36.604321),
		BuildingID: f.building.ID, RegionID: f.grid1.ID, RegionPath: f.grid1.Path, GridID: f.grid1.ID,
		QueueRegionID: f.grid1.ID, QueuePath: f.grid1.Path, QueueParentID: f.community.ID, Tier: category.TierGrid,
		State: cases.Reported, Supervision: cases.SuperviseNormal, ReporterUserID: f.resident.UserID, ReporterName: "resident",
		DepartmentID: f.heatingDept.ID, ReportedAt: at, UpdatedAt: at}
	c.Step = timer(c, category.StepRegister, at)
	evs := []cases.BulkEvent{{Action: cases.ActReport, ActorUserID: f.resident.UserID, ActorName: "resident", ActorRole: "resident", After: c}}
	next := func(a cases.Action, by *byWhom, d time.Duration, note string, change func(c *cases.Case, now time.Time) cases.EventData) {
		c = c.Clone()
		now := c.UpdatedAt.Add(d)
		c.UpdatedAt = now
		facts := change(c, now)
		evs = append(evs, cases.BulkEvent{Action: a, ActorUserID: by.id, ActorName: by.name, ActorRole: by.role, Note: note, Facts: facts, After: c})
	}
	sec := &byWhom{f.secretary.UserID, "secretary", "branch_secretary"}
	mem := &byWhom{f.member.UserID, "member", "party_member"}
	wk := &byWhom{f.worker1.UserID, "worker1", "grid_worker"}
	res := &byWhom{f.resident.UserID, "resident", "resident"}
	next(cases.ActRegister, sec, 30*time.Minute, "情况属实，予以立案", func(c *cases.Case, now time.Time) cases.EventData {
		c.State, c.RegisteredAt, c.Step = cases.Registered, ptr(now), timer(c, category.StepDispatch, now)
		return cases.EventData{}
	})
	next(cases.ActDispatch, sec, time.Hour, "请尽快处理", func(c *cases.Case, now time.Time) cases.EventData {
		c.State, c.DispatchedAt, c.AssigneeUserID, c.AssigneeName = cases.Dispatched, ptr(now), f.member.UserID, "member"
		c.Step, c.Handle = timer(c, category.StepAccept, now), timer(c, category.StepHandle, now)
		return cases.EventData{}
	})
	next(cases.ActAccept, mem, time.Hour, "", func(c *cases.Case, now time.Time) cases.EventData {
		h := *c.Handle
		c.State, c.AcceptedAt, c.Step = cases.InProgress, ptr(now), &h
		return cases.EventData{}
	})
	next(cases.ActFeedback, mem, 20*time.Hour, "已更换漏水管段", func(c *cases.Case, now time.Time) cases.EventData {
		r, err := k.Ratio(c.Handle, now)
		if err != nil {
			tb.Fatal(err)
		}
		c.State, c.HandledAt, c.HandlerUserID, c.Handle = cases.Handled, ptr(now), f.member.UserID, nil
		c.Step = timer(c, category.StepVerify, now)
		return cases.EventData{Step: "handle", Ratio: r}
	})
	next(cases.ActVerifyOK, wk, 2*time.Hour, "现场核查已修复", func(c *cases.Case, now time.Time) cases.EventData {
		c.State, c.VerifiedAt, c.Step = cases.Verified, ptr(now), nil
		return cases.EventData{}
	})
	next(cases.ActRate, res, 5*time.Hour, "", func(c *cases.Case, now time.Time) cases.EventData {
		c.State, c.ClosedAt = cases.Closed, ptr(now)
		c.Rating = &cases.Rating{Satisfaction: cases.Satisfied, Stars: 5, Comment: "师傅很负责", At: now}
		return cases.EventData{}
	})
	return evs
}

// BenchmarkBulkAdd measures Bulk.Add per case (ns/op) for the demo's
// typical seven-event history: normalizing the times, deriving, diffing
// and encoding each event's changes, hashing the chain and buffering the
// rows (nothing is written; the buffer is taken every thousand cases, as
// the demo does). Each case is a fresh copy of one history (its states
// cloned, sharing their times as the demo's states do: Add replaces the
// times it normalizes, so a reused history would be cheaper); the copying
// is counted.
//
//	go test ./internal/cases -run '^$' -bench BulkAdd -benchmem
func BenchmarkBulkAdd(b *testing.B) {
	f := newFixture(b, sqldbtest.SQLite(b, sqldbtest.Options{}), cases.Options{})
	tmpl := demoHistory(b, f, f.clk.Now())
	bulk, err := f.svc.NewBulk(sys())
	if err != nil {
		b.Fatal(err)
	}
	evs := make([]cases.BulkEvent, len(tmpl))
	n := 0
	for b.Loop() {
		for i, e := range tmpl {
			e.After = e.After.Clone()
			evs[i] = e
		}
		if _, err := bulk.Add(evs); err != nil {
			b.Fatal(err)
		}
		if n++; n%1000 == 0 {
			bulk.Take()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
}
