package cases_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// TestStory plays the party loop (居民点单 → 支部派单 → 党员接单 → 群众评单):
// at 22:40 on Friday 2026-03-06 a resident of 水韵名都 27号楼 1单元 reports
// a leaking heating main flooding the stairwell (LE0102 供热管道漏水,
// urgent); it routes to the building's grid; the grid's branch secretary
// registers it and dispatches it to a party member, who accepts and brings
// in the heating company; the company's worker feeds back with a photo;
// the grid worker verifies; the resident rates it, and it is closed at grid
// tier with every event in an intact chain.
//
// The urgent limits (category defaults): register and dispatch 10m, accept
// 1h, handle the category's urgent limit 2h, verify 1h — all on the wall
// clock, so the night counts.
func TestStory(t *testing.T) {
	t.Parallel()
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, cases.Options{})

		f.at(local(2026, 3, 6, 22, 40))
		c := f.report(f.resident, f.leak())
		if c.Number != "GW20260306-000001" || c.State != cases.Reported || c.Tier != category.TierGrid ||
			c.GridID != f.grid1.ID || c.RegionPath != f.grid1.Path || c.QueuePath != f.grid1.Path {
			t.Fatalf("reported: %s %s %s grid %d path %s queue %s", c.Number, c.State, c.Tier, c.GridID, c.RegionPath, c.QueuePath)
		}
		if c.DepartmentID != f.heatingDept.ID || c.ReporterUserID != f.resident.UserID || c.Light != cases.LightGreen {
			t.Fatalf("reported: department %d reporter %d light %s", c.DepartmentID, c.ReporterUserID, c.Light)
		}
		// 22:40 + 10m.
		if got := inp(c.Due.Register); got != "2026-03-06 22:50" {
			t.Errorf("register due %s, want 2026-03-06 22:50", got)
		}
		// The party member sees nothing yet.
		if _, err := f.svc.FindCaseByID(as(f.member), c.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("party member reads an unassigned case: %v", err)
		}

		f.at(local(2026, 3, 6, 22, 45))
		c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActRegister})
		if got := inp(c.Due.Dispatch); got != "2026-03-06 22:55" { // 22:45 + 10m
			t.Errorf("dispatch due %s", got)
		}
		f.at(local(2026, 3, 6, 22, 48))
		c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID, Note: "请党员同志尽快到场"})
		// Accept 22:48 + 1h; handle 22:48 + 2h (Saturday 00:48).
		if a, h := inp(c.Due.Accept), inp(c.Due.Handle); a != "2026-03-06 23:48" || h != "2026-03-07 00:48" {
			t.Errorf("accept due %s, handle due %s", a, h)
		}
		if c.State != cases.Dispatched || c.AssigneeUserID != f.member.UserID || c.AssigneeName != "member" {
			t.Fatalf("dispatched: %s to %d %q", c.State, c.AssigneeUserID, c.AssigneeName)
		}

		f.at(local(2026, 3, 6, 22, 55))
		c = f.act(f.member, c, cases.ActInput{Action: cases.ActAccept})
		f.at(local(2026, 3, 6, 22, 58))
		c = f.act(f.member, c, cases.ActInput{Action: cases.ActInvolve, DepartmentID: c.DepartmentID, Note: "主管道需供热公司关阀抢修"})
		if c.State != cases.InProgress || len(c.Involved) != 1 || c.Involved[0] != f.heatingDept.ID {
			t.Fatalf("involved: %s %v", c.State, c.Involved)
		}
		// The heating worker reads it now, as a member of a co-handling department.
		if _, err := f.svc.FindCaseByID(as(f.heating), c.ID); err != nil {
			t.Fatalf("heating worker cannot read the case: %v", err)
		}

		f.at(local(2026, 3, 6, 23, 50))
		photo := f.photo(f.heating)
		c = f.act(f.heating, c, cases.ActInput{Action: cases.ActFeedback, Note: "已关阀更换管段，恢复供热，楼道积水已清理", Attachments: []int64{photo}})
		if c.State != cases.Handled || c.HandlerUserID != f.heating.UserID || inp(c.Due.Verify) != "2026-03-07 00:50" {
			t.Fatalf("handled: %s by %d, verify due %s", c.State, c.HandlerUserID, inp(c.Due.Verify))
		}
		f.at(local(2026, 3, 6, 23, 58))
		c = f.act(f.worker1, c, cases.ActInput{Action: cases.ActVerifyOK, Note: "现场核查，已修复"})
		f.at(local(2026, 3, 7, 8, 10))
		c = f.act(f.resident, c, cases.ActInput{Action: cases.ActRate,
			Rating: &cases.RatingInput{Satisfaction: cases.Satisfied, Stars: 5, Comment: "半夜就修好了，谢谢党员和师傅"}})
		if c.State != cases.Closed || c.Tier != category.TierGrid || c.Rating == nil || c.Rating.Stars != 5 || inp(c.ClosedAt) != "2026-03-07 08:10" {
			t.Fatalf("closed: %s at %s tier, rating %+v", c.State, c.Tier, c.Rating)
		}

		evs := f.events(c.ID)
		want := []cases.Action{cases.ActReport, cases.ActRegister, cases.ActDispatch, cases.ActAccept, cases.ActInvolve,
			cases.ActFeedback, cases.ActVerifyOK, cases.ActRate}
		if d := cmp.Diff(want, actions(evs)); d != "" {
			t.Fatalf("events (-want +got):\n%s", d)
		}
		roles := []string{"resident", "branch_secretary", "branch_secretary", "party_member", "party_member", "department", "grid_worker", "resident"}
		for i, e := range evs {
			if e.Seq != int64(i+1) || e.ActorRole != roles[i] || e.Hash == "" || (i > 0 && e.PrevHash != evs[i-1].Hash) {
				t.Errorf("event %d: seq %d role %s prev %.8s hash %.8s", i, e.Seq, e.ActorRole, e.PrevHash, e.Hash)
			}
		}
		if d := cmp.Diff([]int64{photo}, evs[5].Attachments); d != "" {
			t.Errorf("feedback photos: %s", d)
		}
		if err := f.svc.VerifyHistory(sys(), c.ID); err != nil {
			t.Fatalf("verify history: %v", err)
		}
		if err := f.svc.VerifyHistory(sys(), 0); err != nil {
			t.Fatalf("verify all: %v", err)
		}
		// The photo may be seen by the resident, through the case.
		if err := f.svc.CheckAttachment(as(f.resident), photo); err != nil {
			t.Errorf("resident cannot see the feedback photo: %v", err)
		}
		if err := f.svc.CheckAttachment(as(f.worker2), photo); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("another grid's worker sees the photo: %v", err)
		}

		// The resident heard of every step others took, and sees the
		// public timeline but not the internal history.
		items, n, err := f.ntf.FindInbox(as(f.resident), notify.InboxFilter{})
		if err != nil || n != 6 { // the 8 events less the 2 the resident took
			t.Fatalf("resident inbox: %d items, %v", n, err)
		}
		if items[0].CaseID != c.ID {
			t.Errorf("inbox item of case %d", items[0].CaseID)
		}
		if _, n, _ := f.ntf.FindInbox(as(f.heating), notify.InboxFilter{}); n == 0 {
			t.Error("the heating worker was not told of the involvement")
		}
		tl, err := f.svc.Timeline(as(f.resident), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var seen []cases.Action
		for _, e := range tl {
			seen = append(seen, e.Action)
		}
		wantTL := []cases.Action{cases.ActReport, cases.ActRegister, cases.ActDispatch, cases.ActAccept, cases.ActFeedback, cases.ActVerifyOK, cases.ActRate}
		if d := cmp.Diff(wantTL, seen); d != "" {
			t.Errorf("timeline (-want +got):\n%s", d)
		}
		if _, err := f.svc.Events(as(f.resident), c.ID); apperr.CodeOf(err) != apperr.Forbidden {
			t.Errorf("resident reads the full history: %v", err)
		}
		if _, err := f.svc.FindCaseByID(as(f.neighbour), c.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("a neighbour reads the resident's case: %v", err)
		}
	})
}
