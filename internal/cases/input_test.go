package cases_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/gridwork/gridwork/internal/apperr"
	"github.com/gridwork/gridwork/internal/auth"
	"github.com/gridwork/gridwork/internal/calendar"
	"github.com/gridwork/gridwork/internal/cases"
)

func fp(x float64) *float64 { return &x }

// badReports: every malformed report is Invalid naming the field, and
// writes nothing.
func badReports(t *testing.T, f *fixture) {
	stranger := f.photo(f.neighbour)
	for _, c := range []struct {
		name  string
		by    *auth.Actor
		edit  func(*cases.ReportInput)
		code  apperr.Code
		field string
	}{
		{"no title", f.resident, func(in *cases.ReportInput) { in.Title = "  " }, apperr.Invalid, "title"},
		{"unknown category", f.resident, func(in *cases.ReportInput) { in.Category = "LX9999" }, apperr.Invalid, "category"},
		{"malformed category", f.resident, func(in *cases.ReportInput) { in.Category = "" }, apperr.Invalid, "category"},
		{"nature as category", f.resident, func(in *cases.ReportInput) { in.Category = "N03" }, apperr.Invalid, "category"},
		{"category as nature", f.resident, func(in *cases.ReportInput) { in.Nature = "LE0102" }, apperr.Invalid, "nature"},
		{"bad channel", f.resident, func(in *cases.ReportInput) { in.Channel = "fax" }, apperr.Invalid, "channel"},
		{"bad urgency", f.resident, func(in *cases.ReportInput) { in.Urgency = "asap" }, apperr.Invalid, "urgency"},
		{"lon without lat", f.resident, func(in *cases.ReportInput) { in.Lon = fp(117.005) }, apperr.Invalid, "lat"},
		{"latitude out of range", f.resident, func(in *cases.ReportInput) { in.Lon, in.Lat = fp(117.005), fp(95) }, apperr.Invalid, "lat"},
		{"no location", f.resident, func(in *cases.ReportInput) { in.BuildingID, in.UnitID = 0, 0 }, apperr.Invalid, "location"},
		{"outside every region", f.resident, func(in *cases.ReportInput) {
			in.BuildingID, in.UnitID, in.Lon, in.Lat = 0, 0, fp(100), fp(30)
		}, apperr.Invalid, "location"},
		{"unknown building", f.resident, func(in *cases.ReportInput) { in.BuildingID, in.UnitID = 999, 0 }, apperr.Invalid, "building_id"},
		{"unit of another building", f.resident, func(in *cases.ReportInput) { in.BuildingID = 999 }, apperr.Invalid, "unit_id"},
		{"someone else's photo", f.resident, func(in *cases.ReportInput) { in.Attachments = []int64{stranger} }, apperr.Invalid, "attachments"},
		{"no such photo", f.resident, func(in *cases.ReportInput) { in.Attachments = []int64{4242} }, apperr.Invalid, "attachments"},
		{"anonymous without phone", nil, func(in *cases.ReportInput) {}, apperr.Invalid, "reporter_phone"},
		{"anonymous with a bad phone", nil, func(in *cases.ReportInput) { in.ReporterPhone = "12345" }, apperr.Invalid, "reporter_phone"},
		{"hotline without ticket", f.dispatcher, func(in *cases.ReportInput) { in.Channel = cases.ChannelHotline }, apperr.Invalid, "hotline_ticket"},
		{"hotline naming no such region", f.dispatcher, func(in *cases.ReportInput) {
			in.Channel, in.HotlineTicket, in.BuildingID, in.UnitID, in.RegionID = cases.ChannelHotline, "12345-0001", 0, 0, 999
		}, apperr.Invalid, "region_id"},
		{"grid worker of another grid", f.worker2, func(in *cases.ReportInput) { in.Channel = cases.ChannelGridWorker }, apperr.Forbidden, ""},
		{"resident channel by a grid worker", f.worker1, func(in *cases.ReportInput) {}, apperr.Forbidden, ""},
		{"party member without a resident grant", f.member, func(in *cases.ReportInput) {}, apperr.Forbidden, ""},
		{"long title", f.resident, func(in *cases.ReportInput) { in.Title = strings.Repeat("漏", 101) }, apperr.Invalid, "title"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := f.leak()
			c.edit(&in)
			ctx := sys()
			if c.by != nil {
				ctx = as(c.by)
			}
			before := f.counts()
			_, err := f.svc.Report(ctx, in)
			wantErr(t, err, c.code, c.field)
			f.unchanged(before, c.name)
		})
	}
}

