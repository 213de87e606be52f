package cases_test

import (
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// ticks runs Tick n times at once, as n processes would, and adds up what
// they did.
func (f *fixture) ticks(n int) cases.TickResult {
	f.t.Helper()
	var mu sync.Mutex
	var sum cases.TickResult
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			r, err := f.svc.Tick(sys())
			if err != nil {
				f.t.Errorf("tick: %v", err)
				return
			}
			mu.Lock()
			sum.Checked += r.Checked
			sum.Supervised += r.Supervised
			sum.Escalated += r.Escalated
			sum.Failed += r.Failed
			mu.Unlock()
		})
	}
	wg.Wait()
	return sum
}

// find reads a case as the system.
func (f *fixture) find(id int64) *cases.Case {
	f.t.Helper()
	c, err := f.svc.FindCaseByID(sys(), id)
	if err != nil {
		f.t.Fatalf("find case %d: %v", id, err)
	}
	return c
}

// TestLateCase runs two identical cases late across the Mid-Autumn
// holiday and its weekend (25–27 September 2026 off) and the National Day
// block (1–7 October off), on office hours 08:30–12:00, 14:00–18:00 (a
// working day's window is 08:30–18:00, 9.5 h, and counts as 24 h of the
// wd clock). The ticker turns them yellow, then red, supervises them and
// escalates them to the community, each exactly once although two tickers
// run at once.
func TestLateCase(t *testing.T) {
	t.Parallel()
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, cases.Options{})
		// Blocked drains (LS0507) get three working days at grid tier.
		if _, err := f.cat.CreateTimeLimit(sys(), category.TimeLimitInput{CategoryCode: "LS0507", Urgency: category.Normal,
			Tier: category.TierGrid, Step: category.StepHandle, Limit: "3wd"}); err != nil {
			t.Fatal(err)
		}
		drain := cases.ReportInput{Channel: cases.ChannelResident, Category: "LS0507", Title: "楼内下水道堵塞", BuildingID: f.building.ID}
		var ids []int64
		for range 2 {
			// Friday 25 September, 10:00, a holiday. Register: 30 min of
			// the wall clock, due 10:30.
			f.at(local(2026, 9, 25, 10, 0))
			c := f.report(f.resident, drain)
			if got := inp(c.Due.Register); got != "2026-09-25 10:30" {
				t.Errorf("register due %s", got)
			}
			f.at(local(2026, 9, 25, 10, 10)) // dispatch due 10:40
			c = f.act(f.worker1, c, cases.ActInput{Action: cases.ActRegister})
			if got := inp(c.Due.Dispatch); got != "2026-09-25 10:40" {
				t.Errorf("dispatch due %s", got)
			}
			// Dispatched at 10:20: accept 1h, due 11:20. Handle 3wd from a
			// day off counts from the opening of the next working day,
			// Monday 28 September 08:30, and is due at the opening of the
			// third working day after it: Tuesday 29 (1), Wednesday 30 (2),
			// then 1–7 October off, Thursday 8 October (3), 08:30.
			f.at(local(2026, 9, 25, 10, 20))
			c = f.act(f.worker1, c, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID})
			if a, h := inp(c.Due.Accept), inp(c.Due.Handle); a != "2026-09-25 11:20" || h != "2026-10-08 08:30" {
				t.Errorf("accept due %s, handle due %s", a, h)
			}
			f.at(local(2026, 9, 25, 10, 30))
			c = f.act(f.member, c, cases.ActInput{Action: cases.ActAccept})
			// Yellow after 80 % of 72 h = 57.6 h: Monday and Tuesday give
			// 48 h; the other 9.6 h are 0.4 of Wednesday's 9.5-hour window,
			// 3 h 48 min, so 12:18 on Wednesday 30 September. Red after
			// 72 h, reached at Wednesday's close, 18:00; the clock stands
			// still until Thursday 8 October 08:30, the last instant at
			// 100 %.
			st := c.Step
			if got := []string{string(st.Step), in(st.Due), in(st.YellowAt), in(st.RedAt)}; !cmp.Equal(got,
				[]string{"handle", "2026-10-08 08:30", "2026-09-30 12:18", "2026-10-08 08:30"}) {
				t.Fatalf("handle clock: %v", got)
			}
			ids = append(ids, c.ID)
		}

		check := func(when string, want cases.TickResult, light cases.Light, level cases.Supervision) {
			t.Helper()
			got := f.ticks(2)
			if got != want {
				t.Errorf("%s: tick = %+v, want %+v", when, got, want)
			}
			for _, id := range ids {
				c := f.find(id)
				if c.Light != light || c.Supervision != level {
					t.Errorf("%s: case %d light %s supervision %s, want %s %s", when, id, c.Light, c.Supervision, light, level)
				}
			}
		}
		f.at(local(2026, 9, 28, 9, 0)) // Monday: nothing due
		check("Monday 09:00", cases.TickResult{}, cases.LightGreen, cases.SuperviseNormal)
		f.at(local(2026, 9, 30, 12, 18)) // exactly 80 %: still green
		check("Wednesday 12:18", cases.TickResult{}, cases.LightGreen, cases.SuperviseNormal)
		f.at(local(2026, 9, 30, 12, 19))
		check("Wednesday 12:19", cases.TickResult{Checked: 2, Supervised: 2}, cases.LightYellow, cases.SuperviseYellow)
		check("Wednesday 12:19 again", cases.TickResult{}, cases.LightYellow, cases.SuperviseYellow)
		f.at(local(2026, 10, 7, 23, 59)) // the holiday does not count
		check("7 October 23:59", cases.TickResult{}, cases.LightYellow, cases.SuperviseYellow)
		f.at(local(2026, 10, 8, 8, 30)) // exactly 100 %: still yellow
		check("8 October 08:30", cases.TickResult{}, cases.LightYellow, cases.SuperviseYellow)

		// One minute into 8 October: red, supervised red and escalated to
		// the community's queue, back to registered there with the
		// community's dispatch clock, 30 min: due 09:01.
		f.at(local(2026, 10, 8, 8, 31))
		check("8 October 08:31", cases.TickResult{Checked: 2, Supervised: 2, Escalated: 2}, cases.LightGreen, cases.SuperviseRed)
		check("8 October 08:31 again", cases.TickResult{}, cases.LightGreen, cases.SuperviseRed)
		for _, id := range ids {
			c := f.find(id)
			if c.State != cases.Registered || c.Tier != category.TierCommunity || c.QueuePath != f.community.Path ||
				c.AssigneeUserID != 0 || c.Handle != nil || c.Escalated != 1 || !c.HandleLate {
				t.Errorf("escalated: %s at %s, queue %s, assignee %d, handle late %v", c.State, c.Tier, c.QueuePath, c.AssigneeUserID, c.HandleLate)
			}
			if got := inp(c.Due.Dispatch); got != "2026-10-08 09:01" {
				t.Errorf("community dispatch due %s", got)
			}
			evs := f.events(id)
			want := []cases.Action{cases.ActReport, cases.ActRegister, cases.ActDispatch, cases.ActAccept,
				cases.ActSupervise, cases.ActSupervise, cases.ActEscalate}
			if d := cmp.Diff(want, actions(evs)); d != "" {
				t.Fatalf("events (-want +got):\n%s", d)
			}
			for _, e := range evs[4:] {
				if e.ActorRole != "system" || e.ActorUserID != 0 {
					t.Errorf("automatic %s by %s/%d", e.Action, e.ActorRole, e.ActorUserID)
				}
			}
			if evs[4].At.Equal(evs[5].At) || !evs[5].At.Equal(evs[6].At) || in(evs[6].At) != "2026-10-08 08:31" {
				t.Errorf("automatic events at %s, %s, %s", in(evs[4].At), in(evs[5].At), in(evs[6].At))
			}
			if err := f.svc.VerifyHistory(sys(), id); err != nil {
				t.Error(err)
			}
		}
		// The grid can no longer dispatch it; the community's dispatcher can.
		c := f.find(ids[0])
		err := f.tryAct(f.worker1, c, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID})
		wantErr(t, err, apperr.Forbidden, "")
		f.act(f.dispatcher, c, cases.ActInput{Action: cases.ActDispatch, AssigneeDepartmentID: f.propertyDept.ID})
	})
}
