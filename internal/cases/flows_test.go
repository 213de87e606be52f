package cases_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/cases"
	"github.com/gridwork/gridwork/internal/category"
	"github.com/gridwork/gridwork/internal/notify"
	"github.com/gridwork/gridwork/internal/sqldb"
	"github.com/gridwork/gridwork/internal/sqldb/sqldbtest"
)

// ids returns the ids of cs.
func ids(cs []*cases.Case) []int64 {
	out := make([]int64, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// TestFlows walks the other branches of the machine on one territory:
// suspension, merging, reopening, extensions, handling on the spot with
// verification and rework, manual escalation, closing, routing, and the
// scoped lists. The subtests share the database and run in order.
func TestFlows(t *testing.T) {
	t.Parallel()
	sqldbtest.Engines(t, sqldbtest.Options{}, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db, cases.Options{})
		if _, err := f.cat.CreateTimeLimit(sys(), category.TimeLimitInput{CategoryCode: "LS0507", Urgency: category.Normal,
			Tier: category.TierGrid, Step: category.StepHandle, Limit: "3wd"}); err != nil {
			t.Fatal(err)
		}
		drain := cases.ReportInput{Channel: cases.ChannelResident, Category: "LS0507", Title: "楼内下水道堵塞", BuildingID: f.building.ID}

		// dispatched reports a drain case as the resident at when and has
		// the secretary register and dispatch it to the party member.
		dispatched := func(when time.Time) *cases.Case {
			f.at(when)
			c := f.report(f.resident, drain)
			c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActRegister})
			return f.act(f.secretary, c, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID})
		}
		// handled takes a dispatched case through accept and feedback.
		handled := func(c *cases.Case) *cases.Case {
			c = f.act(f.member, c, cases.ActInput{Action: cases.ActAccept})
			return f.act(f.member, c, cases.ActInput{Action: cases.ActFeedback, Note: "已疏通"})
		}

		t.Run("suspended time does not count", func(t *testing.T) {
			// Dispatched Monday 9 March 10:00: 3wd due Thursday 12 March 10:00.
			c := dispatched(local(2026, 3, 9, 10, 0))
			f.at(local(2026, 3, 9, 10, 5))
			c = f.act(f.member, c, cases.ActInput{Action: cases.ActAccept})
			if got := in(c.Step.Due); got != "2026-03-12 10:00" {
				t.Fatalf("handle due %s", got)
			}
			f.at(local(2026, 3, 10, 10, 0))
			c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActSuspend, Reason: "等待更换排污管配件"})
			if c.NextCheck != nil {
				t.Errorf("a suspended case is scheduled for %s", inp(c.NextCheck))
			}
			// Wednesday 09:00, still suspended: the light is frozen at
			// Tuesday 10:00 (9.5 working hours, a third of the limit:
			// green), nothing ticks, and the work waits.
			f.at(local(2026, 3, 11, 9, 0))
			if got := f.find(c.ID); got.Light != cases.LightGreen {
				t.Errorf("suspended light %s", got.Light)
			}
			if r, _ := f.svc.Tick(sys()); r.Checked != 0 {
				t.Errorf("tick looked at a suspended case: %+v", r)
			}
			before := f.counts()
			wantErr(t, f.tryAct(f.member, c, cases.ActInput{Action: cases.ActFeedback, Note: "x"}), apperr.Conflict, "state")
			f.unchanged(before, "feedback while suspended")
			// Resumed Wednesday 10:00 after one whole working window (Tue
			// 10:00–18:00 and Wed 08:30–10:00 = 9.5 h = 1wd = 24 h on the
			// clock): due moves to Friday 13 March 10:00; yellow after
			// 57.6 h + 24 h = 81.6 h of the clock = 32.3 working-window
			// hours from Monday 10:00: Mon 8 + Tue 9.5 + Wed 9.5 = 27, plus
			// 5.3 h = Thursday 13:48.
			f.at(local(2026, 3, 11, 10, 0))
			c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActResume})
			st := c.Step
			if got := []string{in(st.Due), in(st.YellowAt), in(st.RedAt), inp(c.Due.Handle), st.Suspended.String()}; !cmp.Equal(got,
				[]string{"2026-03-13 10:00", "2026-03-12 13:48", "2026-03-13 10:00", "2026-03-13 10:00", "24h0m0s"}) {
				t.Errorf("after resume: %v", got)
			}
			// Thursday 12:00, past the first deadline: 77 h on the clock, 53 h
			// of it counted: green (it would be red if the suspension counted).
			f.at(local(2026, 3, 12, 12, 0))
			if got := f.find(c.ID); got.Light != cases.LightGreen {
				t.Errorf("light after resume %s", got.Light)
			}
			green, red := cases.LightGreen, cases.LightRed
			if cs, _, _ := f.svc.FindCases(sys(), cases.CaseFilter{Light: &green}); !slices.Contains(ids(cs), c.ID) {
				t.Error("not listed as green")
			}
			if cs, _, _ := f.svc.FindCases(sys(), cases.CaseFilter{Light: &red}); slices.Contains(ids(cs), c.ID) {
				t.Error("listed as red")
			}
			f.at(local(2026, 3, 12, 13, 49))
			if r, err := f.svc.Tick(sys()); err != nil || r.Supervised != 1 {
				t.Errorf("tick after 13:48: %+v %v", r, err)
			}
			evs := f.events(c.ID)
			var d cases.EventData
			if err := json.Unmarshal([]byte(evs[5].Data), &d); err != nil || evs[5].Action != cases.ActResume ||
				inp(d.SuspendedFrom) != "2026-03-10 10:00" || inp(d.SuspendedTo) != "2026-03-11 10:00" {
				t.Errorf("resume event %s: %+v %v", evs[5].Action, d, err)
			}
		})

		t.Run("merge: every reporter follows the master", func(t *testing.T) {
			f.at(local(2026, 3, 16, 9, 0))
			master := f.report(f.resident, f.leak())
			f.at(local(2026, 3, 16, 9, 5))
			dup := f.report(f.neighbour, f.leak())
			dup = f.act(f.secretary, dup, cases.ActInput{Action: cases.ActMerge, DuplicateOf: master.ID, Note: "同一漏点"})
			if dup.State != cases.Closed || dup.MergedInto != master.ID {
				t.Fatalf("duplicate: %s merged into %d", dup.State, dup.MergedInto)
			}
			master = f.find(master.ID)
			if d := cmp.Diff([]int64{f.neighbour.UserID}, master.Followers); d != "" {
				t.Errorf("followers: %s", d)
			}
			_, before, _ := f.ntf.FindInbox(as(f.neighbour), notify.InboxFilter{})
			master = f.act(f.secretary, master, cases.ActInput{Action: cases.ActRegister})
			if _, after, _ := f.ntf.FindInbox(as(f.neighbour), notify.InboxFilter{}); after != before+1 {
				t.Errorf("the follower was not told: %d → %d", before, after)
			}
			if _, err := f.svc.FindCaseByID(as(f.neighbour), master.ID); err != nil {
				t.Errorf("the follower cannot read the master: %v", err)
			}
			mine, _, err := f.svc.FindCases(as(f.neighbour), cases.CaseFilter{ReportedByMe: true})
			if err != nil || !slices.Contains(ids(mine), master.ID) || !slices.Contains(ids(mine), dup.ID) {
				t.Errorf("neighbour's cases %v (%v)", ids(mine), err)
			}
			wantErr(t, f.tryAct(f.neighbour, dup, cases.ActInput{Action: cases.ActReopen, Reason: "还在漏"}), apperr.Conflict, "state")
			wantErr(t, f.tryAct(f.secretary, master, cases.ActInput{Action: cases.ActMerge, DuplicateOf: dup.ID}), apperr.Conflict, "duplicate_of")
			if evs := f.events(master.ID); evs[1].Action != cases.ActMerge {
				t.Errorf("master's events %v", actions(evs))
			}
			if err := f.svc.VerifyHistory(sys(), 0); err != nil {
				t.Error(err)
			}
		})

		t.Run("rework, unsatisfied, reopen within 7 days", func(t *testing.T) {
			c := dispatched(local(2026, 3, 17, 9, 0))
			c = handled(c)
			// The member who handled it may not verify it; the reporter
			// may, and sends it back: rework goes to the same assignee.
			wantErr(t, f.tryAct(f.member, c, cases.ActInput{Action: cases.ActVerifyOK}), apperr.Forbidden, "")
			f.at(local(2026, 3, 17, 11, 0))
			c = f.act(f.resident, c, cases.ActInput{Action: cases.ActVerifyFail, Reason: "还是堵"})
			if c.State != cases.Dispatched || c.AssigneeUserID != f.member.UserID || in(c.Step.Start) != "2026-03-17 11:00" || c.HandlerUserID != 0 {
				t.Fatalf("rework: %s to %d from %s", c.State, c.AssigneeUserID, in(c.Step.Start))
			}
			c = handled(c)
			c = f.act(f.worker1, c, cases.ActInput{Action: cases.ActVerifyOK})
			c = f.act(f.resident, c, cases.ActInput{Action: cases.ActRate, Rating: &cases.RatingInput{Satisfaction: cases.Unsatisfied, Stars: 2}})
			f.at(local(2026, 3, 20, 9, 0))
			c = f.act(f.resident, c, cases.ActInput{Action: cases.ActReopen, Reason: "又堵了"})
			if c.State != cases.Registered || c.Reopened != 1 || c.Rating != nil || c.ClosedAt != nil || c.AssigneeUserID != 0 {
				t.Fatalf("reopened: %s %d %+v", c.State, c.Reopened, c.Rating)
			}
			c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID})
			c = handled(c)
			c = f.act(f.worker1, c, cases.ActInput{Action: cases.ActVerifyOK})
			c = f.act(f.resident, c, cases.ActInput{Action: cases.ActRate, Rating: &cases.RatingInput{Satisfaction: cases.Unsatisfied, Stars: 1}})
			f.at(local(2026, 3, 28, 9, 1)) // more than 7 days after closing
			wantErr(t, f.tryAct(f.resident, c, cases.ActInput{Action: cases.ActReopen, Reason: "还在堵"}), apperr.Conflict, "state")
			// A satisfied reporter does not reopen.
			s := handled(dispatched(local(2026, 3, 28, 9, 5)))
			s = f.act(f.worker1, s, cases.ActInput{Action: cases.ActVerifyOK})
			s = f.act(f.resident, s, cases.ActInput{Action: cases.ActRate, Rating: &cases.RatingInput{Satisfaction: cases.Satisfied, Stars: 5}})
			wantErr(t, f.tryAct(f.resident, s, cases.ActInput{Action: cases.ActReopen, Reason: "再看看"}), apperr.Conflict, "state")
			wantErr(t, f.tryAct(f.neighbour, s, cases.ActInput{Action: cases.ActReopen, Reason: "再看看"}), apperr.NotFound, "")
		})

		t.Run("extension approved by the queue", func(t *testing.T) {
			// Dispatched Monday 30 March 10:00: due Thursday 2 April 10:00.
			c := dispatched(local(2026, 3, 30, 10, 0))
			c = f.act(f.member, c, cases.ActInput{Action: cases.ActAccept})
			c = f.act(f.member, c, cases.ActInput{Action: cases.ActExtend, Reason: "需物业协调停水", ExtendBy: calendar.MustParseLimit("2wd")})
			wantErr(t, f.tryAct(f.member, c, cases.ActInput{Action: cases.ActExtend, Reason: "再加", ExtendBy: calendar.MustParseLimit("1wd")}),
				apperr.Conflict, "extend_by")
			wantErr(t, f.tryAct(f.member, c, cases.ActInput{Action: cases.ActExtendApprove}), apperr.Forbidden, "")
			// Two working days after Thursday 2 April 10:00: Friday 3 April,
			// then 4–6 April off (清明), Tuesday 7 April 10:00.
			c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActExtendApprove})
			if got := []string{inp(c.Due.Handle), in(c.Step.Due), in(c.Step.RedAt), c.Step.Extra.String()}; !cmp.Equal(got,
				[]string{"2026-04-07 10:00", "2026-04-07 10:00", "2026-04-07 10:00", "48h0m0s"}) || c.Extension != nil {
				t.Errorf("extended: %v, pending %+v", got, c.Extension)
			}
			c = f.act(f.member, c, cases.ActInput{Action: cases.ActExtend, Reason: "再加", ExtendBy: calendar.MustParseLimit("1wd")})
			c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActExtendDeny, Reason: "不予延期"})
			if inp(c.Due.Handle) != "2026-04-07 10:00" || c.Extension != nil {
				t.Errorf("denied: due %s pending %+v", inp(c.Due.Handle), c.Extension)
			}
		})

		t.Run("handled on the spot, verified by another, closed", func(t *testing.T) {
			f.at(local(2026, 4, 8, 9, 0))
			photo := f.photo(f.worker1)
			c := f.report(f.worker1, cases.ReportInput{Channel: cases.ChannelGridWorker, Category: "E06010", Title: "路边暴露垃圾",
				Lon: fp(117.005), Lat: fp(36.605), Attachments: []int64{photo}})
			if c.GridID != f.grid1.ID || c.Tier != category.TierGrid || !slices.Equal(c.Attachments, []int64{photo}) {
				t.Fatalf("patrol finding: grid %d tier %s photos %v", c.GridID, c.Tier, c.Attachments)
			}
			f.at(local(2026, 4, 8, 9, 20))
			c = f.act(f.worker1, c, cases.ActInput{Action: cases.ActSelfHandle, Note: "已清理", Attachments: []int64{f.photo(f.worker1)}})
			if c.State != cases.Handled || c.HandlerUserID != f.worker1.UserID || c.RegisteredAt == nil {
				t.Fatalf("self-handled: %s by %d", c.State, c.HandlerUserID)
			}
			wantErr(t, f.tryAct(f.worker1, c, cases.ActInput{Action: cases.ActVerifyOK}), apperr.Forbidden, "")
			c = f.act(f.dispatcher, c, cases.ActInput{Action: cases.ActVerifyOK})
			// A patrol finding has nobody to rate it: the queue closes it.
			c = f.act(f.secretary, c, cases.ActInput{Action: cases.ActClose})
			if c.State != cases.Closed {
				t.Fatalf("closed: %s", c.State)
			}
			// A resident's case waits for the rating three days.
			r := handled(dispatched(local(2026, 4, 8, 10, 0)))
			r = f.act(f.worker1, r, cases.ActInput{Action: cases.ActVerifyOK})
			wantErr(t, f.tryAct(f.secretary, r, cases.ActInput{Action: cases.ActClose}), apperr.Conflict, "state")
			f.at(local(2026, 4, 11, 10, 1))
			r = f.act(f.secretary, r, cases.ActInput{Action: cases.ActClose})
			if r.State != cases.Closed || r.Rating != nil {
				t.Errorf("closed unrated: %s", r.State)
			}
		})

		t.Run("escalated one tier at a time", func(t *testing.T) {
			f.at(local(2026, 4, 13, 9, 0))
			c := f.report(f.resident, f.leak())
			c = f.act(f.worker1, c, cases.ActInput{Action: cases.ActRegister})
			c = f.act(f.worker1, c, cases.ActInput{Action: cases.ActEscalate, Reason: "涉及整栋楼供热，需社区协调"})
			if c.State != cases.Registered || c.Tier != category.TierCommunity || c.QueuePath != f.community.Path || c.RegionPath != f.grid1.Path {
				t.Fatalf("escalated: %s %s queue %s", c.State, c.Tier, c.QueuePath)
			}
			wantErr(t, f.tryAct(f.secretary, c, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID}), apperr.Forbidden, "")
			wantErr(t, f.tryAct(f.worker1, c, cases.ActInput{Action: cases.ActEscalate, Reason: "x"}), apperr.Forbidden, "")
			c = f.act(f.dispatcher, c, cases.ActInput{Action: cases.ActEscalate, Reason: "需街道协调"})
			if c.Tier != category.TierStreet {
				t.Fatalf("tier %s", c.Tier)
			}
			wantErr(t, f.tryAct(f.dispatcher, c, cases.ActInput{Action: cases.ActDispatch, AssigneeDepartmentID: f.heatingDept.ID}), apperr.Forbidden, "")
			c, err := f.svc.Act(sys(), c.ID, cases.ActInput{Action: cases.ActEscalate, Version: c.Version, Reason: "区级"})
			if err != nil || c.Tier != category.TierDistrict {
				t.Fatalf("to the district: %v", err)
			}
			_, err = f.svc.Act(sys(), c.ID, cases.ActInput{Action: cases.ActEscalate, Version: c.Version, Reason: "更高"})
			wantErr(t, err, apperr.Conflict, "state")
			// A leader supervises and instructs; the dispatcher may not instruct.
			c = f.act(f.leader, c, cases.ActInput{Action: cases.ActSupervise, Level: cases.SuperviseRed, Note: "限期办结"})
			c = f.act(f.leader, c, cases.ActInput{Action: cases.ActInstruct, Note: "请区供热办牵头解决"})
			if c.Supervision != cases.SuperviseRed {
				t.Errorf("supervision %s", c.Supervision)
			}
		})

		t.Run("routing", func(t *testing.T) {
			f.at(local(2026, 4, 14, 9, 0))
			in2 := cases.ReportInput{Channel: cases.ChannelResident, Category: "E06010", Title: "垃圾", Lon: fp(117.015), Lat: fp(36.605)}
			c := f.report(f.resident, in2)
			if c.GridID != f.grid2.ID || c.QueuePath != f.grid2.Path || c.Tier != category.TierGrid {
				t.Errorf("point in grid 2: grid %d queue %s", c.GridID, c.QueuePath)
			}
			in2.Lon, in2.Lat = fp(117.005), fp(36.615) // in the community, in no grid
			c = f.report(f.resident, in2)
			if c.GridID != 0 || c.RegionID != f.community.ID || c.Tier != category.TierCommunity || c.QueueParentID != f.street.ID {
				t.Errorf("point outside the grids: grid %d region %d tier %s", c.GridID, c.RegionID, c.Tier)
			}
			h := f.report(f.dispatcher, cases.ReportInput{Channel: cases.ChannelHotline, HotlineTicket: "12345-20260414-0088", Category: "LH12",
				Title: "小区停暖", RegionID: f.community.ID, ReporterName: "李先生", ReporterPhone: "0531-86012345"})
			if h.Tier != category.TierCommunity || !h.Anonymous || h.HotlineTicket != "12345-20260414-0088" || h.ReporterPhone != "0531-****2345" {
				t.Errorf("hotline: %s anon %v ticket %s phone %s", h.Tier, h.Anonymous, h.HotlineTicket, h.ReporterPhone)
			}
			if evs := f.events(h.ID); evs[0].ActorRole != "dispatcher" || evs[0].ActorUserID != f.dispatcher.UserID {
				t.Errorf("hotline intake by %s", evs[0].ActorRole)
			}
		})

		t.Run("lists are scoped", func(t *testing.T) {
			all, total, err := f.svc.FindCases(sys(), cases.CaseFilter{Limit: 500})
			if err != nil || total != len(all) || total == 0 {
				t.Fatalf("all: %d %d %v", total, len(all), err)
			}
			visible := func(a *auth.Actor, filter cases.CaseFilter) []int64 {
				t.Helper()
				filter.Limit = 500
				cs, n, err := f.svc.FindCases(as(a), filter)
				if err != nil || n != len(cs) {
					t.Fatalf("%s: %d of %d, %v", a.Name, len(cs), n, err)
				}
				return ids(cs)
			}
			want := func(a *auth.Actor, filter cases.CaseFilter, keep func(c *cases.Case) bool) {
				t.Helper()
				var w []int64
				for _, c := range all {
					if keep(c) {
						w = append(w, c.ID)
					}
				}
				got := visible(a, filter)
				slices.Sort(got)
				slices.Sort(w)
				if d := cmp.Diff(w, got); d != "" {
					t.Errorf("%s sees (-want +got):\n%s", a.Name, d)
				}
			}
			want(f.worker2, cases.CaseFilter{}, func(c *cases.Case) bool { return c.RegionPath == f.grid2.Path })
			want(f.worker1, cases.CaseFilter{}, func(c *cases.Case) bool { return c.RegionPath == f.grid1.Path })
			want(f.dispatcher, cases.CaseFilter{}, func(c *cases.Case) bool { return true })
			want(f.resident, cases.CaseFilter{}, func(c *cases.Case) bool { return c.ReporterUserID == f.resident.UserID })
			want(f.member, cases.CaseFilter{AssignedToMe: true}, func(c *cases.Case) bool { return c.AssigneeUserID == f.member.UserID })
			want(f.dispatcher, cases.CaseFilter{QueueOf: &f.grid1.ID}, func(c *cases.Case) bool { return c.QueuePath == f.grid1.Path })
			open := true
			want(f.leader, cases.CaseFilter{Open: &open, Category: ptr("LE")}, func(c *cases.Case) bool {
				return c.State.Open() && c.Category == "LE0102"
			})
			want(f.dispatcher, cases.CaseFilter{Text: ptr("下水道")}, func(c *cases.Case) bool { return c.Title == "楼内下水道堵塞" })
			// The most urgent come first.
			rank := map[cases.Light]int{cases.LightRed: 0, cases.LightYellow: 1, cases.LightGreen: 2, cases.LightNone: 3}
			for i := 1; i < len(all); i++ {
				if rank[all[i-1].Light] > rank[all[i].Light] {
					t.Errorf("order: %s before %s", all[i-1].Light, all[i].Light)
				}
			}
		})
	})
}

func ptr[T any](v T) *T { return &v }