// badActs: illegal transitions are Conflict (wrong state) or Forbidden
// (wrong person) with the reason, malformed input is Invalid naming the
// field, and none of them writes anything.
func badActs(t *testing.T, f *fixture) {
	c := f.report(f.resident, f.leak())
	registered := f.act(f.secretary, c, cases.ActInput{Action: cases.ActRegister})
	d := f.report(f.neighbour, f.leak())
	d = f.act(f.worker1, d, cases.ActInput{Action: cases.ActRegister})
	dispatched := f.act(f.secretary, d, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID})
	for _, x := range []struct {
		name  string
		by    *auth.Actor
		c     *cases.Case
		in    cases.ActInput
		code  apperr.Code
		field string
	}{
		{"rate before verification", f.resident, registered, cases.ActInput{Action: cases.ActRate,
			Rating: &cases.RatingInput{Satisfaction: cases.Satisfied, Stars: 5}}, apperr.Conflict, "state"},
		{"grid worker dispatching outside his grid", f.worker2, registered, cases.ActInput{Action: cases.ActDispatch,
			AssigneeUserID: f.member.UserID}, apperr.Forbidden, ""},
		{"accepting a case dispatched to someone else", f.worker1, dispatched, cases.ActInput{Action: cases.ActAccept}, apperr.Forbidden, ""},
		{"a department accepting another's case", f.heating, dispatched, cases.ActInput{Action: cases.ActAccept}, apperr.NotFound, ""},
		{"a neighbour rating", f.neighbour, registered, cases.ActInput{Action: cases.ActRate,
			Rating: &cases.RatingInput{Satisfaction: cases.Satisfied, Stars: 5}}, apperr.NotFound, ""},
		{"leader dispatching", f.leader, registered, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID}, apperr.Forbidden, ""},
		{"stale version", f.secretary, c, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID}, apperr.Conflict, "version"},
		{"dispatch twice", f.secretary, dispatched, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID}, apperr.Conflict, "state"},
		{"unknown action", f.secretary, registered, cases.ActInput{Action: "teleport"}, apperr.Invalid, "action"},
		{"no version", f.secretary, &cases.Case{ID: registered.ID}, cases.ActInput{Action: cases.ActRegister}, apperr.Invalid, "version"},
		{"dispatch to nobody", f.secretary, registered, cases.ActInput{Action: cases.ActDispatch}, apperr.Invalid, "assignee"},
		{"dispatch to two", f.secretary, registered, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID,
			AssigneeDepartmentID: f.heatingDept.ID}, apperr.Invalid, "assignee"},
		{"dispatch to a resident", f.secretary, registered, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.neighbour.UserID}, apperr.Invalid, "assignee"},
		{"dispatch to another grid's worker", f.secretary, registered, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.worker2.UserID}, apperr.Invalid, "assignee"},
		{"dispatch to no such user", f.secretary, registered, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: 9999}, apperr.Invalid, "assignee"},
		{"dispatch to no such department", f.secretary, registered, cases.ActInput{Action: cases.ActDispatch, AssigneeDepartmentID: 9999}, apperr.Invalid, "assignee"},
		{"reject without reason", f.secretary, registered, cases.ActInput{Action: cases.ActReject}, apperr.Invalid, "reason"},
		{"feedback without note", f.member, dispatched, cases.ActInput{Action: cases.ActFeedback}, apperr.Invalid, "note"},
		{"six stars", f.resident, registered, cases.ActInput{Action: cases.ActRate,
			Rating: &cases.RatingInput{Satisfaction: cases.Satisfied, Stars: 6}}, apperr.Invalid, "rating.stars"},
		{"no satisfaction", f.resident, registered, cases.ActInput{Action: cases.ActRate, Rating: &cases.RatingInput{Stars: 3}}, apperr.Invalid, "rating.satisfaction"},
		{"no rating", f.resident, registered, cases.ActInput{Action: cases.ActRate}, apperr.Invalid, "rating"},
		{"merge into itself", f.secretary, registered, cases.ActInput{Action: cases.ActMerge, DuplicateOf: registered.ID}, apperr.Invalid, "duplicate_of"},
		{"merge into nothing", f.secretary, registered, cases.ActInput{Action: cases.ActMerge, DuplicateOf: 9999}, apperr.Invalid, "duplicate_of"},
		{"bad extension", f.member, dispatched, cases.ActInput{Action: cases.ActExtend, Reason: "缺材料", ExtendBy: calendar.Limit{Amount: 0, Unit: "wd"}}, apperr.Invalid, "extend_by"},
		{"bad level", f.leader, registered, cases.ActInput{Action: cases.ActSupervise, Level: "purple"}, apperr.Invalid, "level"},
		{"resume a running case", f.secretary, registered, cases.ActInput{Action: cases.ActResume}, apperr.Conflict, "state"},
		{"escalate without reason", f.secretary, registered, cases.ActInput{Action: cases.ActEscalate}, apperr.Invalid, "reason"},
		{"instruct as a dispatcher", f.dispatcher, registered, cases.ActInput{Action: cases.ActInstruct, Note: "速办"}, apperr.Forbidden, ""},
		{"unknown case", f.secretary, &cases.Case{ID: 9999, Version: 1}, cases.ActInput{Action: cases.ActRegister}, apperr.NotFound, ""},
		{"someone else's photo", f.member, dispatched, cases.ActInput{Action: cases.ActAccept, Attachments: []int64{f.photo(f.neighbour)}}, apperr.Invalid, "attachments"},
	} {
		t.Run(x.name, func(t *testing.T) {
			before := f.counts()
			err := f.tryAct(x.by, x.c, x.in)
			if x.code == apperr.NotFound {
				if apperr.CodeOf(err) != apperr.NotFound {
					t.Fatalf("error = %v, want not found", err)
				}
			} else {
				wantErr(t, err, x.code, x.field)
			}
			f.unchanged(before, x.name)
		})
	}
	// The messages say why: the state by name, the assignee by name.
	err := f.tryAct(f.resident, registered, cases.ActInput{Action: cases.ActRate, Rating: &cases.RatingInput{Satisfaction: cases.Satisfied, Stars: 5}})
	if e := apperr.As(err); e == nil || e.Msg.ZH != "案件当前为“已立案”状态，不能“评价”" || e.Msg.EN != "the case is registered: you cannot rate it in that state" {
		t.Errorf("rate message: %+v", e)
	}
	err = f.tryAct(f.worker1, dispatched, cases.ActInput{Action: cases.ActAccept})
	if e := apperr.As(err); e == nil || e.Msg.EN != "the case is assigned to member: only the assignee may accept" {
		t.Errorf("accept message: %+v", e)
	}
	err = f.tryAct(f.worker2, registered, cases.ActInput{Action: cases.ActDispatch, AssigneeUserID: f.member.UserID})
	if e := apperr.As(err); e == nil || e.Msg.EN != "the case is in a grid-tier queue where you may not dispatch" {
		t.Errorf("dispatch message: %+v", e)
	}
}

// idempotentReport: a retried submission returns the same case, also
// when two arrive at once; the same key for another report is a Conflict;
// anonymous reports are keyed by their phone.
func idempotentReport(t *testing.T, f *fixture) {
	db := f.db
	in := f.leak()
	in.IdempotencyKey = "phone-7f3a"
	first := f.report(f.resident, in)
	again := f.report(f.resident, in)
	if again.ID != first.ID || again.Number != first.Number {
		t.Fatalf("retry made case %d, first %d", again.ID, first.ID)
	}
	// The same key from someone else is someone else's key.
	if other := f.report(f.neighbour, in); other.ID == first.ID {
		t.Fatal("another reporter's key returned the first reporter's case")
	}
	before := f.counts()
	changed := in
	changed.Title = "别的事"
	_, err := f.svc.Report(as(f.resident), changed)
	wantErr(t, err, apperr.Conflict, "idempotency_key")
	f.unchanged(before, "key reuse")

	// Two at once: one case, both get it.
	in.IdempotencyKey = "burst-1"
	var wg sync.WaitGroup
	got := make([]*cases.Case, 4)
	errs := make([]error, 4)
	for i := range got {
		wg.Go(func() { got[i], errs[i] = f.svc.Report(as(f.resident), in) })
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			t.Fatalf("concurrent retry %d: %v", i, errs[i])
		}
		if got[i].ID != got[0].ID {
			t.Fatalf("concurrent retries made cases %d and %d", got[0].ID, got[i].ID)
		}
	}

	// Anonymous: the phone is the reporter.
	anon := f.leak()
	anon.IdempotencyKey, anon.ReporterPhone, anon.ReporterName = "anon-1", "13812345678", "王女士"
	a1, err := f.svc.Report(sys(), anon)
	if err != nil {
		t.Fatal(err)
	}
	if !a1.Anonymous || a1.ReporterUserID != 0 || a1.ReporterPhone != "138****5678" || a1.ReporterName != "王女士" {
		t.Errorf("anonymous: %v %d %q %q", a1.Anonymous, a1.ReporterUserID, a1.ReporterPhone, a1.ReporterName)
	}
	anon.ReporterPhone = "+86 138 1234 5678" // the same number, written differently
	if a2, err := f.svc.Report(sys(), anon); err != nil || a2.ID != a1.ID {
		t.Errorf("anonymous retry: %v, case %v", err, a2)
	}
	anon.ReporterPhone = "13987654321"
	if a3, err := f.svc.Report(sys(), anon); err != nil || a3.ID == a1.ID {
		t.Errorf("another phone's key: %v", err)
	}
	var stored []byte
	if err := db.QueryRow(sys(), `SELECT reporter_phone FROM cases WHERE id = $1`, a1.ID).Scan(&stored); err != nil || len(stored) == 0 ||
		string(stored) == "13812345678" {
		t.Errorf("phone stored as %q (%v)", stored, err)
	}
	if events := f.events(a1.ID); events[0].ActorRole != "anonymous" || events[0].ActorName != "王女士" {
		t.Errorf("anonymous report event by %s %s", events[0].ActorRole, events[0].ActorName)
	}
	if err := f.svc.VerifyHistory(sys(), 0); err != nil {
		t.Error(err)
	}
}
